"""Journal pages: a member's own entries, guided prompts, sharing one entry on purpose; and the
page where a circle's facilitators read what was shared with them."""

from __future__ import annotations

from collections.abc import Iterable

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from circles import paging, signals
from circles.db import scoped_get_or_404, utcnow
from circles.exceptions import ServiceError
from circles.extensions import db
from circles.forms import ConfirmForm
from circles.i18n import gettext as _
from circles.journal import bp, prompts, services
from circles.journal.forms import NO_LINK, EntryForm, ShareForm
from circles.journal.models import JournalEntry, SharedNote
from circles.security import circle_access_or_404
from circles.templating import local_time
from circles.web import show_error_on_form


def _links() -> tuple[dict[int, str], dict[int, str]]:
    """The person's own noted sessions and their circles' meetings, by id, as labels."""
    uid = current_user.id
    sessions = {s.id: local_time(s.taken_at, "date") for s in services.dosing_choices(uid)}
    meetings = {
        m.id: f"{local_time(m.starts_at, 'long')}, {name}"
        for m, name in services.meeting_choices(uid, utcnow())
    }
    return sessions, meetings


def _with_choices(form: EntryForm) -> EntryForm:
    """The entry form with the sessions and meetings it may link to."""
    sessions, meetings = _links()
    none = [SelectChoice(NO_LINK, _("None"))]
    form.dosing_session.choices = none + [SelectChoice(i, t) for i, t in sessions.items()]
    form.meeting.choices = none + [SelectChoice(i, t) for i, t in meetings.items()]
    return form


def _draft(form: EntryForm) -> services.Draft:
    return services.Draft(
        text=form.text.data or "",
        title=form.title.data or "",
        themes=list(form.themes.data or ()),
        dosing_session_id=form.dosing_session.data,
        meeting_id=form.meeting.data,
        prompt=form.prompt.data or "",
    )


def _by_source(found: list[dict[str, str]]) -> list[tuple[str, list[dict[str, str]]]]:
    groups: dict[str, list[dict[str, str]]] = {}
    for prompt in found:
        groups.setdefault(prompt["source"], []).append(prompt)
    return list(groups.items())


def _theme_names(keys: Iterable[str]) -> str:
    """An entry's themes, named in the reader's language."""
    return ", ".join(prompts.THEMES[key] for key in keys)


def _own_or_404(entry_id: int) -> tuple[JournalEntry, services.Entry]:
    found = services.entry_of(current_user.id, entry_id)
    if found is None:
        abort(404)
    return found


@bp.get("/journal")
@login_required
def index() -> str:
    q = paging.search_text(request.args)
    entries = services.entries_of(current_user.id)
    sessions, meetings = _links()
    return render_template(
        "journal/index.html",
        entries=services.search(entries, q) if q else entries,
        total=len(entries),
        q=q,
        groups=prompts.grouped(),
        circle_prompts=_by_source(signals.ask(signals.journal_prompts_asked, current_user.id)),
        theme_names=_theme_names,
        sessions=sessions,
        meetings=meetings,
        notes=services.own_notes(current_user.id),
        confirm_form=ConfirmForm(),
    )


@bp.route("/journal/new", methods=["GET", "POST"])
@login_required
def new() -> Response | tuple[str, int]:
    form = _with_choices(EntryForm())
    key = request.args.get("prompt")
    guided = prompts.by_key(key)
    if request.method == "GET":
        if guided is not None:
            form.prompt.data = guided.text
            form.themes.data = list(guided.themes)
        elif key:  # one of the prompts of the person's circles, found only among theirs
            theirs = signals.ask(signals.journal_prompts_asked, current_user.id)
            form.prompt.data = next((p["text"] for p in theirs if p["key"] == key), "")
        form.dosing_session.data = _id_arg("session")
    elif form.validate_on_submit():
        try:
            row = services.add_entry(current_user.id, _draft(form), utcnow())
        except ServiceError as error:
            show_error_on_form(form, error)
        else:
            db.session.commit()
            flash(_("Saved. Only you can read it."), "success")
            return redirect(url_for("journal.index", _anchor=f"entry-{row.id}"))
    status = 400 if request.method == "POST" else 200
    return render_template("journal/edit.html", form=form, entry=None), status


def _id_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() and len(value) < 10 else None


@bp.route("/journal/<id:entry_id>/edit", methods=["GET", "POST"])
@login_required
def edit(entry_id: int) -> Response | tuple[str, int]:
    row, entry = _own_or_404(entry_id)
    form = _with_choices(EntryForm())
    if request.method == "GET":
        form.title.data, form.text.data = entry.title, entry.text
        form.themes.data = list(entry.themes)
        form.dosing_session.data = entry.dosing_session_id or NO_LINK
        form.meeting.data = entry.meeting_id or NO_LINK
        form.prompt.data = entry.prompt
    elif form.validate_on_submit():
        try:
            services.update_entry(current_user.id, row, entry, _draft(form), utcnow())
        except ServiceError as error:
            show_error_on_form(form, error)
        else:
            db.session.commit()
            flash(_("Your changes are saved."), "success")
            return redirect(url_for("journal.index", _anchor=f"entry-{row.id}"))
    status = 400 if request.method == "POST" else 200
    return render_template("journal/edit.html", form=form, entry=entry), status


@bp.post("/journal/<id:entry_id>/delete")
@login_required
def delete(entry_id: int) -> Response:
    row, _entry = _own_or_404(entry_id)
    if ConfirmForm().validate_on_submit():
        services.delete_entry(row)
        db.session.commit()
        flash(_("The entry is deleted."), "success")
    return redirect(url_for("journal.index"))


@bp.route("/journal/<id:entry_id>/share", methods=["GET", "POST"])
@login_required
def share(entry_id: int) -> Response | tuple[str, int]:
    _row, entry = _own_or_404(entry_id)
    form = ShareForm()
    circles = services.share_circles(current_user.id)
    form.circle.choices = [SelectChoice(c.id, c.name) for c in circles]
    if circles and form.validate_on_submit():
        try:
            services.share_entry(current_user.id, entry, form.circle.data or 0)
        except ServiceError as error:
            show_error_on_form(form, error)
        else:
            db.session.commit()
            flash(_("Shared. Your facilitators can now read this entry with your name."), "success")
            return redirect(url_for("journal.index", _anchor="shared"))
    status = 400 if request.method == "POST" else 200
    return render_template("journal/share.html", form=form, entry=entry, circles=circles), status


@bp.post("/journal/shared/<id:note_id>/withdraw")
@login_required
def withdraw(note_id: int) -> Response:
    note = scoped_get_or_404(SharedNote, note_id, user_id=current_user.id)
    if ConfirmForm().validate_on_submit():
        db.session.delete(note)
        db.session.commit()
        flash(_("Withdrawn. Your facilitators no longer see it."), "success")
    return redirect(url_for("journal.index", _anchor="shared"))


@bp.get("/circles/<id:circle_id>/shared-notes")
@login_required
def circle_notes(circle_id: int) -> str:
    access = circle_access_or_404(circle_id, current_user)
    if not access.is_facilitator:
        abort(403)
    return render_template(
        "journal/circle_notes.html",
        access=access,
        circle=access.circle,
        notes=services.circle_notes(circle_id),
    )

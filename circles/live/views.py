"""Live room pages: open the room, and the room itself (facilitator console or member view)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from circles.db import scoped_get_or_404
from circles.exceptions import ServiceError
from circles.extensions import db
from circles.forms import ConfirmForm
from circles.i18n import gettext as _
from circles.live import bp, planning, rooms
from circles.live.forms import (
    LibraryPromptForm,
    MoveStepForm,
    PickPromptForm,
    PlanPromptForm,
    PromptForm,
)
from circles.live.library import THEMES
from circles.live.models import LiveSession, LiveStatus, PlanItem, PromptKind, SavedPrompt
from circles.meetings.models import Meeting
from circles.safety.models import MAX_MESSAGE
from circles.security import CircleAccess, circle_access_or_404, managed_circle_or_404
from circles.urls import parse_id
from circles.web import show_error_on_form


@bp.post("/circles/<id:circle_id>/live")
@login_required
def start(circle_id: int) -> Response:
    access = circle_access_or_404(circle_id, current_user)
    if not access.is_facilitator:
        abort(403)
    meeting_id = None
    if asked := request.form.get("meeting_id"):
        number = parse_id(asked)  # anything but an id of this circle's meetings: not found
        if number is None:
            abort(404)
        meeting_id = scoped_get_or_404(Meeting, number, circle_id=circle_id).id
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("groups.show", circle_id=circle_id))
    try:
        session = rooms.start_session(access.circle, current_user.id, meeting_id)
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("groups.show", circle_id=circle_id))
    db.session.commit()
    return redirect(url_for("live.room", circle_id=circle_id, session_id=session.id))


@bp.get("/circles/<id:circle_id>/live/<id:session_id>")
@login_required
def room(circle_id: int, session_id: int) -> str:
    access = circle_access_or_404(circle_id, current_user)
    session = scoped_get_or_404(LiveSession, session_id, circle_id=circle_id)
    if access.membership is None:
        # Admins run the organisation, not the room: live rooms are for the circle's people.
        abort(403)
    attended = len(rooms.attendance(session.id)) if access.is_facilitator else None
    meeting = db.session.get(Meeting, session.meeting_id) if session.meeting_id else None
    return render_template(
        "live/room.html",
        access=access,
        circle=access.circle,
        session=session,
        video_url=meeting.video_url if meeting else "",
        ended=session.status == LiveStatus.ENDED,
        attended=attended,
        kinds=list(PromptKind),
        library=planning.library_for(access.circle) if access.is_facilitator else [],
        themes=THEMES,
        support_max=MAX_MESSAGE,
    )


@bp.get("/circles/<id:circle_id>/live/<id:session_id>/present")
@login_required
def present(circle_id: int, session_id: int) -> str:
    """The presenter view for a shared screen: the prompt and revealed results, large, with
    nothing that identifies anyone (no names, no presence, no support notices)."""
    access = circle_access_or_404(circle_id, current_user)
    session = scoped_get_or_404(LiveSession, session_id, circle_id=circle_id)
    if not access.is_facilitator:
        abort(403)
    return render_template(
        "live/present.html",
        circle=access.circle,
        session=session,
        ended=session.status == LiveStatus.ENDED,
    )


# Prompt library and session plans -------------------------------------------------------------


def _keep_prompt(form: PromptForm, access: CircleAccess, keep: str) -> None:
    if keep:
        planning.save_prompt(
            access.circle,
            current_user.id,
            form.spec(),
            form.themes.data or [],
            whole_org=keep == "org",
        )


@bp.route("/circles/<id:circle_id>/prompts", methods=["GET", "POST"])
@login_required
def library(circle_id: int) -> Response | tuple[str, int]:
    access = managed_circle_or_404(circle_id, current_user)
    form = LibraryPromptForm()
    if form.validate_on_submit():
        try:
            _keep_prompt(form, access, form.keep.data)
        except ServiceError as error:
            show_error_on_form(form, error)
        else:
            db.session.commit()
            flash(_("The prompt is in the library."), "success")
            return redirect(url_for("live.library", circle_id=circle_id))
    theme = request.args.get("theme") if request.args.get("theme") in THEMES else None
    return render_template(
        "live/library.html",
        access=access,
        circle=access.circle,
        form=form,
        entries=planning.library_for(access.circle, theme),
        theme=theme,
        themes=THEMES,
        may_delete=lambda saved: planning.may_delete(
            saved,
            current_user.id,
            manages_circle=access.can_manage,
            is_admin=access.is_org_admin,
        ),
    ), 400 if request.method == "POST" else 200


def _saved_prompt_or_404(access: CircleAccess, prompt_id: int) -> SavedPrompt:
    saved = scoped_get_or_404(SavedPrompt, prompt_id, org_id=access.circle.org_id)
    if saved.circle_id not in (None, access.circle.id):
        abort(404)
    return saved


@bp.post("/circles/<id:circle_id>/prompts/<id:prompt_id>/delete")
@login_required
def delete_prompt(circle_id: int, prompt_id: int) -> Response:
    access = managed_circle_or_404(circle_id, current_user)
    saved = _saved_prompt_or_404(access, prompt_id)
    allowed = planning.may_delete(
        saved, current_user.id, manages_circle=access.can_manage, is_admin=access.is_org_admin
    )
    if not allowed:
        abort(403)
    if ConfirmForm().validate_on_submit():
        planning.delete_saved_prompt(saved)
        db.session.commit()
        flash(_("The prompt was removed from the library."), "success")
    return redirect(url_for("live.library", circle_id=circle_id))


def _plan_page(
    access: CircleAccess, meeting: Meeting, form: PlanPromptForm, status: int = 200
) -> tuple[str, int]:
    theme = request.args.get("theme") if request.args.get("theme") in THEMES else None
    return render_template(
        "live/plan.html",
        access=access,
        circle=access.circle,
        meeting=meeting,
        steps=planning.plan_for(meeting.id),
        max_steps=planning.MAX_PLAN_STEPS,
        entries=planning.library_for(access.circle, theme),
        theme=theme,
        themes=THEMES,
        form=form,
    ), status


def _planned_meeting_or_404(circle_id: int, meeting_id: int) -> tuple[CircleAccess, Meeting]:
    access = managed_circle_or_404(circle_id, current_user)
    return access, scoped_get_or_404(Meeting, meeting_id, circle_id=circle_id)


@bp.route("/circles/<id:circle_id>/meetings/<id:meeting_id>/plan", methods=["GET", "POST"])
@login_required
def plan(circle_id: int, meeting_id: int) -> Response | tuple[str, int]:
    access, meeting = _planned_meeting_or_404(circle_id, meeting_id)
    form = PlanPromptForm()
    if form.validate_on_submit():
        try:
            planning.add_to_plan(meeting, form.spec())
            _keep_prompt(form, access, form.keep.data)
        except ServiceError as error:
            show_error_on_form(form, error)
        else:
            db.session.commit()
            flash(_("Added to the plan."), "success")
            return redirect(_plan_url(meeting))
    return _plan_page(access, meeting, form, 400 if request.method == "POST" else 200)


def _plan_url(meeting: Meeting) -> str:
    return url_for("live.plan", circle_id=meeting.circle_id, meeting_id=meeting.id)


@bp.post("/circles/<id:circle_id>/meetings/<id:meeting_id>/plan/add")
@login_required
def add_step(circle_id: int, meeting_id: int) -> Response:
    access, meeting = _planned_meeting_or_404(circle_id, meeting_id)
    form = PickPromptForm()
    if form.validate_on_submit():
        try:
            entry = planning.entry_by_ref(access.circle, form.ref.data)
            planning.add_to_plan(meeting, entry.spec)
        except ServiceError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("Added to the plan: %(prompt)s", prompt=entry.text), "success")
    return redirect(_plan_url(meeting))


def _step_or_404(circle_id: int, meeting_id: int, item_id: int) -> tuple[Meeting, PlanItem]:
    _, meeting = _planned_meeting_or_404(circle_id, meeting_id)
    return meeting, scoped_get_or_404(PlanItem, item_id, meeting_id=meeting.id)


@bp.post("/circles/<id:circle_id>/meetings/<id:meeting_id>/plan/<id:item_id>/move")
@login_required
def move_step(circle_id: int, meeting_id: int, item_id: int) -> Response:
    meeting, item = _step_or_404(circle_id, meeting_id, item_id)
    form = MoveStepForm()
    if form.validate_on_submit() and form.direction.data in ("up", "down"):
        try:
            planning.move_step(item, -1 if form.direction.data == "up" else 1)
        except ServiceError as error:  # removed meanwhile, by someone else
            db.session.rollback()
            flash(error.message, "error")
            return redirect(_plan_url(meeting))
        db.session.commit()
    return redirect(_plan_url(meeting) + f"#step-{item.id}")


@bp.post("/circles/<id:circle_id>/meetings/<id:meeting_id>/plan/<id:item_id>/delete")
@login_required
def remove_step(circle_id: int, meeting_id: int, item_id: int) -> Response:
    meeting, item = _step_or_404(circle_id, meeting_id, item_id)
    if ConfirmForm().validate_on_submit():
        planning.remove_step(item)
        db.session.commit()
        flash(_("Removed from the plan."), "success")
    return redirect(_plan_url(meeting))

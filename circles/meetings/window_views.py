"""The integration window page: a person's dosing sessions and the meetings after each."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from circles.db import scoped_get_or_404, utcnow
from circles.exceptions import ServiceError
from circles.extensions import db
from circles.forms import ConfirmForm
from circles.i18n import gettext as _
from circles.meetings import bp, window
from circles.meetings.forms import (
    DosingSessionForm,
)
from circles.meetings.models import DosingSession
from circles.web import show_error_on_form

#: How far back the feed reaches, so recent meetings stay in subscribed calendars.


def _render_integration(form: DosingSessionForm, status: int = 200) -> tuple[str, int]:
    now = utcnow()
    sessions = window.dosing_sessions(current_user.id, current_only=False, now=now)
    return render_template(
        "meetings/integration.html",
        form=form,
        windows=window.integration_windows(sessions, current_user.id),
        now=now,
        confirm_form=ConfirmForm(),
    ), status


def _taken_at(form: DosingSessionForm) -> datetime:
    return window.local_datetime(form.date.data, form.time.data, current_user.timezone)


@bp.get("/integration")
@login_required
def integration() -> tuple[str, int]:
    return _render_integration(DosingSessionForm())


@bp.post("/integration")
@login_required
def add_dosing_session() -> Response | tuple[str, int]:
    form = DosingSessionForm()
    if form.validate_on_submit():
        try:
            entry = window.add_dosing_session(current_user, _taken_at(form))
        except ServiceError as error:
            show_error_on_form(form, error)
        else:
            db.session.commit()
            flash(_("Saved. Only you can see it. Here is a plan for the days after."), "success")
            return redirect(url_for("space.plan", entry_id=entry.id))
    return _render_integration(form, 400)


@bp.route("/integration/<id:entry_id>/edit", methods=["GET", "POST"])
@login_required
def edit_dosing_session(entry_id: int) -> Response | tuple[str, int]:
    entry = scoped_get_or_404(DosingSession, entry_id, user_id=current_user.id)
    form = DosingSessionForm()
    if request.method == "GET":
        local = entry.taken_at.astimezone(ZoneInfo(current_user.timezone))
        form.date.data = local.date()
        form.time.data = local.time().replace(second=0, microsecond=0)
    if form.validate_on_submit():
        try:
            window.update_dosing_session(entry, _taken_at(form))
        except ServiceError as error:
            show_error_on_form(form, error)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("meetings.integration"))
    status = 400 if request.method == "POST" else 200
    return render_template("meetings/edit_dosing.html", form=form, entry=entry), status


@bp.post("/integration/<id:entry_id>/delete")
@login_required
def delete_dosing_session(entry_id: int) -> Response:
    entry = scoped_get_or_404(DosingSession, entry_id, user_id=current_user.id)
    if ConfirmForm().validate_on_submit():
        window.delete_dosing_session(entry)
        db.session.commit()
        flash(_("Deleted."), "success")
    return redirect(url_for("meetings.integration"))

"""The member's commitments page and the 72-hour plan page. Everything here is the member's
alone: every lookup is by their own user id, and another person's id is simply not found."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from circles.db import scoped_get_or_404, utcnow
from circles.exceptions import ServiceError
from circles.extensions import db
from circles.forms import ConfirmForm
from circles.i18n import gettext as _
from circles.journal import services as journal
from circles.meetings import services as meetings
from circles.meetings import window
from circles.meetings.models import DosingSession
from circles.space import bp, follow_ups, plans
from circles.space.forms import OWN_ACTION, OwnCommitmentForm, PlanForm, StatusForm
from circles.web import show_error_on_form


def _render_commitments(form: OwnCommitmentForm, status: int = 200) -> tuple[str, int]:
    return render_template(
        "space/commitments.html",
        commitments=follow_ups.commitments_of(current_user.id),
        form=form,
        statuses=follow_ups.CHOICES,
        confirm_form=ConfirmForm(),
        now=utcnow(),
    ), status


@bp.get("/commitments")
@login_required
def commitments() -> tuple[str, int]:
    return _render_commitments(OwnCommitmentForm(formdata=None))


@bp.post("/commitments")
@login_required
def add_commitment() -> Response | tuple[str, int]:
    form = OwnCommitmentForm()
    if form.validate_on_submit():
        try:
            follow_ups.add_own(current_user.id, form.text.data or "", form.due.data, utcnow())
        except ServiceError as error:
            show_error_on_form(form, error)
        else:
            db.session.commit()
            flash(_("Added to your commitments. Only you can see them."), "success")
            return redirect(url_for("space.commitments"))
    return _render_commitments(form, 400)


def _set_status(follow_up_id: int | None, live_id: int | None) -> Response:
    if not follow_ups.owns(current_user.id, follow_up_id, live_id):
        abort(404)
    form = StatusForm()
    if not form.validate_on_submit():
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")
        return redirect(url_for("space.commitments"))
    status = follow_ups.Status(form.status.data)
    try:
        follow_ups.set_status(
            current_user.id, follow_up_id, live_id, status, form.note.data or "", utcnow()
        )
    except LookupError:
        abort(404)
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("space.commitments"))
    db.session.commit()
    flash(_("Saved: %(status)s.", status=status.label.lower()), "success")
    return redirect(url_for("space.commitments"))


@bp.post("/commitments/<id:follow_up_id>/status")
@login_required
def set_status(follow_up_id: int) -> Response:
    return _set_status(follow_up_id, None)


@bp.post("/commitments/live/<id:commitment_id>/status")
@login_required
def set_live_status(commitment_id: int) -> Response:
    return _set_status(None, commitment_id)


@bp.post("/commitments/<id:follow_up_id>/delete")
@login_required
def delete_commitment(follow_up_id: int) -> Response:
    if not follow_ups.owns(current_user.id, follow_up_id, None):
        abort(404)
    if ConfirmForm().validate_on_submit():
        try:
            follow_ups.delete_own(current_user.id, follow_up_id)
        except LookupError:
            abort(404)
        db.session.commit()
        flash(_("Removed from your commitments."), "success")
    return redirect(url_for("space.commitments"))


@bp.route("/integration/<id:entry_id>/plan", methods=["GET", "POST"])
@login_required
def plan(entry_id: int) -> Response | tuple[str, int]:
    session = scoped_get_or_404(DosingSession, entry_id, user_id=current_user.id)
    found = plans.plan_for(current_user.id, session.id)
    form = PlanForm()
    if request.method == "GET" and found is not None:
        chosen = plans.chosen_action(current_user.id, found[1])
        in_list = chosen in plans.suggested_actions()
        form.action.data = chosen if in_list else (OWN_ACTION if chosen else None)
        form.own_action.data = "" if in_list else chosen
        form.reminders.data = found[1].reminders
    if form.validate_on_submit():
        action = form.own_action.data if form.action.data == OWN_ACTION else form.action.data
        if form.action.data == OWN_ACTION and not (form.own_action.data or "").strip():
            form.own_action.errors = [_("Write your own action, or choose one above.")]
        else:
            try:
                plans.save_plan(
                    current_user.id, session, action or "", bool(form.reminders.data), utcnow()
                )
            except ServiceError as error:
                show_error_on_form(form, error)
            else:
                db.session.commit()
                flash(_("Your plan is saved. Only you can see it."), "success")
                return redirect(url_for("space.plan", entry_id=entry_id))
    now = utcnow()
    [this_window] = window.integration_windows([session], current_user.id)
    ids = [m.id for m in this_window.meetings]
    written = sum(1 for e in journal.entries_of(current_user.id) if e.dosing_session_id == entry_id)
    status = 400 if request.method == "POST" else 200
    return render_template(
        "space/plan.html",
        session=session,
        form=form,
        days=plans.days_after(session),
        window=this_window,
        own_rsvps=meetings.own_rsvps(current_user.id, ids),
        written=written,
        saved=found is not None,
        now=now,
    ), status

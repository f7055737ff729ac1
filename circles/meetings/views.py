"""Meeting pages: schedule, meeting page, edit, cancel, RSVP, calendar feeds, integration window."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from circles import signals
from circles.db import scoped_get_or_404, utcnow
from circles.exceptions import ServiceError
from circles.extensions import db
from circles.forms import ConfirmForm
from circles.i18n import gettext as _
from circles.i18n import ngettext
from circles.meetings import bp, services
from circles.meetings.forms import (
    CancelMeetingForm,
    EditMeetingForm,
    RsvpForm,
    ScheduleForm,
)
from circles.meetings.models import Meeting, RsvpAnswer
from circles.meetings.recurrence import Repeat, SeriesPlan
from circles.meetings.rules import Scope
from circles.security import CircleAccess, circle_access_or_404, managed_circle_or_404
from circles.web import commit_or_explain, show_error_on_form

#: Past meetings listed on a circle's meetings page.
PAST_SHOWN = 10


def _meeting_or_404(access: CircleAccess, meeting_id: int) -> Meeting:
    return scoped_get_or_404(Meeting, meeting_id, circle_id=access.circle.id)


def _details(form: ScheduleForm | EditMeetingForm) -> services.MeetingDetails:
    return services.MeetingDetails(
        duration_minutes=form.duration.data,
        video_url=form.video_url.data or "",
        agenda=form.agenda.data or "",
    )


@bp.route("/circles/<id:circle_id>/meetings/new", methods=["GET", "POST"])
@login_required
def schedule(circle_id: int) -> Response | tuple[str, int]:
    access = managed_circle_or_404(circle_id, current_user)
    form = ScheduleForm()
    if request.method == "GET":
        form.timezone.data = current_user.timezone
    if form.validate_on_submit():
        repeats = Repeat(form.repeat.data)
        by_count = form.ends.data == "count"
        plan = SeriesPlan(
            first_date=form.date.data,
            start_time=form.start_time.data,
            timezone=form.timezone.data,
            repeat=repeats,
            count=form.count.data if repeats != Repeat.NONE and by_count else None,
            until=form.until.data if repeats != Repeat.NONE and not by_count else None,
        )
        try:
            series = services.schedule_meeting(access.circle, current_user, plan, _details(form))
        except ServiceError as error:
            show_error_on_form(form, error)
        else:
            db.session.commit()
            n = len(series.meetings)
            flash(ngettext("Meeting scheduled.", "%(num)d meetings scheduled.", n), "success")
            return redirect(
                url_for("meetings.show", circle_id=circle_id, meeting_id=series.meetings[0].id)
            )
    status = 400 if request.method == "POST" else 200
    return render_template("meetings/schedule.html", form=form, circle=access.circle), status


@bp.get("/circles/<id:circle_id>/meetings")
@login_required
def index(circle_id: int) -> str:
    access = circle_access_or_404(circle_id, current_user)
    now = utcnow()
    upcoming = services.circle_meetings(circle_id, now)
    past = services.circle_meetings(circle_id, now, upcoming=False, limit=PAST_SHOWN)
    ids = [m.id for m in upcoming]
    return render_template(
        "meetings/index.html",
        access=access,
        circle=access.circle,
        upcoming=upcoming,
        past=past,
        own_rsvps=services.own_rsvps(current_user.id, ids),
        counts=services.rsvp_counts(ids) if access.can_manage else {},
    )


@bp.get("/circles/<id:circle_id>/meetings/<id:meeting_id>")
@login_required
def show(circle_id: int, meeting_id: int) -> str:
    access = circle_access_or_404(circle_id, current_user)
    meeting = _meeting_or_404(access, meeting_id)
    return _render_meeting(access, meeting, RsvpForm())


def _render_meeting(
    access: CircleAccess, meeting: Meeting, rsvp_form: RsvpForm, status: int = 200
) -> str:
    own = services.own_rsvps(current_user.id, [meeting.id]).get(meeting.id)
    return render_template(
        "meetings/show.html",
        access=access,
        circle=access.circle,
        meeting=meeting,
        now=utcnow(),
        own_rsvp=own,
        counts=services.rsvp_counts([meeting.id])[meeting.id] if access.can_manage else None,
        plan_size=signals.ask(signals.plan_sizes_asked, [meeting.id]).get(meeting.id, 0)
        if access.can_manage
        else None,
        rsvp_form=rsvp_form,
        confirm_form=ConfirmForm(),
        answers=list(RsvpAnswer),
        circle_zone=ZoneInfo(meeting.series.timezone),
    )


@bp.post("/circles/<id:circle_id>/meetings/<id:meeting_id>/rsvp")
@login_required
def rsvp(circle_id: int, meeting_id: int) -> Response:
    access = circle_access_or_404(circle_id, current_user)
    meeting = _meeting_or_404(access, meeting_id)
    # The circle page, the home page and a 72-hour plan have the same buttons; their forms say
    # to come back there.
    came_from = request.form.get("back", "")
    plan_of = came_from.removeprefix("plan-")
    if came_from == "circle":
        back = redirect(url_for("groups.show", circle_id=circle_id) + "#meetings")
    elif came_from == "home":
        back = redirect(url_for("main.home") + "#next-steps")
    elif plan_of.isdigit() and len(plan_of) < 10:
        back = redirect(url_for("space.plan", entry_id=int(plan_of)) + "#meetings-heading")
    else:
        back = redirect(url_for("meetings.show", circle_id=circle_id, meeting_id=meeting_id))
    if access.membership is None:
        flash(_("Only people in the circle answer for its meetings."), "error")
        return back
    form = RsvpForm()
    if not form.validate_on_submit():
        flash(_("Choose going, maybe or not going."), "error")
        return back
    answer = RsvpAnswer(form.answer.data)
    commit_or_explain(
        lambda: services.set_rsvp(meeting, current_user, answer),
        _(
            "Saved: %(answer)s. Only the facilitators see how many said what.",
            answer=str(answer.label).lower(),
        ),
    )
    return back


@bp.route("/circles/<id:circle_id>/meetings/<id:meeting_id>/edit", methods=["GET", "POST"])
@login_required
def edit(circle_id: int, meeting_id: int) -> Response | tuple[str, int]:
    access = managed_circle_or_404(circle_id, current_user)
    meeting = _meeting_or_404(access, meeting_id)
    zone = ZoneInfo(meeting.series.timezone)
    form = EditMeetingForm()
    if request.method == "GET":
        local = meeting.starts_at.astimezone(zone)
        form.date.data = local.date()
        form.start_time.data = local.time().replace(second=0, microsecond=0)
        form.duration.data = meeting.duration_minutes
        form.video_url.data = meeting.video_url
        form.agenda.data = meeting.agenda
    if form.validate_on_submit():
        try:
            changed = services.edit_meeting(
                meeting,
                Scope(form.scope.data),
                form.date.data,
                form.start_time.data,
                _details(form),
            )
        except ServiceError as error:
            show_error_on_form(form, error)
        else:
            db.session.commit()
            flash(
                ngettext("Meeting updated.", "%(num)d meetings updated.", len(changed)),
                "success",
            )
            return redirect(url_for("meetings.show", circle_id=circle_id, meeting_id=meeting_id))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "meetings/edit.html",
        form=form,
        circle=access.circle,
        meeting=meeting,
        in_series=meeting.series.rule is not None,
    ), status


@bp.route("/circles/<id:circle_id>/meetings/<id:meeting_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel(circle_id: int, meeting_id: int) -> Response | tuple[str, int]:
    access = managed_circle_or_404(circle_id, current_user)
    meeting = _meeting_or_404(access, meeting_id)
    form = CancelMeetingForm()
    if form.validate_on_submit():
        try:
            cancelled = services.cancel_meeting(meeting, Scope(form.scope.data))
        except ServiceError as error:
            show_error_on_form(form, error)
        else:
            db.session.commit()
            flash(
                ngettext(
                    "The meeting is cancelled. People in the circle see it marked as cancelled.",
                    "%(num)d meetings are cancelled. People see them as cancelled.",
                    len(cancelled),
                ),
                "success",
            )
            return redirect(url_for("meetings.show", circle_id=circle_id, meeting_id=meeting_id))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "meetings/cancel.html",
        form=form,
        circle=access.circle,
        meeting=meeting,
        in_series=meeting.series.rule is not None,
    ), status


@bp.post("/circles/<id:circle_id>/meetings/<id:meeting_id>/restore")
@login_required
def restore(circle_id: int, meeting_id: int) -> Response:
    access = managed_circle_or_404(circle_id, current_user)
    meeting = _meeting_or_404(access, meeting_id)
    if ConfirmForm().validate_on_submit():
        commit_or_explain(
            lambda: services.restore_meeting(meeting), _("The meeting is back on the schedule.")
        )
    return redirect(url_for("meetings.show", circle_id=circle_id, meeting_id=meeting_id))

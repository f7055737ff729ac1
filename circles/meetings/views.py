"""Meeting pages: schedule, meeting page, edit, cancel, RSVP, calendar feeds, integration window."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from circles.db import scoped_get_or_404, utcnow
from circles.exceptions import ServiceError
from circles.extensions import db, limiter
from circles.forms import ConfirmForm
from circles.live import planning
from circles.meetings import bp, services
from circles.meetings.calendar import build_calendar
from circles.meetings.forms import (
    CalendarTitlesForm,
    CancelMeetingForm,
    DosingSessionForm,
    EditMeetingForm,
    RsvpForm,
    ScheduleForm,
)
from circles.meetings.models import DosingSession, Meeting, RsvpAnswer
from circles.meetings.recurrence import Repeat, SeriesPlan
from circles.meetings.rules import Scope
from circles.security import CircleAccess, circle_access_or_404, managed_circle_or_404
from circles.tokens import hash_token
from circles.urls import external_url
from circles.web import commit_or_explain, show_error_on_form

#: How far back the feed reaches, so recent meetings stay in subscribed calendars.
FEED_HISTORY = timedelta(days=90)
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
            flash("Meeting scheduled." if n == 1 else f"{n} meetings scheduled.", "success")
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
        plan_size=planning.plan_sizes([meeting.id]).get(meeting.id, 0)
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
    # The circle page has the same buttons; its form says to come back there.
    if request.form.get("back") == "circle":
        back = redirect(url_for("groups.show", circle_id=circle_id) + "#meetings")
    else:
        back = redirect(url_for("meetings.show", circle_id=circle_id, meeting_id=meeting_id))
    if access.membership is None:
        flash("Only people in the circle answer for its meetings.", "error")
        return back
    form = RsvpForm()
    if not form.validate_on_submit():
        flash("Choose going, maybe or not going.", "error")
        return back
    answer = RsvpAnswer(form.answer.data)
    commit_or_explain(
        lambda: services.set_rsvp(meeting, current_user, answer),
        f"Saved: {answer.label.lower()}. Only the facilitators see how many said what.",
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
                "Meeting updated." if len(changed) == 1 else f"{len(changed)} meetings updated.",
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
                "The meeting is cancelled. People in the circle see it marked as cancelled."
                if len(cancelled) == 1
                else f"{len(cancelled)} meetings are cancelled. People see them as cancelled.",
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
            lambda: services.restore_meeting(meeting), "The meeting is back on the schedule."
        )
    return redirect(url_for("meetings.show", circle_id=circle_id, meeting_id=meeting_id))


def _ics_response(body: bytes, filename: str) -> Response:
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _page_url(meeting: Meeting) -> str:
    return external_url("meetings.show", circle_id=meeting.circle_id, meeting_id=meeting.id)


@bp.get("/circles/<id:circle_id>/meetings/<id:meeting_id>/meeting.ics")
@login_required
def download(circle_id: int, meeting_id: int) -> Response:
    access = circle_access_or_404(circle_id, current_user)
    meeting = _meeting_or_404(access, meeting_id)
    feed = services.user_feed(current_user)
    body = build_calendar(
        [meeting],
        show_names=bool(feed and feed.show_circle_names),
        page_url=_page_url,
        stamp=utcnow(),
    )
    return _ics_response(body, "meeting.ics")


@bp.get("/schedule")
@login_required
def schedule_view() -> str:
    now = utcnow()
    rows = services.upcoming_for_user(
        current_user.id, now, until=now + timedelta(weeks=services.SCHEDULE_WEEKS)
    )
    facilitated = [meeting.id for meeting, m in rows if m.role == "facilitator"]
    return render_template(
        "meetings/schedule_view.html",
        rows=rows,
        weeks=services.SCHEDULE_WEEKS,
        counts=services.rsvp_counts(facilitated),
        own_rsvps=services.own_rsvps(current_user.id, [meeting.id for meeting, _ in rows]),
    )


# Calendar feed -------------------------------------------------------------------------------


@bp.get("/calendar")
@login_required
def calendar_settings() -> str:
    feed = services.user_feed(current_user)
    token = services.feed_token(feed, current_app.secret_key or "") if feed else None
    form = CalendarTitlesForm(show_circle_names=bool(feed and feed.show_circle_names))
    return render_template(
        "meetings/calendar.html",
        feed_url=external_url("meetings.feed", token=token) if token else None,
        form=form,
        confirm_form=ConfirmForm(),
    )


@bp.post("/calendar/link")
@login_required
def regenerate_feed() -> Response:
    if ConfirmForm().validate_on_submit():
        had_link = (feed := services.user_feed(current_user)) is not None and feed.salt
        commit_or_explain(
            lambda: services.regenerate_feed(current_user, current_app.secret_key or ""),
            "Your new calendar link is below. The old one no longer works."
            if had_link
            else "Your calendar link is ready. Add it to your calendar app.",
        )
    return redirect(url_for("meetings.calendar_settings"))


@bp.post("/calendar/revoke")
@login_required
def revoke_feed() -> Response:
    if ConfirmForm().validate_on_submit():
        commit_or_explain(
            lambda: services.revoke_feed(current_user),
            "Your calendar link is turned off. Calendars subscribed to it get no more updates.",
        )
    return redirect(url_for("meetings.calendar_settings"))


@bp.post("/calendar/titles")
@login_required
def calendar_titles() -> Response:
    form = CalendarTitlesForm()
    if form.validate_on_submit():
        show = bool(form.show_circle_names.data)
        commit_or_explain(
            lambda: services.set_feed_titles(current_user, show),
            "Events now show your circles' names."
            if show
            else "Events are now titled “Circle meeting”.",
        )
    return redirect(url_for("meetings.calendar_settings"))


def _feed_token_key() -> str:
    # Calendar services fetch many people's feeds from a few shared addresses: count per feed.
    # Hashed: the limiter's storage and its log lines never hold a working feed token.
    return "feed:" + hash_token(str((request.view_args or {}).get("token", "")))


@bp.get("/calendar/<token>.ics")
@limiter.limit("30 per minute", key_func=_feed_token_key)
def feed(token: str) -> Response:
    calendar_feed = services.feed_by_token(token, current_app.secret_key or "")
    if calendar_feed is None:
        abort(404)
    now = utcnow()
    meetings = services.feed_meetings(calendar_feed.user_id, now - FEED_HISTORY)
    body = build_calendar(
        meetings,
        show_names=calendar_feed.show_circle_names,
        page_url=_page_url,
        stamp=now,
    )
    return _ics_response(body, "circles.ics")


# Integration window --------------------------------------------------------------------------


def _render_integration(form: DosingSessionForm, status: int = 200) -> tuple[str, int]:
    now = utcnow()
    sessions = services.dosing_sessions(current_user.id, current_only=False, now=now)
    return render_template(
        "meetings/integration.html",
        form=form,
        windows=services.integration_windows(sessions, current_user.id),
        now=now,
        confirm_form=ConfirmForm(),
    ), status


def _taken_at(form: DosingSessionForm) -> datetime:
    return services.local_datetime(form.date.data, form.time.data, current_user.timezone)


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
            services.add_dosing_session(current_user, _taken_at(form))
        except ServiceError as error:
            show_error_on_form(form, error)
        else:
            db.session.commit()
            flash("Saved. Only you can see it.", "success")
            return redirect(url_for("meetings.integration"))
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
            services.update_dosing_session(entry, _taken_at(form))
        except ServiceError as error:
            show_error_on_form(form, error)
        else:
            db.session.commit()
            flash("Saved.", "success")
            return redirect(url_for("meetings.integration"))
    status = 400 if request.method == "POST" else 200
    return render_template("meetings/edit_dosing.html", form=form, entry=entry), status


@bp.post("/integration/<id:entry_id>/delete")
@login_required
def delete_dosing_session(entry_id: int) -> Response:
    entry = scoped_get_or_404(DosingSession, entry_id, user_id=current_user.id)
    if ConfirmForm().validate_on_submit():
        services.delete_dosing_session(entry)
        db.session.commit()
        flash("Deleted.", "success")
    return redirect(url_for("meetings.integration"))

"""A person's calendar: one meeting as .ics, the schedule across circles, the private feed."""

from __future__ import annotations

from datetime import timedelta

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from circles.db import scoped_get_or_404, utcnow
from circles.extensions import limiter
from circles.forms import ConfirmForm
from circles.i18n import gettext as _
from circles.i18n import speaking
from circles.meetings import bp, feeds, services
from circles.meetings.calendar import build_calendar
from circles.meetings.forms import (
    CalendarTitlesForm,
)
from circles.meetings.models import Meeting
from circles.security import circle_access_or_404
from circles.tokens import hash_token
from circles.urls import external_url
from circles.web import commit_or_explain

#: How far back the feed reaches, so recent meetings stay in subscribed calendars.
FEED_HISTORY = timedelta(days=90)


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
    meeting = scoped_get_or_404(Meeting, meeting_id, circle_id=access.circle.id)
    feed = feeds.user_feed(current_user)
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
    feed = feeds.user_feed(current_user)
    token = feeds.feed_token(feed, current_app.secret_key or "") if feed else None
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
        had_link = (feed := feeds.user_feed(current_user)) is not None and feed.salt
        commit_or_explain(
            lambda: feeds.regenerate_feed(current_user, current_app.secret_key or ""),
            _("Your new calendar link is below. The old one no longer works.")
            if had_link
            else _("Your calendar link is ready. Add it to your calendar app."),
        )
    return redirect(url_for("meetings.calendar_settings"))


@bp.post("/calendar/revoke")
@login_required
def revoke_feed() -> Response:
    if ConfirmForm().validate_on_submit():
        commit_or_explain(
            lambda: feeds.revoke_feed(current_user),
            _("Your calendar link is turned off. Calendars subscribed to it get no more updates."),
        )
    return redirect(url_for("meetings.calendar_settings"))


@bp.post("/calendar/titles")
@login_required
def calendar_titles() -> Response:
    form = CalendarTitlesForm()
    if form.validate_on_submit():
        show = bool(form.show_circle_names.data)
        commit_or_explain(
            lambda: feeds.set_feed_titles(current_user, show),
            _("Events now show your circles' names.")
            if show
            else _("Events are now titled “Circle meeting”."),
        )
    return redirect(url_for("meetings.calendar_settings"))


def _feed_token_key() -> str:
    # Calendar services fetch many people's feeds from a few shared addresses: count per feed.
    # Hashed: the limiter's storage and its log lines never hold a working feed token.
    return "feed:" + hash_token(str((request.view_args or {}).get("token", "")))


@bp.get("/calendar/<token>.ics")
@limiter.limit("30 per minute", key_func=_feed_token_key)
def feed(token: str) -> Response:
    calendar_feed = feeds.feed_by_token(token, current_app.secret_key or "")
    if calendar_feed is None:
        abort(404)
    now = utcnow()
    meetings = feeds.feed_meetings(calendar_feed.user_id, now - FEED_HISTORY)
    # Fetched by a calendar service without a login: the owner's language, never the
    # service's Accept-Language (English when the owner chose none).
    with speaking(feeds.owner_language(calendar_feed)):
        body = build_calendar(
            meetings,
            show_names=calendar_feed.show_circle_names,
            page_url=_page_url,
            stamp=now,
        )
    return _ics_response(body, "circles.ics")

"""iCalendar output: a person's private feed and single-meeting downloads, built with `icalendar`.

Events carry the series' TZID with a matching VTIMEZONE, a UID that never changes, a SEQUENCE that
rises with every edit, and STATUS:CANCELLED for cancelled meetings. Titles are neutral unless the
person asked for circle names: a calendar is often seen over someone's shoulder. The texts people
read (titles, descriptions) are in the language of the current locale: the caller chooses it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from circles.i18n import gettext as _
from circles.meetings.models import Meeting

PRODID = "-//Circles//Circles meetings//EN"


def _event(meeting: Meeting, *, show_names: bool, page_url: str, stamp: datetime) -> Event:
    zone = ZoneInfo(meeting.series.timezone)
    event = Event()
    event.add("uid", meeting.uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", meeting.starts_at.astimezone(zone))
    event.add("dtend", meeting.ends_at.astimezone(zone))
    event.add("sequence", meeting.sequence)
    event.add("last-modified", meeting.updated_at)
    event.add("status", "CANCELLED" if meeting.cancelled else "CONFIRMED")
    title = meeting.circle.name if show_names else _("Circle meeting")
    event.add("summary", _("Cancelled: %(title)s", title=title) if meeting.cancelled else title)
    event.add("url", page_url)
    lines = [_("Meeting page: %(url)s", url=page_url)]
    # A call link or an agenda can say what the circle is about (room names, topics): neutral
    # calendars leave both to the meeting page, which needs a login.
    if show_names and meeting.video_url:
        event.add("location", meeting.video_url)
        lines.append(_("Video call: %(url)s", url=meeting.video_url))
    if show_names and meeting.agenda:
        lines += ["", meeting.agenda]
    event.add("description", "\n".join(lines))
    return event


def build_calendar(
    meetings: Sequence[Meeting],
    *,
    show_names: bool,
    page_url: Callable[[Meeting], str],
    stamp: datetime,
    name: str = "Circles",
) -> bytes:
    """An iCalendar file holding one VEVENT per meeting and the VTIMEZONEs they refer to."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    # Ask subscribed calendars to look again hourly, so moves and cancellations arrive soon.
    calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    for meeting in meetings:
        calendar.add_component(
            _event(meeting, show_names=show_names, page_url=page_url(meeting), stamp=stamp)
        )
    if meetings:
        # Zone definitions covering just the years the events span keep the file small.
        first = min(m.starts_at for m in meetings).date() - timedelta(days=366)
        last = max(m.ends_at for m in meetings).date() + timedelta(days=366)
        calendar.add_missing_timezones(
            first_date=date(first.year, 1, 1), last_date=date(last.year + 1, 1, 1)
        )
    body: bytes = calendar.to_ical()
    return body

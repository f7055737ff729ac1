"""Recurring meeting rules: RRULEs expanded on the series' wall clock, stored as UTC instants.

A weekly 19:00 Europe/London meeting must stay at 19:00 in London on both sides of a daylight
saving change, so rules are expanded in the series' own zone (naive local times) and each local
time is then converted to UTC. Monthly rules "on the 31st" fall on the last day of shorter months,
and "the fifth Tuesday" becomes "the last Tuesday", as people expect of a calendar.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr

from circles.exceptions import ServiceError
from circles.i18n import gettext as _

#: A series never expands to more meetings than this (two years of weekly meetings).
MAX_OCCURRENCES = 104
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


class Repeat(enum.StrEnum):
    """How often a series repeats."""

    NONE = "none"
    WEEKLY = "weekly"
    FORTNIGHTLY = "fortnightly"
    MONTHLY_BY_DATE = "monthly_by_date"
    MONTHLY_BY_WEEKDAY = "monthly_by_weekday"


@dataclass(frozen=True)
class SeriesPlan:
    """What a facilitator chose: the first meeting on a wall clock, how it repeats, when it ends."""

    first_date: date
    start_time: time
    timezone: str
    repeat: Repeat = Repeat.NONE
    #: End after this many meetings ...
    count: int | None = None
    #: ... or on this local date (inclusive).
    until: date | None = None


def zone_or_error(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError):
        raise ServiceError(_("Choose a time zone from the list."), "timezone") from None


def build_rule(plan: SeriesPlan) -> str | None:
    """The RRULE (without DTSTART) for a plan; None for a one-off meeting."""
    if plan.repeat == Repeat.NONE:
        return None
    if (plan.count is None) == (plan.until is None):
        raise ServiceError(_("Say when the series ends: after a number of meetings, or on a date."))
    if plan.count is not None and not 1 <= plan.count <= MAX_OCCURRENCES:
        raise ServiceError(_("Choose from 1 to %(max)d meetings.", max=MAX_OCCURRENCES), "count")
    if plan.until is not None and plan.until < plan.first_date:
        raise ServiceError(_("The series cannot end before its first meeting."), "until")

    day = plan.first_date
    if plan.repeat == Repeat.WEEKLY:
        parts = ["FREQ=WEEKLY", f"BYDAY={_WEEKDAYS[day.weekday()]}"]
    elif plan.repeat == Repeat.FORTNIGHTLY:
        parts = ["FREQ=WEEKLY", "INTERVAL=2", f"BYDAY={_WEEKDAYS[day.weekday()]}"]
    elif plan.repeat == Repeat.MONTHLY_BY_DATE:
        if day.day <= 28:
            parts = ["FREQ=MONTHLY", f"BYMONTHDAY={day.day}"]
        else:
            # "On the 30th": the 30th where it exists, else the month's last day.
            days = ",".join(str(d) for d in range(28, day.day + 1))
            parts = ["FREQ=MONTHLY", f"BYMONTHDAY={days}", "BYSETPOS=-1"]
    else:
        nth = (day.day - 1) // 7 + 1
        position = -1 if nth == 5 else nth  # a fifth weekday becomes "the last"
        parts = ["FREQ=MONTHLY", f"BYDAY={position:+d}{_WEEKDAYS[day.weekday()]}"]
    if plan.count is not None:
        parts.append(f"COUNT={plan.count}")
    else:
        assert plan.until is not None
        parts.append(f"UNTIL={plan.until:%Y%m%d}T235959")
    return ";".join(parts)


def local_to_utc(local: datetime, zone: ZoneInfo) -> datetime:
    """A wall-clock time in a zone as a UTC instant.

    A time that does not exist (skipped by a spring-forward change) moves forward by the gap; an
    ambiguous one (repeated in autumn) takes its first occurrence.
    """
    # PEP 495: with fold=0 a gap time takes the offset from before the change (so it lands the
    # length of the gap later on the new wall clock) and an ambiguous time its first instant.
    try:
        return local.replace(tzinfo=zone, fold=0).astimezone(UTC)
    except OverflowError:  # the first or last moments of year 1 or 9999
        raise ServiceError(_("Choose a date closer to today."), "date") from None


def expand(plan: SeriesPlan) -> list[datetime]:
    """Every meeting of a plan as a UTC instant, in order (at most :data:`MAX_OCCURRENCES`)."""
    zone = zone_or_error(plan.timezone)
    first_local = datetime.combine(plan.first_date, plan.start_time)
    rule = build_rule(plan)
    if rule is None:
        return [local_to_utc(first_local, zone)]
    occurrences = rrulestr(rule, dtstart=first_local)
    assert isinstance(occurrences, rrule)
    locals_ = list(
        occurrences.xafter(first_local - timedelta(seconds=1), count=MAX_OCCURRENCES, inc=True)
    )
    if (
        plan.until is not None
        and len(locals_) == MAX_OCCURRENCES
        and occurrences.after(locals_[-1])
    ):
        raise ServiceError(
            _(
                "That series would have more than %(max)d meetings. Choose an earlier end.",
                max=MAX_OCCURRENCES,
            ),
            "until",
        )
    return [local_to_utc(local, zone) for local in locals_]

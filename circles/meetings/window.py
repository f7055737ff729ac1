"""The integration window: dosing sessions a person notes privately, and the meetings 24 to 72
hours after each (the days when making sense of a session matters most).

Functions only flush; the caller commits once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, select
from sqlalchemy.orm import contains_eager

from circles.accounts.models import User
from circles.db import utcnow
from circles.exceptions import ServiceError
from circles.extensions import db
from circles.groups.models import CircleMember
from circles.i18n import gettext as _
from circles.meetings.models import (
    DosingSession,
    Meeting,
)
from circles.meetings.recurrence import local_to_utc

#: The integration window: the meetings that fall this long after a dosing session.
WINDOW_OPENS = timedelta(hours=24)
WINDOW_CLOSES = timedelta(hours=72)
#: How many coming meetings are searched for the next one after a session.
NEXT_MEETING_LOOKAHEAD = 60


#: Entries further than this from today are almost certainly typing mistakes.
DOSING_RANGE = timedelta(days=366)


def _check_taken_at(taken_at: datetime, now: datetime | None) -> None:
    now = now or utcnow()
    if not now - DOSING_RANGE <= taken_at <= now + DOSING_RANGE:
        raise ServiceError(_("Enter a date within a year of today."), "date")


def add_dosing_session(
    user: User, taken_at: datetime, now: datetime | None = None
) -> DosingSession:
    """Record when a person had an assisted session (only they ever see it)."""
    _check_taken_at(taken_at, now)
    entry = DosingSession(user_id=user.id, taken_at=taken_at)
    db.session.add(entry)
    db.session.flush()
    return entry


def update_dosing_session(
    entry: DosingSession, taken_at: datetime, now: datetime | None = None
) -> None:
    _check_taken_at(taken_at, now)
    entry.taken_at = taken_at
    db.session.flush()


def delete_dosing_session(entry: DosingSession) -> None:
    db.session.delete(entry)
    db.session.flush()


def local_datetime(day: date, at: time, zone_name: str) -> datetime:
    """A date and time someone typed on their own wall clock, as a UTC instant."""
    return local_to_utc(datetime.combine(day, at), ZoneInfo(zone_name))


@dataclass(frozen=True)
class IntegrationWindow:
    """The 24 to 72 hours after one dosing session, and the meetings that fall inside it."""

    session: DosingSession
    meetings: list[Meeting]
    #: When none falls inside: the circle's first meeting after the session (and after now).
    next_meeting: Meeting | None = None

    @property
    def opens_at(self) -> datetime:
        return self.session.taken_at + WINDOW_OPENS

    @property
    def closes_at(self) -> datetime:
        return self.session.taken_at + WINDOW_CLOSES

    def is_open(self, now: datetime) -> bool:
        return self.opens_at <= now < self.closes_at


def dosing_sessions(user_id: int, *, current_only: bool, now: datetime) -> list[DosingSession]:
    """A person's entries, latest first; ``current_only``: those whose window is not closed."""
    query = select(DosingSession).where(DosingSession.user_id == user_id)
    if current_only:
        query = query.where(DosingSession.taken_at > now - WINDOW_CLOSES)
    return list(db.session.scalars(query.order_by(DosingSession.taken_at.desc())))


def integration_windows(
    sessions: Sequence[DosingSession], user_id: int, circle_id: int | None = None
) -> list[IntegrationWindow]:
    """Each session's window with the meetings inside it, from the person's circles (one query)."""
    if not sessions:
        return []
    earliest = min(s.taken_at for s in sessions) + WINDOW_OPENS
    latest = max(s.taken_at for s in sessions) + WINDOW_CLOSES
    query = (
        select(Meeting)
        .join(CircleMember, and_(CircleMember.circle_id == Meeting.circle_id))
        .join(Meeting.circle)
        .options(contains_eager(Meeting.circle))
        .where(
            CircleMember.user_id == user_id,
            Meeting.cancelled_at.is_(None),
            Meeting.starts_at >= earliest,
            Meeting.starts_at <= latest,
        )
        .order_by(Meeting.starts_at)
    )
    if circle_id is not None:
        query = query.where(Meeting.circle_id == circle_id)
    meetings = list(db.session.scalars(query))
    later: list[Meeting] = []
    if circle_id is not None:
        # One query for the "next meeting" of every window: the circle's coming meetings.
        later = list(
            db.session.scalars(
                select(Meeting)
                .where(
                    Meeting.circle_id == circle_id,
                    Meeting.cancelled_at.is_(None),
                    Meeting.starts_at > min(utcnow(), earliest - WINDOW_OPENS),
                )
                .order_by(Meeting.starts_at)
                .limit(NEXT_MEETING_LOOKAHEAD)
            )
        )
    windows = []
    now = utcnow()
    for session in sessions:
        opens, closes = session.taken_at + WINDOW_OPENS, session.taken_at + WINDOW_CLOSES
        after = max(now, session.taken_at)
        windows.append(
            IntegrationWindow(
                session,
                [m for m in meetings if opens <= m.starts_at <= closes],
                next((m for m in later if m.starts_at > after), None),
            )
        )
    return windows

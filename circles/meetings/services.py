"""Scheduling rules: create, edit and cancel meetings, RSVPs, and the lists of meetings.

Calendar feeds are in :mod:`circles.meetings.feeds`, the integration window in
:mod:`circles.meetings.window`.

Functions only flush; the caller commits once (or rolls back after a :class:`ServiceError`).
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import contains_eager

from circles.accounts.models import User
from circles.db import add_or_refuse, utcnow
from circles.exceptions import ServiceError
from circles.extensions import db
from circles.groups.models import Circle, CircleMember
from circles.i18n import gettext as _
from circles.meetings.models import (
    MAX_DURATION_MINUTES,
    Meeting,
    MeetingSeries,
    ReminderSent,
    Rsvp,
    RsvpAnswer,
)
from circles.meetings.recurrence import SeriesPlan, build_rule, expand, local_to_utc, zone_or_error
from circles.meetings.rules import Scope, check_video_url

#: How far ahead the schedule view looks.
SCHEDULE_WEEKS = 8


@dataclass(frozen=True)
class MeetingDetails:
    """What a facilitator sets for a meeting besides when it starts."""

    duration_minutes: int
    video_url: str = ""
    agenda: str = ""


def _check_details(details: MeetingDetails) -> MeetingDetails:
    if not 1 <= details.duration_minutes <= MAX_DURATION_MINUTES:
        raise ServiceError(
            _("A meeting lasts from 1 to %(max)d minutes.", max=MAX_DURATION_MINUTES), "duration"
        )
    return MeetingDetails(
        details.duration_minutes, check_video_url(details.video_url), details.agenda.strip()
    )


def _apply(meeting: Meeting, starts_at: datetime, details: MeetingDetails) -> None:
    meeting.starts_at = starts_at
    meeting.ends_at = starts_at + timedelta(minutes=details.duration_minutes)
    meeting.video_url = details.video_url
    meeting.agenda = details.agenda


def schedule_meeting(
    circle: Circle,
    by: User,
    plan: SeriesPlan,
    details: MeetingDetails,
    now: datetime | None = None,
) -> MeetingSeries:
    """Create a one-off meeting or a recurring series, every occurrence materialised in UTC."""
    now = now or utcnow()
    if circle.archived:
        raise ServiceError(_("This circle is archived. Restore it to schedule meetings."))
    details = _check_details(details)
    starts = expand(plan)
    if starts[0] <= now:
        raise ServiceError(_("Choose a date and time in the future for the first meeting."), "date")
    _check_horizon(starts[0], now)
    series = MeetingSeries(
        circle_id=circle.id,
        timezone=plan.timezone,
        repeat=plan.repeat,
        rule=build_rule(plan),
        created_by_id=by.id,
    )
    for start in starts:
        meeting = Meeting(circle_id=circle.id, uid=f"{uuid.uuid4()}@circles", sequence=0)
        _apply(meeting, start, details)
        series.meetings.append(meeting)
    db.session.add(series)
    db.session.flush()
    return series


#: Meetings are planned at most this far ahead (also keeps dates far from any calendar's edge).
HORIZON = timedelta(days=2 * 366)


def _check_horizon(start: datetime, now: datetime) -> None:
    if start > now + HORIZON:
        raise ServiceError(_("Choose a date within the next two years."), "date")


def _scope_targets(meeting: Meeting, scope: Scope, now: datetime) -> list[Meeting]:
    if scope == Scope.THIS:
        return [meeting]
    later_than = meeting.starts_at if scope == Scope.FOLLOWING else now
    return [
        m
        for m in meeting.series.meetings
        if m.starts_at > now and (m.starts_at >= later_than or m.id == meeting.id)
    ]


def _refuse_if_started(meeting: Meeting, now: datetime) -> None:
    if meeting.starts_at <= now:
        raise ServiceError(_("This meeting has already begun, so it can no longer be changed."))


def edit_meeting(
    meeting: Meeting,
    scope: Scope,
    new_date: date,
    new_time: time,
    details: MeetingDetails,
    now: datetime | None = None,
) -> list[Meeting]:
    """Move or change one meeting, this and the following ones, or every upcoming one.

    The new date and time are on the series' wall clock. Other meetings keep their own dates,
    shifted by as many days as this one moved, and take the new time of day.
    """
    now = now or utcnow()
    _refuse_if_started(meeting, now)
    details = _check_details(details)
    zone = zone_or_error(meeting.series.timezone)
    old_local = meeting.starts_at.astimezone(zone)
    day_shift = new_date - old_local.date()
    moved = day_shift.days != 0 or new_time != old_local.time().replace(second=0, microsecond=0)
    targets = _scope_targets(meeting, scope, now)
    starts = {m.id: m.starts_at for m in targets}
    if moved:
        if new_date > (now + HORIZON).date():
            raise ServiceError(_("Choose a date within the next two years."), "date")
        starts = {
            m.id: local_to_utc(
                datetime.combine(m.starts_at.astimezone(zone).date() + day_shift, new_time), zone
            )
            for m in targets
        }
        if any(start <= now for start in starts.values()):
            raise ServiceError(_("Choose a date and time in the future."), "date")
        _check_horizon(max(starts.values()), now)
    # Other meetings take only what changed here: their own agenda or link stays otherwise.
    new_duration = details.duration_minutes != meeting.duration_minutes
    new_link = details.video_url != meeting.video_url
    new_agenda = details.agenda != meeting.agenda
    for target in targets:
        own = MeetingDetails(
            duration_minutes=details.duration_minutes if new_duration else target.duration_minutes,
            video_url=details.video_url if new_link else target.video_url,
            agenda=details.agenda if new_agenda else target.agenda,
        )
        new_start = starts[target.id]
        if new_start != target.starts_at:
            _forget_for_new_time(target, date_changed=day_shift.days != 0)
        _apply(target, new_start, own)
        target.sequence += 1
    db.session.flush()
    return targets


def _forget_for_new_time(meeting: Meeting, *, date_changed: bool) -> None:
    """A moved meeting is reminded of again; on another day, people are asked again too."""
    db.session.execute(delete(ReminderSent).where(ReminderSent.meeting_id == meeting.id))
    if date_changed:
        db.session.execute(delete(Rsvp).where(Rsvp.meeting_id == meeting.id))


def forget_answers(user_id: int, circle_ids: Iterable[int]) -> None:
    """Delete a person's answers for the meetings of circles they are leaving."""
    meeting_ids = select(Meeting.id).where(Meeting.circle_id.in_(list(circle_ids)))
    db.session.execute(
        delete(Rsvp).where(Rsvp.user_id == user_id, Rsvp.meeting_id.in_(meeting_ids))
    )


def cancel_meeting(meeting: Meeting, scope: Scope, now: datetime | None = None) -> list[Meeting]:
    """Cancel meetings; they stay on everyone's schedule, marked as cancelled."""
    now = now or utcnow()
    _refuse_if_started(meeting, now)
    targets = [m for m in _scope_targets(meeting, scope, now) if not m.cancelled]
    if not targets:
        raise ServiceError(_("That is already cancelled."))
    for target in targets:
        target.cancelled_at = now
        target.sequence += 1
    db.session.flush()
    return targets


def restore_meeting(meeting: Meeting, now: datetime | None = None) -> None:
    """Undo the cancellation of one meeting that has not begun."""
    now = now or utcnow()
    _refuse_if_started(meeting, now)
    if not meeting.cancelled:
        raise ServiceError(_("This meeting is not cancelled."))
    meeting.cancelled_at = None
    meeting.sequence += 1
    db.session.flush()


# RSVP ----------------------------------------------------------------------------------------


def set_rsvp(meeting: Meeting, user: User, answer: RsvpAnswer, now: datetime | None = None) -> Rsvp:
    """Record or change a person's answer for a meeting that is neither cancelled nor over."""
    now = now or utcnow()
    if meeting.cancelled:
        raise ServiceError(_("This meeting is cancelled."))
    if meeting.ends_at <= now:
        raise ServiceError(_("This meeting is over."))
    rsvp = db.session.scalar(
        select(Rsvp).where(Rsvp.meeting_id == meeting.id, Rsvp.user_id == user.id)
    )
    if rsvp is None:
        rsvp = Rsvp(meeting_id=meeting.id, user_id=user.id, answer=answer)
        add_or_refuse(rsvp, _("Your answer was saved a moment ago. Please try again."))
    else:
        rsvp.answer = answer
    db.session.flush()
    return rsvp


def own_rsvps(user_id: int, meeting_ids: Iterable[int]) -> dict[int, RsvpAnswer]:
    """A person's own answers for some meetings, in one query."""
    ids = list(meeting_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(Rsvp.meeting_id, Rsvp.answer).where(
            Rsvp.user_id == user_id, Rsvp.meeting_id.in_(ids)
        )
    )
    return {meeting_id: answer for meeting_id, answer in rows}


def rsvp_counts(meeting_ids: Iterable[int]) -> dict[int, Counter[RsvpAnswer]]:
    """How many people gave each answer, per meeting, in one query (never who)."""
    ids = list(meeting_ids)
    counts: dict[int, Counter[RsvpAnswer]] = {i: Counter() for i in ids}
    if not ids:
        return counts
    rows = db.session.execute(
        select(Rsvp.meeting_id, Rsvp.answer, func.count())
        .where(Rsvp.meeting_id.in_(ids))
        .group_by(Rsvp.meeting_id, Rsvp.answer)
    )
    for meeting_id, answer, n in rows:
        counts[meeting_id][answer] = n
    return counts


# Listing -------------------------------------------------------------------------------------


def circle_meetings(
    circle_id: int, now: datetime, *, upcoming: bool = True, limit: int | None = None
) -> Sequence[Meeting]:
    """A circle's meetings not over yet (soonest first), or the past ones (latest first)."""
    query = select(Meeting).where(Meeting.circle_id == circle_id)
    if upcoming:
        query = query.where(Meeting.ends_at > now).order_by(Meeting.starts_at)
    else:
        query = query.where(Meeting.ends_at <= now).order_by(Meeting.starts_at.desc())
    if limit is not None:
        query = query.limit(limit)
    return db.session.scalars(query).all()


def upcoming_for_user(
    user_id: int,
    now: datetime,
    *,
    until: datetime | None = None,
    limit: int | None = None,
) -> list[tuple[Meeting, CircleMember]]:
    """Meetings of every circle a person is in that are not over yet, with their membership."""
    query = (
        select(Meeting, CircleMember)
        .join(CircleMember, CircleMember.circle_id == Meeting.circle_id)
        .join(Meeting.circle)
        .options(contains_eager(Meeting.circle))
        .where(CircleMember.user_id == user_id, Meeting.ends_at > now)
        .order_by(Meeting.starts_at, Meeting.id)
    )
    if until is not None:
        query = query.where(Meeting.starts_at < until)
    if limit is not None:
        query = query.limit(limit)
    return [(meeting, membership) for meeting, membership in db.session.execute(query)]

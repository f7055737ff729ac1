"""Meeting reminders by mail, sent by `flask send-reminders` (cron), exactly once per person.

Each reminder is first *claimed* by inserting a row under a unique (meeting, person) constraint
and committing; only the run whose insert succeeds sends the mail. Two runs at once, or a run
repeated, therefore never send twice. If delivery fails the claim is released, so the next run
tries again; if the process dies between claim and delivery, that one reminder is lost (never
doubled). Moving a meeting deletes its claims, so people are reminded of the new time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select

from circles.accounts.models import User
from circles.extensions import db
from circles.groups.models import CircleMember
from circles.mail import send_once
from circles.meetings.models import Meeting, ReminderSent, Rsvp, RsvpAnswer
from circles.urls import external_url


@dataclass(frozen=True)
class ReminderRun:
    sent: int
    failed: int

    @classmethod
    def of(cls, results: Iterable[bool | None]) -> ReminderRun:
        """Tally :func:`circles.mail.send_once` results (None: another run had it)."""
        outcomes = [r for r in results if r is not None]
        return cls(sent=sum(outcomes), failed=len(outcomes) - sum(outcomes))


def due_reminders(now: datetime, lead: timedelta) -> list[tuple[Meeting, User]]:
    """(meeting, person) pairs whose reminder is due and not yet claimed.

    Everyone in the circle, except people who answered "not going", for meetings that are not
    cancelled and start within ``lead`` from now.
    """
    query = (
        select(Meeting, User)
        .join(CircleMember, CircleMember.circle_id == Meeting.circle_id)
        .join(User, User.id == CircleMember.user_id)
        .outerjoin(
            ReminderSent,
            and_(ReminderSent.meeting_id == Meeting.id, ReminderSent.user_id == User.id),
        )
        .outerjoin(Rsvp, and_(Rsvp.meeting_id == Meeting.id, Rsvp.user_id == User.id))
        .where(
            Meeting.cancelled_at.is_(None),
            Meeting.starts_at > now,
            Meeting.starts_at <= now + lead,
            ReminderSent.id.is_(None),
            or_(Rsvp.id.is_(None), Rsvp.answer != RsvpAnswer.NOT_GOING),
        )
        .order_by(Meeting.starts_at, User.id)
    )
    return [(meeting, user) for meeting, user in db.session.execute(query)]


def reminder_text(meeting: Meeting, user: User) -> tuple[str, str]:
    """Subject and body; neutral, so a glance at an inbox says nothing about the circle."""
    local = meeting.starts_at.astimezone(ZoneInfo(user.timezone))
    when = f"{local:%A %-d %B at %H:%M} ({user.timezone.replace('_', ' ')})"
    page = external_url("meetings.show", circle_id=meeting.circle_id, meeting_id=meeting.id)
    lines = [
        f"Hello {user.display_name},",
        "",
        f"A reminder that your circle meets on {when}.",
        "",
        f"Meeting page: {page}",
    ]
    if meeting.video_url:
        lines.append(f"Video call: {meeting.video_url}")
    lines += [
        "",
        "If you cannot come, you can say so on the meeting page.",
        "You get this reminder because you are in the circle. It went to you alone.",
    ]
    return "Reminder: your circle meets soon", "\n".join(lines)


def send_due_reminders(now: datetime, lead: timedelta) -> ReminderRun:
    """Claim and send every due reminder; commits per reminder (this is a job, not a request)."""
    return ReminderRun.of(
        send_once(
            ReminderSent(meeting_id=meeting.id, user_id=user.id),
            user.email,
            partial(reminder_text, meeting, user),
        )
        for meeting, user in due_reminders(now, lead)
    )

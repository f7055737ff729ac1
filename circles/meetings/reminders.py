"""Meeting reminders by mail, sent by `flask send-reminders` (cron), exactly once per person.

Each reminder is first *claimed* by inserting a row under a unique (meeting, person) constraint
and committing; only the run whose insert succeeds sends the mail. Two runs at once, or a run
repeated, therefore never send twice. If delivery fails the claim is released, so the next run
tries again; if the process dies between claim and delivery, that one reminder is lost (never
doubled). Moving a meeting deletes its claims, so people are reminded of the new time.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError

from circles.accounts.models import User
from circles.extensions import db
from circles.groups.models import CircleMember
from circles.mail import send_mail
from circles.meetings.models import Meeting, ReminderSent, Rsvp, RsvpAnswer
from circles.urls import external_url

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReminderRun:
    sent: int
    failed: int


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


def _claim(meeting_id: int, user_id: int) -> ReminderSent | None:
    claim = ReminderSent(meeting_id=meeting_id, user_id=user_id)
    db.session.add(claim)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # another run claimed it first
        return None
    return claim


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
    sent = failed = 0
    for meeting, user in due_reminders(now, lead):
        claim = _claim(meeting.id, user.id)
        if claim is None:
            continue
        try:
            subject, body = reminder_text(meeting, user)
            delivered = send_mail(user.email, subject, body)
        except Exception as error:  # one bad reminder must not stop the others
            log.error("reminder failed: %s", type(error).__name__)
            delivered = False
        if delivered:
            sent += 1
            continue
        failed += 1
        db.session.delete(claim)  # release it: the next run tries again
        db.session.commit()
    return ReminderRun(sent=sent, failed=failed)

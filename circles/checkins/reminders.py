"""Check-in reminders by mail, sent by `flask send-checkin-reminders` (cron), once per period.

Like meeting reminders, each is claimed first (a unique row per circle, period and person), so a
repeated or parallel run never mails twice; a failed delivery releases its claim.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial

from sqlalchemy import and_, select

from circles.accounts.models import User
from circles.checkins.models import CheckinInstrument, CheckinReceipt, CheckinReminder
from circles.checkins.services import current_period
from circles.extensions import db
from circles.groups.models import Circle, CircleMember, CircleRole
from circles.mail import send_once
from circles.meetings.reminders import ReminderRun
from circles.urls import external_url


def due_checkin_reminders(now: datetime) -> list[tuple[int, datetime | None, User]]:
    """(circle id, period, member) for members of active circles not yet checked in or reminded."""
    due = []
    instruments = db.session.scalars(
        select(CheckinInstrument)
        .join(Circle, Circle.id == CheckinInstrument.circle_id)
        .where(Circle.archived_at.is_(None))
    ).all()
    for instrument in instruments:
        period = current_period(instrument, now)
        if period is None:
            continue
        people = db.session.scalars(
            select(User)
            .join(CircleMember, CircleMember.user_id == User.id)
            .outerjoin(
                CheckinReceipt,
                and_(
                    CheckinReceipt.circle_id == instrument.circle_id,
                    CheckinReceipt.period == period,
                    CheckinReceipt.user_id == User.id,
                ),
            )
            .outerjoin(
                CheckinReminder,
                and_(
                    CheckinReminder.circle_id == instrument.circle_id,
                    CheckinReminder.period == period,
                    CheckinReminder.user_id == User.id,
                ),
            )
            .where(
                CircleMember.circle_id == instrument.circle_id,
                CircleMember.role == CircleRole.MEMBER,
                CheckinReceipt.user_id.is_(None),
                CheckinReminder.user_id.is_(None),
            )
            .order_by(User.id)
        )
        due += [(instrument.circle_id, period, user) for user in people]
    return due  # type: ignore[return-value]


def checkin_reminder_text(circle_id: int, user: User) -> tuple[str, str]:
    """Subject and body: neutral, nothing about anyone's answers."""
    page = external_url("checkins.checkin", circle_id=circle_id)
    body = "\n".join(
        [
            f"Hello {user.display_name},",
            "",
            "Your circle's check-in is open. It takes a couple of minutes, and your answers",
            "are stored without your name.",
            "",
            f"Check in: {page}",
            "",
            "You get this because you are in the circle. There is no need to reply.",
        ]
    )
    return "Your circle check-in is open", body


def send_checkin_reminders(now: datetime) -> ReminderRun:
    """Claim and send each due reminder; commits per reminder (a job, not a request)."""
    return ReminderRun.of(
        send_once(
            CheckinReminder(circle_id=circle_id, period=period, user_id=user.id),
            user.email,
            partial(checkin_reminder_text, circle_id, user),
        )
        for circle_id, period, user in due_checkin_reminders(now)
    )

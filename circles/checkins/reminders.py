"""Check-in reminders by mail, once per person and period: queued by a daily job (one job per
person, :func:`send_checkin_reminder`), or sent at once by ``flask send-checkin-reminders``.

Like meeting reminders, each is claimed first (a unique row per circle, period and person), so a
repeated or parallel run never mails twice; a failed delivery releases its claim and is retried,
and a claim left undelivered by a run that died is sent by the next scan (:func:`mark_abandoned`).
"""

from __future__ import annotations

from datetime import datetime
from functools import partial

from sqlalchemy import and_, or_, select, update

from circles.accounts.models import User
from circles.checkins.models import CheckinInstrument, CheckinReceipt, CheckinReminder
from circles.checkins.services import current_period
from circles.db import utcnow
from circles.extensions import db
from circles.groups.models import Circle, CircleMember, CircleRole
from circles.i18n import gettext as _
from circles.i18n import language_for, speaking
from circles.jobs import TryAgain, enqueue
from circles.mail import send_once
from circles.meetings.reminders import ReminderRun
from circles.urls import external_url


def due_checkin_reminders(
    now: datetime, only: tuple[int, int] | None = None
) -> list[tuple[int, datetime | None, User]]:
    """(circle id, period, member) for members of active circles not yet checked in or reminded
    (``only`` this circle and member)."""
    due = []
    query = (
        select(CheckinInstrument)
        .join(Circle, Circle.id == CheckinInstrument.circle_id)
        .where(Circle.archived_at.is_(None))
    )
    if only is not None:
        query = query.where(CheckinInstrument.circle_id == only[0])
    instruments = db.session.scalars(query).all()
    for instrument in instruments:
        period = current_period(instrument, now)
        if period is None:
            continue
        people_query = (
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
                or_(CheckinReminder.user_id.is_(None), CheckinReminder.unfinished(now)),
            )
            .order_by(User.id)
        )
        if only is not None:
            people_query = people_query.where(User.id == only[1])
        people = db.session.scalars(people_query)
        due += [(instrument.circle_id, period, user) for user in people]
    return due  # type: ignore[return-value]


def checkin_reminder_text(circle_id: int, user: User) -> tuple[str, str]:
    """Subject and body, in the member's language: neutral, nothing about anyone's answers."""
    page = external_url("checkins.checkin", circle_id=circle_id)
    with speaking(language_for(user)):
        body = "\n".join(
            [
                _("Hello %(name)s,", name=user.display_name),
                "",
                _(
                    "Your circle's check-in is open. It takes a couple of minutes, and your "
                    "answers are stored without your name."
                ),
                "",
                _("Check in: %(url)s", url=page),
                "",
                _("You get this because you are in the circle. There is no need to reply."),
            ]
        )
        return _("Your circle check-in is open"), body


def remind(circle_id: int, period: datetime | None, user: User) -> bool | None:
    """Claim and send one reminder (see :func:`circles.mail.send_once`); commits."""
    return send_once(
        CheckinReminder(circle_id=circle_id, period=period, user_id=user.id),
        user.email,
        partial(checkin_reminder_text, circle_id, user),
    )


def mark_abandoned() -> None:
    """Start of a scan: claims still undelivered belonged to runs that died while sending.

    Scans are a day apart (a run sends within seconds), so whatever the last one claimed and
    never delivered is abandoned, and is due again. Commits.
    """
    db.session.execute(
        update(CheckinReminder)
        .where(CheckinReminder.delivered.is_(False), CheckinReminder.abandoned.is_(False))
        .values(abandoned=True)
    )
    db.session.commit()


def send_checkin_reminders(now: datetime) -> ReminderRun:
    """Claim and send each due reminder; commits per reminder (a job, not a request)."""
    mark_abandoned()
    return ReminderRun.of(remind(*due) for due in due_checkin_reminders(now))


def queue_checkin_reminders() -> int:
    """The periodic job: queue a :func:`send_checkin_reminder` job per due reminder; how many."""
    mark_abandoned()
    due = [(circle_id, user.id) for circle_id, _period, user in due_checkin_reminders(utcnow())]
    db.session.rollback()  # read only; end the transaction before the jobs run
    for circle_id, user_id in due:
        enqueue("checkin_reminder", circle_id, user_id)
    return len(due)


def send_checkin_reminder(circle_id: int, user_id: int) -> None:
    """The job: send this reminder if it is still due and unclaimed; retried if delivery fails."""
    for due in due_checkin_reminders(utcnow(), only=(circle_id, user_id)):
        if remind(*due) is False:
            raise TryAgain("check-in reminder not delivered")

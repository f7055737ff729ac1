"""Meeting reminders by mail, once per person and meeting.

The job queue looks for due reminders every few minutes (:func:`queue_due_reminders`) and queues
one job per person (:func:`send_reminder`); ``flask send-reminders`` sends them at once instead.
Each reminder is first *claimed* by inserting a row under a unique (meeting, person) constraint
and committing; only the run whose insert succeeds sends the mail. Two jobs for one reminder, two
scans at once, or a run repeated, therefore never send twice. If delivery fails the claim is
released and the job is retried later (and the next scan queues it again while it is still
due); if the process dies between claim and delivery, the next scan after the claim timeout
sends it (a reminder is never lost; it is doubled only if the process dies between the mail
server's answer and marking the claim delivered).
Moving a meeting deletes its claims, so people are reminded of the new time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from flask import current_app
from sqlalchemy import and_, or_, select

from circles.accounts.models import User
from circles.db import utcnow
from circles.extensions import db
from circles.groups.models import CircleMember
from circles.i18n import gettext as _
from circles.i18n import language_for, speaking
from circles.jobs import TryAgain, enqueue
from circles.mail import send_once
from circles.meetings.models import Meeting, ReminderSent, Rsvp, RsvpAnswer
from circles.templating import meeting_time
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


def due_reminders(
    now: datetime, lead: timedelta, only: tuple[int, int] | None = None
) -> list[tuple[Meeting, User]]:
    """(meeting, person) pairs whose reminder is due and not yet claimed (``only`` this pair).

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
            or_(ReminderSent.id.is_(None), ReminderSent.unfinished(now)),
            or_(Rsvp.id.is_(None), Rsvp.answer != RsvpAnswer.NOT_GOING),
        )
        .order_by(Meeting.starts_at, User.id)
    )
    if only is not None:
        query = query.where(Meeting.id == only[0], User.id == only[1])
    return [(meeting, user) for meeting, user in db.session.execute(query)]


def reminder_text(meeting: Meeting, user: User) -> tuple[str, str]:
    """Subject and body in the person's language and zone; neutral, so a glance at an inbox
    says nothing about the circle."""
    page = external_url("meetings.show", circle_id=meeting.circle_id, meeting_id=meeting.id)
    with speaking(language_for(user)):
        when = meeting_time(meeting.starts_at, zone_name=user.timezone)
        lines = [
            _("Hello %(name)s,", name=user.display_name),
            "",
            _("A reminder that your circle meets on %(when)s.", when=when),
            "",
            _("Meeting page: %(url)s", url=page),
        ]
        if meeting.video_url:
            lines.append(_("Video call: %(url)s", url=meeting.video_url))
        lines += [
            "",
            _("If you cannot come, you can say so on the meeting page."),
            _("You get this reminder because you are in the circle. It went to you alone."),
        ]
        return _("Reminder: your circle meets soon"), "\n".join(lines)


def remind(meeting: Meeting, user: User) -> bool | None:
    """Claim and send one reminder (see :func:`circles.mail.send_once`); commits."""
    return send_once(
        ReminderSent(meeting_id=meeting.id, user_id=user.id),
        user.email,
        partial(reminder_text, meeting, user),
    )


def send_due_reminders(now: datetime, lead: timedelta) -> ReminderRun:
    """Claim and send every due reminder; commits per reminder (this is a job, not a request)."""
    return ReminderRun.of(remind(meeting, user) for meeting, user in due_reminders(now, lead))


def reminder_lead() -> timedelta:
    return timedelta(hours=current_app.config["CIRCLES_REMINDER_HOURS"])


def queue_due_reminders() -> int:
    """The periodic job: queue a :func:`send_reminder` job per due reminder; how many."""
    due = [(meeting.id, user.id) for meeting, user in due_reminders(utcnow(), reminder_lead())]
    db.session.rollback()  # read only; end the transaction before the jobs run
    for meeting_id, user_id in due:
        enqueue("meeting_reminder", meeting_id, user_id)
    return len(due)


def send_reminder(meeting_id: int, user_id: int) -> None:
    """The job: send this reminder if it is still due and unclaimed; retried if delivery fails."""
    for meeting, user in due_reminders(utcnow(), reminder_lead(), only=(meeting_id, user_id)):
        if remind(meeting, user) is False:
            raise TryAgain("meeting reminder not delivered")

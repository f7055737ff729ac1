"""Every job the queue runs (:mod:`circles.jobs`), and when the periodic ones run by themselves.

Each is safe to run twice or twice at once: mail is queued once per commit, reminders are
claimed, the purge and the release delete or rewrite only what is due. With two consumers
running, periodic jobs simply run twice.
"""

from __future__ import annotations

import logging

from huey import crontab

from circles.accounts.reset import send_reset_link
from circles.checkins.reminders import queue_checkin_reminders, send_checkin_reminder
from circles.db import utcnow
from circles.extensions import db
from circles.jobs import JobSpec, TryAgain
from circles.mail import deliver_sealed
from circles.meetings.reminders import queue_due_reminders, send_reminder
from circles.space.reminders import queue_plan_reminders

log = logging.getLogger(__name__)


def purge_expired() -> None:
    """What ``flask purge`` does: delete what is past the organisations' retention."""
    from circles.retention import purge

    purged = purge(utcnow())
    db.session.commit()
    log.info("purge: %s", " ".join(purged.lines()))


def release_checkins() -> None:
    """What ``flask checkins-release`` does; tried again when SQLite's log stayed busy."""
    from circles.checkins.release import release_everywhere

    _, emptied = release_everywhere(utcnow())
    if not emptied:
        raise TryAgain("the write-ahead log was busy")


def queue_reminders() -> None:
    log.info("meeting reminders queued: %d", queue_due_reminders())


def queue_checkins() -> None:
    log.info("check-in reminders queued: %d", queue_checkin_reminders())


def queue_plans() -> None:
    log.info("plan reminders queued: %d", queue_plan_reminders())


JOBS: dict[str, JobSpec] = {
    # A mail server away: tried again after 1, 2, 4, ... 32 minutes (about an hour in all).
    "deliver_mail": JobSpec(deliver_sealed, retries=6, retry_delay=60),
    # Looks the address up and mails a reset link to an account (circles.accounts.reset).
    "password_reset": JobSpec(send_reset_link, retries=3, retry_delay=60),
    # A failed reminder is also queued again by the next scan, while it is still due.
    "meeting_reminder": JobSpec(send_reminder, retries=3, retry_delay=120),
    "checkin_reminder": JobSpec(send_checkin_reminder, retries=3, retry_delay=120),
    # Periodic (UTC): what cron ran before; cron may still run the commands as well.
    "queue_meeting_reminders": JobSpec(queue_reminders, schedule=crontab(minute="*/5")),
    "queue_checkin_reminders": JobSpec(queue_checkins, schedule=crontab(minute="0", hour="9")),
    "purge": JobSpec(purge_expired, schedule=crontab(minute="17")),
    "release_checkins": JobSpec(
        release_checkins, retries=3, retry_delay=60, schedule=crontab(minute="37")
    ),
    "queue_plan_reminders": JobSpec(queue_plans, schedule=crontab(minute="*/15")),
}

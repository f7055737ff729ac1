"""Reminders: once per person and meeting, whether the job runs twice or twice at once."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date
from sqlalchemy import func, select

from circles.db import utcnow
from circles.extensions import db
from circles.meetings import services
from circles.meetings.models import ReminderSent, RsvpAnswer
from circles.meetings.reminders import queue_due_reminders, send_due_reminders, send_reminder
from circles.meetings.rules import Scope

DAY = timedelta(hours=24)


@pytest.fixture
def circle(make):
    """Fran facilitates; Mo (New York) and Nic are members; a meeting starts in about 10 hours."""
    fran = make.create_user("Fran", timezone="Europe/London")
    org = make.create_org(owner=fran)
    c = make.create_circle(org, fran, "Grief and loss circle")
    mo = make.create_user("Mo", email="mo@example.org", timezone="America/New_York")
    nic = make.create_user("Nic", email="nic@example.org")
    make.add_member(c, mo, "Mo")
    make.add_member(c, nic, "Nic")
    soon = (datetime.now(UTC) + timedelta(hours=10)).replace(tzinfo=None, second=0, microsecond=0)
    meeting = make.meeting(c, fran, first=soon, video_url="https://meet.example.org/room")
    return {"circle": c, "fran": fran, "mo": mo, "nic": nic, "meeting": meeting}


def run(app, lead=DAY):
    with app.app_context():
        result = send_due_reminders(utcnow(), lead)
        db.session.remove()
        return result


def test_everyone_in_the_circle_gets_one_reminder_even_when_the_job_runs_twice(app, circle, outbox):
    assert run(app).sent == 3
    assert run(app).sent == 0
    assert sorted(mail.to for mail in outbox) == sorted(
        [circle["fran"].email, "mo@example.org", "nic@example.org"]
    )


def test_two_runs_at_the_same_moment_send_each_reminder_once(app, circle, outbox):
    barrier = threading.Barrier(2)
    results = []

    def job():
        with app.app_context():
            barrier.wait()
            results.append(send_due_reminders(utcnow(), DAY))
            db.session.remove()

    threads = [threading.Thread(target=job) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sum(r.sent for r in results) == 3
    assert len(outbox) == 3 and len({mail.to for mail in outbox}) == 3
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ReminderSent)) == 3


def test_the_cli_command_reports_what_it_sent(app, circle, outbox):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["send-reminders", "--hours", "12"])
    assert first.exit_code == 0, first.output
    assert "Reminders sent: 3." in first.output
    second = runner.invoke(args=["send-reminders", "--hours", "12"])
    assert "Reminders sent: 0." in second.output
    assert len(outbox) == 3


def test_no_reminder_before_the_lead_time_or_for_cancelled_meetings(app, make, circle, outbox):
    assert run(app, lead=timedelta(hours=9)).sent == 0
    with app.app_context():
        meeting = db.session.merge(circle["meeting"])
        services.cancel_meeting(meeting, Scope.THIS)
        db.session.commit()
    assert run(app).sent == 0
    assert outbox == []


def test_people_who_said_they_are_not_going_are_not_reminded(app, circle, outbox):
    with app.app_context():
        meeting = db.session.merge(circle["meeting"])
        mo = db.session.merge(circle["mo"])
        services.set_rsvp(meeting, mo, RsvpAnswer.NOT_GOING)
        db.session.commit()
    assert run(app).sent == 2
    assert "mo@example.org" not in {mail.to for mail in outbox}


def test_the_reminder_is_discreet_and_in_the_persons_own_zone(app, circle, outbox):
    run(app)
    mail = next(m for m in outbox if m.to == "mo@example.org")
    local = circle["meeting"].starts_at.astimezone(ZoneInfo("America/New_York"))
    assert mail.subject == "Reminder: your circle meets soon"
    # The date as Babel writes it in (British) English.
    assert f"{format_date(local, 'full', locale='en_GB')}, {local:%H:%M} (America/New York)" in (
        mail.body
    )
    assert "Grief" not in mail.subject + mail.body
    assert f"/circles/{circle['circle'].id}/meetings/{circle['meeting'].id}" in mail.body
    assert "https://meet.example.org/room" in mail.body


def test_the_reminder_speaks_the_persons_own_language(app, circle, outbox):
    with app.app_context():
        nic = db.session.merge(circle["nic"])
        nic.language = "de"
        db.session.commit()
    run(app)
    mail = next(m for m in outbox if m.to == "nic@example.org")
    local = circle["meeting"].starts_at.astimezone(ZoneInfo("UTC"))
    # Dates follow the recipient's language even while the job runs outside any request.
    assert f"{format_date(local, 'full', locale='de_DE')}, {local:%H:%M} (UTC)" in mail.body
    english = next(m for m in outbox if m.to == "mo@example.org")
    assert format_date(local, "EEEE", locale="de_DE") not in english.body


class FailingSender:
    """The mail relay, failing: an expected delivery error, or anything unexpected."""

    def __init__(self, error):
        self.error = error

    def send(self, mail):
        raise self.error


@pytest.mark.parametrize("error", [OSError("relay down"), RuntimeError("unexpected")])
def test_a_failed_delivery_releases_its_claim_and_the_next_run_retries(app, circle, outbox, error):
    working = app.extensions["circles_mail"]
    app.extensions["circles_mail"] = FailingSender(error)
    try:
        result = run(app)
    finally:
        app.extensions["circles_mail"] = working
    assert (result.sent, result.failed) == (0, 3)  # every reminder tried, none stopped the run
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ReminderSent)) == 0
    assert run(app).sent == 3
    assert len(outbox) == 3


def test_a_moved_meeting_is_reminded_of_again(app, circle, outbox):
    assert run(app).sent == 3
    with app.app_context():
        meeting = db.session.merge(circle["meeting"])
        later = meeting.starts_at + timedelta(hours=2)
        services.edit_meeting(
            meeting,
            Scope.THIS,
            later.date(),
            later.time(),
            services.MeetingDetails(90, video_url=meeting.video_url),
        )
        db.session.commit()
    assert run(app).sent == 3


def scan(app):
    """The periodic job: one reminder job queued per due reminder (tests run each at once)."""
    with app.app_context():
        queued = queue_due_reminders()
        db.session.remove()
        return queued


def claims(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(ReminderSent))


def test_the_queue_reminds_everyone_once_even_when_its_scan_runs_twice(app, circle, outbox):
    assert scan(app) == 3
    assert scan(app) == 0
    assert sorted(mail.to for mail in outbox) == sorted(
        [circle["fran"].email, "mo@example.org", "nic@example.org"]
    )


def test_one_reminder_job_run_twice_at_once_and_again_sends_one_mail(app, circle, outbox):
    ids = (circle["meeting"].id, circle["mo"].id)
    barrier = threading.Barrier(2)

    def job():
        with app.app_context():
            barrier.wait()
            send_reminder(*ids)
            db.session.remove()

    threads = [threading.Thread(target=job) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    with app.app_context():
        send_reminder(*ids)
    assert [mail.to for mail in outbox] == ["mo@example.org"]
    assert claims(app) == 1


def test_a_failed_reminder_job_releases_its_claim_and_is_retried_later(app, circle, outbox):
    huey = app.extensions["circles_jobs"].huey
    working = app.extensions["circles_mail"]
    app.extensions["circles_mail"] = FailingSender(OSError("relay down"))
    try:
        assert scan(app) == 3
    finally:
        app.extensions["circles_mail"] = working
    assert outbox == [] and claims(app) == 0
    assert huey.scheduled_count() == 3
    later = datetime.now(UTC).replace(tzinfo=None) + timedelta(minutes=3)
    for task in huey.read_schedule(later):
        huey.execute(task, later)
    assert len(outbox) == 3 and claims(app) == 3
    assert scan(app) == 0


def test_a_reminder_whose_run_died_while_sending_is_sent_by_a_later_scan(app, circle, outbox):
    from circles.meetings.models import CLAIM_TIMEOUT

    # A run claimed Mo's reminder and died before the mail server answered.
    with app.app_context():
        died = ReminderSent(meeting_id=circle["meeting"].id, user_id=circle["mo"].id)
        db.session.add(died)
        db.session.commit()
    assert scan(app) == 2  # while that run may still be sending, nobody else takes it
    assert sorted(m.to for m in outbox) == sorted([circle["fran"].email, "nic@example.org"])
    with app.app_context():
        claim = db.session.scalar(
            select(ReminderSent).where(ReminderSent.user_id == circle["mo"].id)
        )
        claim.sent_at -= CLAIM_TIMEOUT + timedelta(seconds=1)
        db.session.commit()
    assert scan(app) == 1  # now it is known to be unfinished: sent, once
    assert scan(app) == 0
    assert [m.to for m in outbox].count("mo@example.org") == 1
    with app.app_context():
        assert db.session.scalars(select(ReminderSent.delivered)).all() == [True] * 3


def test_only_one_of_two_runs_takes_over_an_unfinished_reminder(app, circle, outbox):
    from circles.meetings.models import CLAIM_TIMEOUT

    with app.app_context():
        db.session.add(
            ReminderSent(
                meeting_id=circle["meeting"].id,
                user_id=circle["mo"].id,
                sent_at=utcnow() - CLAIM_TIMEOUT - timedelta(minutes=1),
            )
        )
        db.session.commit()
    both = threading.Barrier(2)

    def job():
        both.wait()
        with app.app_context():
            send_reminder(circle["meeting"].id, circle["mo"].id)
            db.session.remove()

    threads = [threading.Thread(target=job) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [m.to for m in outbox] == ["mo@example.org"]
    with app.app_context():
        claim = db.session.scalar(select(ReminderSent))
        assert claim.delivered and claim.sent_at > utcnow() - timedelta(minutes=1)

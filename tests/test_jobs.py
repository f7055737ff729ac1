"""The job queue: mail leaves only after the commit that needs it, is retried, waits sealed,
and is delivered by a real consumer on SQLite storage and on Redis; periodic work is scheduled."""

from __future__ import annotations

import json
import logging
import os
import signal
import smtplib
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from circles.extensions import db
from circles.jobs import JobQueue
from circles.mail import MAIL_BLOCK, QUEUED_MAIL, Mail, seal_mail, send_mail
from circles.orgs.models import Organisation
from circles.sealing import keyring, sealed_size
from tests import factories
from tests.conftest import client_for

RESET_LINK = "http://circles.test/password/reset/secret-token-4711"
BODY = f"To choose a new password, open this link within an hour:\n{RESET_LINK}\n"


def eventually(check: Any, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return False


def write_something() -> None:
    db.session.add(Organisation(name="Harbour Practice"))
    db.session.flush()


class FailingSender:
    def __init__(self, error: Exception) -> None:
        self.error = error
        self.tries = 0

    def send(self, mail: Any) -> None:
        self.tries += 1
        raise self.error


@contextmanager
def failing_mail(app: Any, error: Exception | None = None) -> Iterator[FailingSender]:
    working = app.extensions["circles_mail"]
    app.extensions["circles_mail"] = failing = FailingSender(error or ConnectionRefusedError())
    try:
        yield failing
    finally:
        app.extensions["circles_mail"] = working


def run_due_retries(app: Any, after: timedelta) -> None:
    """Run the retries that are due ``after`` from now (immediate mode keeps them in memory)."""
    huey = app.extensions["circles_jobs"].huey
    later = datetime.now(UTC).replace(tzinfo=None) + after
    for task in huey.read_schedule(later):
        huey.execute(task, later)


def test_mail_waits_for_the_commit_of_the_change_it_tells_of(app, ctx, outbox):
    write_something()
    send_mail("kai@example.org", "Your request", "It is saved.")
    assert outbox == []
    db.session.commit()
    assert [m.to for m in outbox] == ["kai@example.org"]


def test_mail_about_a_change_rolled_back_is_never_sent(app, ctx, outbox):
    write_something()
    send_mail("kai@example.org", "Your request", "It is saved.")
    db.session.rollback()
    write_something()
    db.session.commit()
    assert outbox == []


def test_mail_from_a_savepoint_follows_the_savepoint(app, ctx, outbox):
    """A live event is a savepoint in its batch: a refused one sends nothing."""
    with pytest.raises(RuntimeError), db.session.begin_nested():
        write_something()
        send_mail("refused@example.org", "Refused", "-")
        raise RuntimeError("the event is refused")
    with db.session.begin_nested():
        write_something()
        send_mail("kept@example.org", "Kept", "-")
    assert outbox == []
    db.session.commit()
    assert [m.to for m in outbox] == ["kept@example.org"]


def test_mail_after_a_transaction_that_wrote_nothing_goes_at_once(app, ctx, outbox):
    """A reset link follows no change: nothing to wait for (and nothing will commit)."""
    db.session.scalars(select(Organisation)).all()
    send_mail("kai@example.org", "Reset your Circles password", BODY)
    assert [m.to for m in outbox] == ["kai@example.org"]


@pytest.mark.parametrize("length", [0, 2000, 2010, 2020, 2030, 5000])
def test_queued_mail_is_sealed_to_whole_blocks_and_opens_again(app, ctx, length):
    mail = Mail(to="kai@example.org", subject="Hello", body="x" * length)
    sealed = seal_mail(mail)
    assert (len(sealed) - sealed_size(0)) % MAIL_BLOCK == 0
    assert json.loads(keyring().unseal(QUEUED_MAIL, sealed) or b"") == [
        mail.to,
        mail.subject,
        mail.body,
    ]


def test_a_failed_delivery_is_retried_later_waiting_longer_each_time(app, ctx, outbox, caplog):
    write_something()
    send_mail("kai@example.org", "Reset your Circles password", BODY)
    with failing_mail(app) as failing:
        db.session.commit()  # the request answers; the job failed and waits to be retried
        run_due_retries(app, timedelta(seconds=59))
        assert failing.tries == 1
        run_due_retries(app, timedelta(seconds=61))
        assert failing.tries == 2
        run_due_retries(app, timedelta(seconds=119))
        assert failing.tries == 2  # the second retry waits two minutes
    run_due_retries(app, timedelta(seconds=121))
    assert [m.to for m in outbox] == ["kai@example.org"]
    assert "kai@example.org" not in caplog.text and RESET_LINK not in caplog.text


def test_a_refused_recipient_is_not_tried_again(app, ctx, outbox):
    refused = smtplib.SMTPRecipientsRefused({"kai@example.org": (550, b"no such user")})
    with failing_mail(app, refused) as failing:
        write_something()
        send_mail("kai@example.org", "Hello", "-")
        db.session.commit()
        run_due_retries(app, timedelta(days=1))
    assert failing.tries == 1


def test_an_unreachable_queue_never_fails_the_request(another_app, caplog):
    """Redis away: the mail goes out from this process instead, and the log names no one."""
    broken = another_app(CIRCLES_JOBS_IMMEDIATE=False, CIRCLES_JOBS_URL="redis://127.0.0.1:9/0")
    with broken.app_context():
        write_something()
        send_mail("kai@example.org", "Reset your Circles password", BODY)
        db.session.commit()  # no exception, however the queue fares
    outbox = broken.extensions["circles_mail"].outbox
    assert eventually(lambda: len(outbox) == 1)
    assert "not queued" in caplog.text
    assert "kai@example.org" not in caplog.text and RESET_LINK not in caplog.text


@contextmanager
def running_consumer(queue: JobQueue) -> Iterator[None]:
    """A real Huey consumer on the queue's storage, in threads of this process."""
    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    consumer = queue.huey.create_consumer(
        workers=2, worker_type="thread", periodic=False, initial_delay=0.05, max_delay=0.2
    )
    consumer.start()
    try:
        yield
    finally:
        consumer.stop(graceful=True)
        for number, handler in handlers.items():
            signal.signal(number, handler)


def queue_a_reset_mail(jobs_app: Any) -> None:
    with jobs_app.app_context():
        write_something()
        send_mail("kai@example.org", "Reset your Circles password", BODY)
        db.session.commit()


def test_a_consumer_delivers_queued_mail_from_sqlite_storage_kept_sealed(another_app, tmp_path):
    path = tmp_path / "jobs.sqlite3"
    jobs_app = another_app(CIRCLES_JOBS_IMMEDIATE=False, CIRCLES_JOBS_URL=f"sqlite:///{path}")
    queue: JobQueue = jobs_app.extensions["circles_jobs"]
    outbox = jobs_app.extensions["circles_mail"].outbox
    queue_a_reset_mail(jobs_app)
    assert outbox == [] and queue.huey.pending_count() == 1
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("jobs.sqlite3*"))
    assert b"deliver_mail" in stored  # the job is there, its content is not
    for secret in (RESET_LINK, "secret-token-4711", "kai@example.org", "Reset your", "choose"):
        assert secret.encode() not in stored
    with running_consumer(queue):
        assert eventually(lambda: len(outbox) == 1)
    assert outbox[0].to == "kai@example.org" and RESET_LINK in outbox[0].body
    assert queue.huey.pending_count() == 0


@pytest.mark.skipif(not os.environ.get("TEST_REDIS_URL"), reason="needs TEST_REDIS_URL")
def test_a_consumer_delivers_queued_mail_from_redis_kept_sealed(another_app):
    jobs_app = another_app(
        CIRCLES_JOBS_IMMEDIATE=False, CIRCLES_JOBS_URL=os.environ["TEST_REDIS_URL"]
    )
    queue: JobQueue = jobs_app.extensions["circles_jobs"]
    queue.huey.storage.flush_all()
    outbox = jobs_app.extensions["circles_mail"].outbox
    queue_a_reset_mail(jobs_app)
    stored = b"".join(queue.huey.storage.enqueued_items())
    assert queue.huey.pending_count() == 1
    assert b"kai@example.org" not in stored and RESET_LINK.encode() not in stored
    with running_consumer(queue):
        assert eventually(lambda: len(outbox) == 1)
    assert outbox[0].to == "kai@example.org"
    queue.huey.storage.flush_all()


def test_flask_jobs_runs_a_consumer_process(app, another_app, tmp_path):
    """``flask jobs`` (what ``make run`` starts) builds the app and delivers what was queued."""
    jobs_url = f"sqlite:///{tmp_path / 'jobs.sqlite3'}"
    queue_a_reset_mail(another_app(CIRCLES_JOBS_IMMEDIATE=False, CIRCLES_JOBS_URL=jobs_url))
    env = {
        **os.environ,
        "FLASK_APP": "circles",
        "CIRCLES_INSTANCE_PATH": str(tmp_path / "instance"),
        "CIRCLES_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "CIRCLES_SECRET_KEY": factories.SECRET_KEY,
        "CIRCLES_MAIL_BACKEND": "console",
        "CIRCLES_JOBS_URL": jobs_url,
        "CIRCLES_JOBS_IMMEDIATE": "0",
        "PYTHONUNBUFFERED": "1",
    }
    flask = Path(sys.executable).with_name("flask")
    consumer = subprocess.Popen(
        [str(flask), "jobs", "--workers", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    try:
        assert consumer.stdout is not None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not any(RESET_LINK in line for line in lines):
            line = consumer.stdout.readline()
            if not line:
                break
            lines.append(line)
    finally:
        consumer.terminate()
        consumer.wait(timeout=15)
        if consumer.stdout is not None:
            consumer.stdout.close()
    assert any("--- mail to kai@example.org" in line for line in lines), "".join(lines)
    assert any(RESET_LINK in line for line in lines)


def test_periodic_work_is_scheduled_by_the_queue(app):
    huey = app.extensions["circles_jobs"].huey

    def due_at(hour: int, minute: int) -> set[str]:
        return {task.name for task in huey.read_periodic(datetime(2026, 3, 2, hour, minute))}

    assert due_at(9, 0) == {
        "queue_meeting_reminders",
        "queue_checkin_reminders",
        "queue_plan_reminders",
    }
    assert due_at(14, 5) == {"queue_meeting_reminders"}
    assert due_at(14, 15) == {"queue_meeting_reminders", "queue_plan_reminders"}
    assert due_at(14, 17) == {"purge"}
    assert due_at(14, 37) == {"release_checkins"}


@pytest.mark.parametrize(
    "name",
    [
        "queue_meeting_reminders",
        "queue_checkin_reminders",
        "purge",
        "release_checkins",
        "queue_plan_reminders",
    ],
)
def test_each_periodic_job_runs_cleanly_on_its_own(app, caplog, name):
    caplog.set_level(logging.INFO)
    app.extensions["circles_jobs"].enqueue(name)  # immediate mode: runs here and now
    assert "Unhandled exception" not in caplog.text and "gave up" not in caplog.text


def test_a_support_request_queues_its_mail_and_never_waits_for_the_mail_server(
    another_app, make, tmp_path
):
    jobs_app = another_app(
        CIRCLES_JOBS_IMMEDIATE=False, CIRCLES_JOBS_URL=f"sqlite:///{tmp_path / 'jobs.sqlite3'}"
    )
    fran = make.create_user("Fran")
    circle = make.create_circle(make.create_org(owner=fran), fran)
    sam = make.create_user("Sam")
    make.add_member(circle, sam, "Sam")
    with failing_mail(jobs_app) as failing:
        response = client_for(jobs_app, sam).post(
            f"/circles/{circle.id}/support", data={"message": "A hard week.", "back": "circle"}
        )
    assert response.status_code == 302
    assert failing.tries == 0  # nothing was sent inside the request
    assert jobs_app.extensions["circles_jobs"].huey.pending_count() == 1  # one per facilitator

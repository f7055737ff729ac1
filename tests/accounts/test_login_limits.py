"""Limits that stop guessing without locking anyone out, and account mail nobody can flood."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator

import pytest
import requests
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from circles.accounts import devices
from circles.accounts.services import make_reset_token
from circles.extensions import db
from tests import factories as f

WRONG = "wrong guess here"


def log_in(client: FlaskClient, email: str, password: str, address: str = "192.0.2.1") -> int:
    response = client.post(
        "/login",
        data={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )
    return response.status_code


@pytest.fixture
def small_limits(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "CIRCLES_LOGIN_LIMIT_PER_IP", "20 per 10 minutes")
    monkeypatch.setitem(app.config, "CIRCLES_LOGIN_LIMIT_PER_ACCOUNT", "30 per hour")


def test_a_clinic_network_logs_in_freely_only_failures_count(app, make, small_limits):
    people = [make.create_user() for _ in range(25)]
    statuses = [log_in(app.test_client(), p.email, f.PASSWORD) for p in people]
    assert statuses == [302] * 25  # 25 people behind one address, within ten minutes
    for n in range(20):
        log_in(app.test_client(), f"nobody{n}@example.org", WRONG)
    assert log_in(app.test_client(), people[0].email, f.PASSWORD) == 429


def test_strangers_guessing_from_many_addresses_never_lock_the_owner_out(app, make, small_limits):
    owner = make.create_user()
    laptop = app.test_client()
    assert log_in(laptop, owner.email, f.PASSWORD) == 302  # the owner's own browser, earlier
    assert laptop.get_cookie(devices.COOKIE) is not None
    laptop.post("/logout", data={})

    for n in range(30):  # 30 wrong passwords from 30 addresses
        assert log_in(app.test_client(), owner.email, WRONG, f"198.51.100.{n + 1}") == 200
    # An unknown browser now meets the account-wide limit, even with the right password...
    assert log_in(app.test_client(), owner.email, f.PASSWORD, "203.0.113.5") == 429
    # ...but the owner's own browser still logs in, from anywhere.
    assert log_in(laptop, owner.email, f.PASSWORD, "203.0.113.9") == 302


def test_a_known_browser_is_held_to_its_own_limit(app, make):
    owner = make.create_user()
    laptop, phone = app.test_client(), app.test_client()
    for browser in (laptop, phone):
        assert log_in(browser, owner.email, f.PASSWORD) == 302
        browser.post("/logout", data={})
    statuses = [log_in(laptop, owner.email, WRONG) for _ in range(6)]
    assert statuses == [200] * 5 + [429]  # CIRCLES_LOGIN_LIMIT_PER_DEVICE: 5 in 10 minutes
    assert log_in(laptop, owner.email, f.PASSWORD) == 429
    assert log_in(phone, owner.email, f.PASSWORD) == 302  # another browser of theirs is fine


def test_the_cookie_vouches_only_for_the_accounts_that_logged_in_with_it(app, make, small_limits):
    mine, theirs = make.create_user(), make.create_user()
    browser = app.test_client()
    assert log_in(browser, mine.email, f.PASSWORD) == 302
    browser.post("/logout", data={})
    # Someone who has their own account cannot use its cookie to guess another's password.
    for n in range(30):
        log_in(app.test_client(), theirs.email, WRONG, f"198.51.100.{n + 1}")
    assert log_in(browser, theirs.email, f.PASSWORD) == 429


def test_a_forged_or_foreign_cookie_is_ignored(app, make, small_limits):
    owner = make.create_user()
    for n in range(30):
        log_in(app.test_client(), owner.email, WRONG, f"198.51.100.{n + 1}")
    forger = app.test_client()
    with app.test_request_context():
        from circles.accounts.models import User

        tag = devices._tag(db.session.get(User, owner.id))
    forger.set_cookie(devices.COOKIE, f'{{"n": "x", "a": ["{tag}"]}}')
    assert log_in(forger, owner.email, f.PASSWORD) == 429
    other = app.test_client()
    other.set_cookie(devices.COOKIE, "not even signed")
    assert log_in(other, owner.email, f.PASSWORD) == 429


def test_reset_mail_to_one_inbox_is_limited_whoever_asks(app, make, outbox):
    owner = make.create_user()
    for n in range(15):  # 15 requests from 15 addresses
        response = app.test_client().post(
            "/password/forgot",
            data={"email": owner.email},
            environ_base={"REMOTE_ADDR": f"198.51.100.{n + 1}"},
        )
        assert response.status_code == 302  # the same answer every time
    assert len(outbox) == 3


def test_links_in_mail_never_follow_the_host_header(app, make, outbox, monkeypatch):
    monkeypatch.setitem(app.config, "CIRCLES_BASE_URL", None)  # `flask run` without the setting
    owner = make.create_user()
    app.test_client().post(
        "/password/forgot",
        data={"email": owner.email},
        base_url="http://127.0.0.1:5001",  # where the server listens (its socket, not a header)
        headers={"Host": "evil.example", "X-Forwarded-Host": "evil.example"},
    )
    (mail,) = outbox
    assert "evil.example" not in mail.body
    assert "http://127.0.0.1:5001/password/reset/" in mail.body


@pytest.fixture
def served_app(app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def test_the_server_log_never_holds_a_token(app, make, served_app, caplog):
    owner = make.create_user()
    with app.app_context():
        reset = make_reset_token(db.session.merge(owner))
    secrets_used = {
        "reset": reset,
        "invite": "Invitation0Token0That0Is0Long0Enough0x",
        "feed": "Calendar0Feed0Token0Long0Enough0000000",
        "signup": "Signup0Confirm0Token0Long0Enough000000",
        "sid": "EngineIoSid000000001",
    }
    paths = [
        f"/password/reset/{reset}",
        f"/join/{secrets_used['invite']}",
        f"/team/join/{secrets_used['invite']}",
        f"/calendar/{secrets_used['feed']}.ics",
        f"/signup/confirm/{secrets_used['signup']}",
        f"/socket.io/?EIO=4&transport=polling&sid={secrets_used['sid']}",
    ]
    paths += [
        f"/login?next=/join/{secrets_used['invite']}",  # where /join/<token> sends visitors
        f"/password/reset/{reset}/",  # no such page, and a signed token has dots
    ]
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        for path in paths:
            requests.get(served_app + path, timeout=10, allow_redirects=False)
        # Redirects followed, as a browser does: /join/<token> -> /login?next=/join/<token>
        requests.get(served_app + f"/join/{secrets_used['invite']}", timeout=10)
    lines = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert len(lines) >= len(paths)
    text = "\n".join(lines)
    for secret in secrets_used.values():
        assert secret not in text
    assert text.count("[redacted]") >= len(paths)
    assert re.search(r"GET /password/reset/\[redacted\] HTTP", text)


def test_gunicorn_access_log_atoms_lose_their_secrets(app):
    from circles.logs import RedactSecrets

    token = "Invitation0Token0That0Is0Long0Enough0x"
    record = logging.LogRecord(
        "gunicorn.access", logging.INFO, __file__, 1, "%(r)s %(U)s %(q)s %(f)s", None, None
    )
    record.args = {
        "r": f"GET /join/{token}?x=1 HTTP/1.1",
        "U": f"/join/{token}",
        "q": f"next=/join/{token}&sid=abc",
        "f": f"https://circles.example/login?next=/join/{token}",
        "s": 302,
    }
    RedactSecrets(app.url_map).filter(record)
    line = record.getMessage()
    assert token not in line and "abc" not in line
    assert line.count("[redacted]") == 5


def test_a_browser_that_got_in_with_a_stolen_password_is_not_trusted_after_a_reset(
    app, make, small_limits
):
    owner = make.create_user()
    thief = app.test_client()
    assert log_in(thief, owner.email, f.PASSWORD) == 302
    with app.app_context():
        from circles.accounts import services
        from circles.accounts.models import User

        services.set_password(db.session.get(User, owner.id), "a brand new password")
        db.session.commit()
    for n in range(30):
        log_in(app.test_client(), owner.email, WRONG, f"198.51.100.{n + 1}")
    # The thief's browser is a stranger again: the account-wide limit holds it too.
    assert log_in(thief, owner.email, "a brand new password") == 429


def test_the_reset_form_does_the_same_work_for_every_address(another_app, make, tmp_path):
    """No time difference to measure: the request queues one sealed job, whatever the address."""
    from circles.jobs import JobQueue

    owner = make.create_user()
    jobs_app = another_app(
        CIRCLES_JOBS_IMMEDIATE=False, CIRCLES_JOBS_URL=f"sqlite:///{tmp_path / 'jobs.sqlite3'}"
    )
    queue: JobQueue = jobs_app.extensions["circles_jobs"]
    work = {}
    for email in (owner.email, "nobody@example.org"):
        before = queue.huey.pending_count()
        statements: list[str] = []
        with jobs_app.app_context():
            engine = db.engine

        def record(conn, cursor, statement, *args, into=statements):
            into.append(statement)

        sa.event.listen(engine, "before_cursor_execute", record)
        try:
            response = jobs_app.test_client().post("/password/forgot", data={"email": email})
        finally:
            sa.event.remove(engine, "before_cursor_execute", record)
        assert response.status_code == 302
        assert queue.huey.pending_count() == before + 1
        work[email] = statements
    assert work[owner.email] == work["nobody@example.org"]
    assert not any("users" in statement for statement in work[owner.email])
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("jobs.sqlite3*"))
    assert owner.email.encode() not in stored and b"nobody@example.org" not in stored

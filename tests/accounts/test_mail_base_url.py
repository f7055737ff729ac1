"""Links in mail point where the app is served: CIRCLES_BASE_URL, or in development without it,
the address the development server listens on, in jobs (another process) too."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from circles.accounts.reset import request_reset
from circles.mail import MemoryMailSender
from circles.urls import SERVED_AT_FILE, external_url


@pytest.fixture
def served_at_file(app: Flask) -> Iterator[Path]:
    path = Path(app.instance_path) / SERVED_AT_FILE
    path.unlink(missing_ok=True)
    yield path
    path.unlink(missing_ok=True)


def test_the_job_consumer_links_to_the_port_the_app_is_served_on(
    app, another_app, make, served_at_file
):
    # `flask run --port 5001` without CIRCLES_BASE_URL: the app serves one page.
    web = another_app(CIRCLES_BASE_URL=None)
    web.test_client().get("/help", base_url="http://127.0.0.1:5001")
    assert served_at_file.read_text().strip() == "http://127.0.0.1:5001"

    # `flask jobs`: its own app, in its own process, never sees a request.
    consumer = another_app(CIRCLES_BASE_URL=None, CIRCLES_JOBS_IMMEDIATE=True)
    consumer.extensions["circles_mail"] = outbox = MemoryMailSender()
    user = make.create_user()
    with consumer.app_context():
        assert external_url("accounts.login") == "http://127.0.0.1:5001/login"
        request_reset(user.email)  # the reset job builds its link in the consumer
    (mail,) = outbox.outbox
    assert "http://127.0.0.1:5001/password/reset/" in mail.body


def test_without_a_served_address_yet_links_use_the_default(another_app, served_at_file):
    consumer = another_app(CIRCLES_BASE_URL=None)
    with consumer.app_context():
        assert external_url("accounts.login") == "http://127.0.0.1:5000/login"


def test_a_server_listening_on_every_interface_links_to_the_loopback(another_app, served_at_file):
    web = another_app(CIRCLES_BASE_URL=None)
    with web.test_request_context(
        "/", environ_overrides={"SERVER_NAME": "0.0.0.0", "SERVER_PORT": "8000"}
    ):
        assert external_url("accounts.login") == "http://127.0.0.1:8000/login"


def test_the_setting_wins_and_nothing_is_noted(app, served_at_file):
    app.test_client().get("/help", base_url="http://127.0.0.1:5001")
    assert not served_at_file.exists()
    with app.app_context():
        assert external_url("accounts.login") == "http://circles.test/login"


def test_production_never_builds_links_without_the_setting(another_app, served_at_file):
    prod = another_app(CIRCLES_BASE_URL=None, CIRCLES_PRODUCTION=True)
    prod.test_client().get("/help", base_url="http://evil.example")
    assert not served_at_file.exists()
    with (
        prod.test_request_context("/", base_url="http://evil.example"),
        pytest.raises(RuntimeError, match="CIRCLES_BASE_URL"),
    ):
        external_url("accounts.login")

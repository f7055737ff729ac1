"""Redis stops and comes back: pages and logins keep working, /health says so honestly, and
live rooms on other processes catch up on what they missed without a reload.

Each test starts a Redis of its own (``redis-server`` on a free port), stops it and starts it
again; the shared Redis is never touched. CI sets TEST_REDIS_URL, and has the binary.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Iterator

import pytest
import redis
import requests

from circles.live import queue
from tests.factories import PASSWORD
from tests.live.conftest import TEXT_PROMPT
from tests.live.test_restart import free_port, start_server

pytestmark = pytest.mark.skipif(
    not os.environ.get("TEST_REDIS_URL"), reason="needs TEST_REDIS_URL (and redis-server)"
)


class OwnRedis:
    """A redis-server of the test's own, on a port of its own, that it may stop and start."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        binary = shutil.which("redis-server")
        assert binary, "redis-server is needed for the outage tests"
        options = ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), *options],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.2)
        deadline = time.monotonic() + 10
        try:
            while True:
                try:
                    client.ping()
                    return
                except redis.ConnectionError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.05)
        finally:
            client.close()

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def own_redis() -> Iterator[OwnRedis]:
    server = OwnRedis()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def processes(app, tmp_path, own_redis) -> Iterator[list[str]]:
    """Two app processes on the test database and the test's own Redis; their URLs."""
    ports = [free_port(), free_port()]
    started = [
        start_server(app, port, tmp_path / name, own_redis.url)
        for port, name in zip(ports, "ab", strict=True)
    ]
    yield [f"http://127.0.0.1:{port}" for port in ports]
    for process in started:
        process.kill()
        process.wait(timeout=10)


def csrf_token(browser: requests.Session, url: str) -> str:
    page = browser.get(url, timeout=10)
    assert page.status_code == 200, page.status_code
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, "the form has a CSRF token"
    return found.group(1)


def post_form(browser: requests.Session, url: str, **fields: str) -> requests.Response:
    """Fill in and send the form on ``url`` as a browser would (a fresh CSRF token each time)."""
    data = {"csrf_token": csrf_token(browser, url), **fields}
    return browser.post(url, data=data, allow_redirects=False, timeout=10)


def health(base: str) -> tuple[int, dict[str, object]]:
    response = requests.get(f"{base}/health", timeout=10)
    return response.status_code, response.json()


def wait_for_health(base: str, status: str, within: float = 15) -> dict[str, object]:
    deadline = time.monotonic() + within
    while True:
        code, body = health(base)
        if body["status"] == status or time.monotonic() > deadline:
            assert code == 200
            assert body["status"] == status, body
            return body
        time.sleep(0.2)


def test_with_redis_stopped_people_still_log_in_and_reset_passwords(make, processes, own_redis):
    base = processes[0]
    lou = make.create_user("Lou")
    assert health(base) == (200, {"status": "ok"})

    own_redis.stop()

    started = time.monotonic()
    browser = requests.Session()
    login = post_form(browser, f"{base}/login", email=lou.email, password=PASSWORD)
    assert login.status_code == 302, login.status_code  # logged in: off to the home page
    assert browser.get(f"{base}/", timeout=10).status_code == 200
    stranger = requests.Session()
    wrong = post_form(stranger, f"{base}/login", email=lou.email, password="not the password")
    assert wrong.status_code in (200, 400)  # a wrong password is still just a wrong password
    # Guessing is still limited, counted in the process's memory meanwhile.
    answers = [
        post_form(stranger, f"{base}/login", email=lou.email, password="a guess").status_code
        for _ in range(30)
    ]
    assert 429 in answers and 500 not in answers
    reset = post_form(stranger, f"{base}/password/forgot", email=lou.email)
    assert reset.status_code == 302, reset.status_code
    signup = post_form(
        requests.Session(),
        f"{base}/signup",
        display_name="Kim",
        email="kim@example.org",
        password="a long enough password",
        confirm="a long enough password",
        timezone="UTC",
        account_kind="member",
    )
    assert signup.status_code < 500, signup.status_code
    assert time.monotonic() - started < 20  # nothing waits long on the missing Redis

    body = wait_for_health(base, "degraded", within=5)
    assert body == {"status": "degraded", "unreachable": ["redis"]}  # and nothing more

    own_redis.start()
    assert wait_for_health(base, "ok") == {"status": "ok"}

    # The limits go back to Redis: failed logins are counted there again (within the
    # limiter's back-off, which waits up to a few seconds between checks).
    counted = redis.Redis.from_url(own_redis.url)
    deadline = time.monotonic() + 20
    while not counted.keys("LIMITS*") and time.monotonic() < deadline:
        post_form(requests.Session(), f"{base}/password/forgot", email="nobody@example.org")
        time.sleep(1)
    assert counted.keys("LIMITS*")
    counted.close()


def test_a_broadcast_made_while_redis_is_down_reaches_the_other_process_once_it_is_back(
    connect, room, processes, own_redis
):
    url_a, url_b = processes
    s = room["session"].id
    fran = connect(room["fran"], url=url_a)
    members = {name: connect(room[name], url=url_b) for name in ("mo", "nic")}
    for client in (fran, *members.values()):
        assert client.call("join", {"session": s})["ok"]
    # The queue works: Fran's process reaches the members' one.
    assert fran.call("timer.start", {"session": s, "seconds": 300})["ok"]
    for client in members.values():
        assert client.wait_for("timer", timeout=5)["ends_at"]

    own_redis.stop()
    opened = fran.call("prompt.open", {"session": s, "prompt": TEXT_PROMPT}, timeout=10)
    assert opened["ok"], opened  # saved, though no other process hears of it yet
    for client in members.values():
        assert client.received("prompt.opened", within=1) == []

    own_redis.start()
    for client in members.values():
        # Told to catch up, the client joins again and finds the prompt it missed.
        assert client.wait_for("resync", timeout=20) == {"reason": "broadcasts_missed"}
        state = client.call("join", {"session": s})["state"]
        assert state["prompt"]["id"] == opened["prompt"]["id"]
        assert state["you"]["answered"] is False

    # Later broadcasts flow as before, both ways.
    submit = {"session": s, "prompt_id": opened["prompt"]["id"], "value": "Here", "client_id": "1"}
    assert members["mo"].call("response.submit", submit)["ok"]
    assert fran.wait_for("response.count", timeout=10)["count"] == 1
    assert fran.call("prompt.reveal", {"session": s, "prompt_id": opened["prompt"]["id"]})["ok"]
    for client in members.values():
        revealed = client.wait_for("prompt.revealed", timeout=10)
        assert [r["value"] for r in revealed["responses"]] == ["Here"]


def test_a_subscription_that_goes_silent_is_noticed_and_rooms_resynchronise(own_redis, monkeypatch):
    # Redis frozen rather than stopped: no connection closes, only the answers stop coming.
    monkeypatch.setattr(queue, "PING_EVERY", 0.3)
    monkeypatch.setattr(queue, "PONG_WAIT", 0.5)
    manager = queue.SteadyRedisManager(own_redis.url, channel="circles-outage-test")
    manager.json = json
    causes: list[str] = []
    manager.on_resync(causes.append)
    received: list[dict[str, object]] = []

    def listen() -> None:
        for data in manager._listen():
            received.append(data)
            if data.get("n") == 2:
                break
        manager._close_subscriber()

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    publisher = redis.Redis.from_url(own_redis.url)

    def publish_until_received(n: int) -> None:
        deadline = time.monotonic() + 10
        while {"n": n} not in received and time.monotonic() < deadline:
            publisher.publish("circles-outage-test", json.dumps({"n": n}))
            time.sleep(0.2)
        assert {"n": n} in received

    publish_until_received(1)
    assert own_redis.process is not None
    own_redis.process.send_signal(signal.SIGSTOP)
    time.sleep(2)  # several pings go unanswered
    assert causes == []
    own_redis.process.send_signal(signal.SIGCONT)
    deadline = time.monotonic() + 10
    while not causes and time.monotonic() < deadline:
        time.sleep(0.1)
    assert causes == ["the subscription to Redis was lost"]
    publish_until_received(2)
    listener.join(timeout=5)
    publisher.close()

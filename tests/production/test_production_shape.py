"""The production shape, as docs/operations.md describes it and users run it: nginx with
``ip_hash`` in front of two gunicorn/gevent processes sharing PostgreSQL and Redis. A live
session runs through it with people on both processes, some on WebSocket and some on
long-polling (which only works when every request of a client reaches the same process), and
every event arrives exactly once."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.live.conftest import ORIGIN, TEXT_PROMPT, LiveClient, answer_all_at_once, cookie_for
from tests.production.clients import RecordingClient, connect_live, http_session, loopback
from tests.production.stack import Stack, production_stack

NGINX = os.environ.get("TEST_NGINX")
DATABASE = os.environ.get("TEST_DATABASE_URL")
REDIS = os.environ.get("TEST_REDIS_URL")

pytestmark = pytest.mark.skipif(
    not (NGINX and DATABASE and REDIS),
    reason="needs TEST_NGINX (the nginx binary), TEST_DATABASE_URL and TEST_REDIS_URL",
)

#: Where each person sits: the process (0 or 1, as nginx picks) and the transport.
FACILITATORS = {"Fran": (0, "websocket"), "Gil": (1, "polling")}
MEMBERS = {
    **{f"Web {p}.{n}": (p, "websocket") for p in (0, 1) for n in (1, 2)},
    **{f"Poll {p}.{n}": (p, "polling") for p in (0, 1) for n in (1, 2)},
}
CANDIDATES = 40  # client addresses to sort by process; ip_hash spreads them about evenly


@pytest.fixture
def stack(app: Any, tmp_path: Path) -> Iterator[Stack]:
    env = {
        **os.environ,
        "CIRCLES_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "CIRCLES_REDIS_URL": str(REDIS),
        "CIRCLES_SECRET_KEY": app.secret_key,
        "CIRCLES_BASE_URL": ORIGIN,
        "CIRCLES_PROXY_HOPS": "1",
        "CIRCLES_MAIL_BACKEND": "memory",
        "CIRCLES_ARGON2_MEMORY_COST": "64",
        "CIRCLES_ARGON2_TIME_COST": "1",
    }
    with production_stack(str(NGINX), tmp_path, env) as running:
        yield running


def processes_serving(stack: Stack, address: str, timeout: float = 5) -> set[int]:
    """The processes nginx has sent requests from ``address`` to."""
    deadline = time.monotonic() + timeout
    while True:
        found = {backend for client, backend, _ in stack.routed() if client == address}
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def addresses_by_process(stack: Stack) -> list[list[str]]:
    """Client addresses sorted by the process nginx sends them to (one request each)."""
    by_process: list[list[str]] = [[] for _ in stack.backends]
    for n in range(1, CANDIDATES + 1):
        address = loopback(n)
        with http_session(address) as session:
            assert session.get(f"{stack.url}/health", timeout=5).status_code == 200
        (process,) = processes_serving(stack, address)
        by_process[process].append(address)
    return by_process


def highest_count(facilitator: LiveClient, prompt_id: int, expected: int) -> int:
    """The count the page shows once the answers are in: the highest received for the prompt."""
    highest, deadline = 0, time.monotonic() + 3
    while highest < expected and time.monotonic() < deadline:
        for data in facilitator.received("response.count", within=0.2):
            if data["prompt_id"] == prompt_id:
                highest = max(highest, data["count"])
    return highest


def test_a_live_session_through_nginx_reaches_everyone_once_on_both_transports(app, make, stack):
    fran, gil = make.create_user("Fran"), make.create_user("Gil")
    circle = make.create_circle(make.create_org(owner=fran), fran, "Production circle", capacity=20)
    make.add_facilitator(circle, gil, "Gil")
    people = {"Fran": fran, "Gil": gil}
    for name in MEMBERS:
        people[name] = make.create_user(name)
        make.add_member(circle, people[name], name)
    session_id = make.live_session(circle, fran).id

    free = addresses_by_process(stack)
    assert all(len(a) >= 5 for a in free), f"ip_hash put the candidates on one process: {free}"
    placed = {**FACILITATORS, **MEMBERS}
    address = {name: free[process].pop() for name, (process, _) in placed.items()}
    clients: dict[str, RecordingClient] = {}
    try:
        for name, (_, transport) in placed.items():
            cookie = cookie_for(app, people[name])
            clients[name] = connect_live(stack.url, address[name], cookie, transport)
            ack = clients[name].call("join", {"session": session_id}, timeout=10)
            assert ack["ok"], (name, ack)
        members = [clients[name] for name in MEMBERS]

        opened = clients["Fran"].call(
            "prompt.open", {"session": session_id, "prompt": TEXT_PROMPT}, timeout=10
        )
        prompt_id = opened["prompt"]["id"]
        for client in clients.values():
            client.await_event("prompt.opened", prompt_id)

        acks = answer_all_at_once(members, session_id, prompt_id)
        assert acks == [{"ok": True}] * len(members)
        counts = {
            name: highest_count(clients[name], prompt_id, len(members)) for name in FACILITATORS
        }
        assert counts == {name: len(members) for name in FACILITATORS}

        # The facilitator on long-polling reveals; everyone, on either process, sees every answer.
        reveal = {"session": session_id, "prompt_id": prompt_id}
        assert clients["Gil"].call("prompt.reveal", reveal, timeout=10) == {"ok": True}
        answers = sorted(f"answer {n}" for n in range(len(members)))
        for client in clients.values():
            revealed = client.wait_for("prompt.revealed", timeout=10)
            assert sorted(r["value"] for r in revealed["responses"]) == answers

        # A later broadcast, after which a repeat of the earlier ones would have shown.
        later = clients["Gil"].call(
            "prompt.open", {"session": session_id, "prompt": TEXT_PROMPT}, timeout=10
        )["prompt"]["id"]
        for client in clients.values():
            client.await_event("prompt.opened", later)
        time.sleep(0.5)
        received = {
            name: [c.times(event, prompt_id) for event in ("prompt.opened", "prompt.revealed")]
            for name, c in clients.items()
        }
        assert received == {name: [1, 1] for name in clients}
    finally:
        for client in clients.values():
            client.close()

    # Every request of each client went to the one process ip_hash chose for it (WebSocket
    # requests are logged when they end), and both processes served both transports.
    for name, (process, _) in placed.items():
        assert processes_serving(stack, address[name]) == {process}, name
    routed = stack.routed()
    for transport in ("websocket", "polling"):
        used = {backend for _, backend, request in routed if f"transport={transport}" in request}
        assert used == {0, 1}, transport

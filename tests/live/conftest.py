"""Live-session fixtures: the app served on 127.0.0.1 and real python-socketio clients.

The built-in Socket.IO test client skips the handshake, the Origin check and the message queue,
so these tests connect real clients over WebSocket to a real server thread.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import os
import queue
import socket
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import socketio
import sqlalchemy as sa
from flask import Flask
from werkzeug.serving import make_server

from circles.extensions import db
from tests.conftest import client_for
from tests.live.racing import WAIT, Step

ORIGIN = "http://circles.test"  # the session app's CIRCLES_BASE_URL
_ids = itertools.count(1)


@contextlib.contextmanager
def served(app: Flask) -> Iterator[str]:
    """The app served on a free port of 127.0.0.1 by a thread; yields its URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-socket-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()  # the listening socket, or it is left to the garbage collector
        # A WebSocket whose client dropped it leaves its accepted socket, unclosed, to the
        # garbage collector once its handler thread ends: collect those here, where they are
        # expected, rather than in whichever test is running then (where -W error fails it).
        time.sleep(0.5)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            gc.collect()


@pytest.fixture(scope="session")
def server_url(app: Flask) -> Iterator[str]:
    with served(app) as url:
        yield url


def cookie_for(app: Flask, user: Any) -> str:
    """The session cookie of a fresh login for ``user``."""
    client = client_for(app, user)
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert cookie is not None
    return f"{cookie.key}={cookie.value}"


@dataclass
class LiveClient:
    """A python-socketio client that records every event it receives."""

    sio: socketio.Client
    events: queue.Queue[tuple[str, Any]] = field(default_factory=queue.Queue)
    seen: list[tuple[str, Any]] = field(default_factory=list)

    def call(self, event: str, payload: Any = None, timeout: float = 5) -> Any:
        return self.sio.call(event, payload, namespace="/live", timeout=timeout)

    def wait_for(self, event: str, timeout: float = 5) -> Any:
        """The next ``event`` received (earlier unrelated events are kept in ``seen``)."""
        for name, data in self.seen:
            if name == event:
                self.seen.remove((name, data))
                return data
        while True:
            name, data = self.events.get(timeout=timeout)
            if name == event:
                return data
            self.seen.append((name, data))

    def received(self, event: str, within: float = 0.5) -> list[Any]:
        """Every ``event`` that arrives within a short while (for "nothing arrives" checks)."""
        found = [data for name, data in self.seen if name == event]
        self.seen = [(n, d) for n, d in self.seen if n != event]
        try:
            while True:
                name, data = self.events.get(timeout=within)
                if name == event:
                    found.append(data)
                else:
                    self.seen.append((name, data))
        except queue.Empty:
            return found

    def close(self) -> None:
        """Drop the connection at once (a closing handshake with the threaded test server waits
        out websocket-client's 3-second timeout); the server sees a disconnect either way."""
        ws = getattr(self.sio.eio, "ws", None)
        if self.sio.connected and ws is not None and ws.sock is not None:
            with contextlib.suppress(OSError):
                ws.sock.shutdown(socket.SHUT_RDWR)  # wakes the client's reader at once
        self.sio.disconnect()


@pytest.fixture
def connect(app: Flask, server_url: str) -> Iterator[Any]:
    """``connect(user)``: a connected live client for that user (closed after the test)."""
    made: list[LiveClient] = []

    def build(
        user: Any = None,
        *,
        origin: str | None = ORIGIN,
        cookie: str | None = None,
        url: str | None = None,
        reconnection: bool = False,
        rejoin: int | None = None,
    ) -> LiveClient:
        # The WebSocket client sends an Origin of its own unless told which (or none).
        ws_options = {"origin": origin} if origin else {"suppress_origin": True}
        sio = socketio.Client(
            reconnection=reconnection,
            reconnection_delay=0.2,
            websocket_extra_options=ws_options,
        )
        client = LiveClient(sio)

        @sio.on("*", namespace="/live")
        def record(event: str, data: Any = None) -> None:
            client.events.put((event, data))

        if rejoin is not None:
            # What every real client does: join again on each (re)connect, take the state.
            @sio.on("connect", namespace="/live")
            def on_connect() -> None:
                def join() -> None:
                    ack = sio.call("join", {"session": rejoin}, namespace="/live", timeout=10)
                    client.events.put(("joined", ack))

                sio.start_background_task(join)

        headers = {}
        if cookie or user is not None:
            headers["Cookie"] = cookie or cookie_for(app, user)
        made.append(client)
        sio.connect(
            url or server_url,
            headers=headers,
            namespaces=["/live"],
            transports=["websocket"],
            wait_timeout=5,
        )
        return client

    yield build
    for client in made:
        client.close()


def new_client_id() -> str:
    return f"client-{next(_ids)}"


@pytest.fixture
def room(make):
    """Fran facilitates a circle with members Mo, Nic and Ola; its live room is open."""
    fran = make.create_user("Fran")
    org = make.create_org(owner=fran)
    circle = make.create_circle(org, fran, "Evening circle")
    people = {"fran": fran}
    for name in ("Mo", "Nic", "Ola"):
        user = make.create_user(name)
        make.add_member(circle, user, name)
        people[name.lower()] = user
    session = make.live_session(circle, fran)
    return {"circle": circle, "session": session, **people}


def eventually(check: Callable[[], bool], timeout: float = 5.0) -> bool:
    """Whether ``check`` comes true within ``timeout`` seconds (it is asked every 20 ms)."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def joined(connect, room, *names):
    clients = {}
    for name in names:
        client = connect(room[name])
        ack = client.call("join", {"session": room["session"].id})
        assert ack["ok"] is True, ack
        client.state = ack["state"]
        clients[name] = client
    return clients


TEXT_PROMPT = {"kind": "text", "text": "What are you carrying into this week?", "anonymous": True}


def answer_all_at_once(members: list[Any], session_id: int, prompt_id: int) -> list[Any]:
    """Every member answers at the same moment; the acknowledgements, once all are in."""
    acks: list[Any] = [None] * len(members)
    done = threading.Semaphore(0)

    def keeper(index: int) -> Any:
        def keep(ack: Any) -> None:
            acks[index] = ack
            done.release()

        return keep

    for index, member in enumerate(members):
        payload = {
            "session": session_id,
            "prompt_id": prompt_id,
            "value": f"answer {index}",
            "client_id": f"{prompt_id}-{index}",
        }
        member.sio.emit("response.submit", payload, namespace="/live", callback=keeper(index))
    for _ in members:
        assert done.acquire(timeout=10), f"answers not acknowledged: {acks}"
    return acks


@pytest.fixture
def steps(app: Flask) -> Iterator[Callable[[Callable[[Step], Any]], Step]]:
    """``steps(work)``: a started Step; each is let go and finished after the test.

    PostgreSQL only: SQLite lets one writer in at a time (each batch takes the write lock before
    it reads), so its transactions cannot interleave like this.
    """
    if not os.environ.get("TEST_DATABASE_URL"):
        pytest.skip("needs TEST_DATABASE_URL (row-level races)")
    made: list[Step] = []

    def after_cursor_execute(*args: Any) -> None:
        for step in made:
            step.after_statement()

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "after_cursor_execute", after_cursor_execute)

    def build(work: Callable[[Step], Any]) -> Step:
        step = Step(app, work)
        made.append(step)
        return step.start()

    yield build
    for step in made:
        step.go.set()
        step.thread.join(WAIT)
    sa.event.remove(engine, "after_cursor_execute", after_cursor_execute)

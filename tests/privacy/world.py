"""Three circles of ten act in a random order; copies of the database are taken as they go.

The scenario of the dump holder's attack (``test_unlinkable.py``): every member checks in, then
takes part in three anonymous live prompts (open text, a commitment, a scale), in an order drawn
anew for each thing, each answer waiting for its acknowledgement so that write order is exactly
that order. Three members of each circle pass the commitment and scale prompts (as the web page
sends a pass: no client id); on the text prompt everyone answers, and those who answer later
write longer answers, so the order in which people answered would tell whose answer is whose if a
copy kept it.
Copies are taken while check-ins wait (part-way through them), before the last reveal (its
answers waiting, sealed) and at the end. A fresh database of its own (a new SQLite file, or a
new PostgreSQL database) keeps other tests' pages and transactions out of the copies.
"""

from __future__ import annotations

import gc
import itertools
import os
import random
import re
import secrets
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import socketio
import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade

from circles import create_app
from circles.extensions import db
from circles.mail import MemoryMailSender
from tests import factories as f
from tests.conftest import client_for
from tests.live.conftest import ORIGIN, LiveClient, cookie_for, served
from tests.privacy.sqlite_file import SQLiteCopy

CIRCLES = 3
MEMBERS = 10
#: The builtin themes and practices a member may tick (how many varies, so sizes vary).
CHOICES = [
    *(("themes", k) for k in ("t_safety", "t_control", "t_grief", "t_relief", "t_anger")),
    *(("themes", k) for k in ("t_compassion", "t_selfcrit", "t_selfaccept")),
    *(("practices", k) for k in ("p_journal", "p_ground", "p_move", "p_talk", "p_action")),
    ("practices", "p_rest"),
]


@dataclass
class Truth:
    """Who gave what: known to the test, and what the attacker tries to find."""

    #: user id -> circle id
    circle_of: dict[int, int] = field(default_factory=dict)
    #: check-in, named by its five scores -> user id
    checkins: dict[tuple[int, ...], int] = field(default_factory=dict)
    #: (prompt id, value as stored) -> user id, for every anonymous live answer
    answers: dict[tuple[int, str], int] = field(default_factory=dict)
    #: prompt id -> circle id, and which prompts asked for commitments
    prompt_circle: dict[int, int] = field(default_factory=dict)
    commitment_prompts: set[int] = field(default_factory=set)
    #: prompt id -> the members who passed it (and so gave no answer)
    passed: dict[int, set[int]] = field(default_factory=dict)


class PgCopy:
    """What someone with the PostgreSQL database holds: a ``pg_dump`` and the live tables."""

    def __init__(self, url: str, engine: sa.Engine) -> None:
        name = sa.engine.make_url(url).database
        dump = subprocess.run(
            ["pg_dump", "--data-only", "-h", "127.0.0.1", "-U", "postgres", "-d", str(name)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        #: table -> (columns, rows as lists of text), rows in the order the dump writes them
        self.dump: dict[str, tuple[list[str], list[list[str]]]] = {}
        current: tuple[list[str], list[list[str]]] | None = None
        for line in dump.splitlines():
            match = re.match(r"COPY public\.(\w+) \((.*)\) FROM stdin;", line)
            if match:
                current = ([c.strip().strip('"') for c in match[2].split(",")], [])
                self.dump[match[1]] = current
            elif line == "\\.":
                current = None
            elif current is not None:
                current[1].append(line.split("\t"))
        #: table -> rows as dicts with their xmin, ctid and the size of each column
        self.rows: dict[str, list[dict[str, Any]]] = {}
        with engine.connect() as connection:
            tables = connection.scalars(
                sa.text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            ).all()
            for table in tables:
                result = connection.execute(
                    sa.text(
                        f"SELECT xmin::text::bigint AS xmin_, ctid::text AS ctid_, * FROM {table}"
                    )
                )
                self.rows[table] = [dict(row._mapping) for row in result]


@dataclass
class World:
    truth: Truth
    #: copy name -> ("sqlite", SQLiteCopy) or ("postgresql", PgCopy)
    copies: dict[str, Any]
    dialect: str


def _fresh_database(root: Path) -> tuple[str, Any]:
    """A database used by this scenario alone, and how to drop it afterwards."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        return f"sqlite:///{root / 'attack.sqlite3'}", lambda: None
    name = f"circles_attack_{secrets.token_hex(4)}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()

    return sa.engine.make_url(base).set(database=name).render_as_string(False), drop


def _connect(app: Flask, url: str, user: Any) -> LiveClient:
    sio = socketio.Client(reconnection=False, websocket_extra_options={"origin": ORIGIN})
    client = LiveClient(sio)

    @sio.on("*", namespace="/live")
    def record(event: str, data: Any = None) -> None:
        client.events.put((event, data))

    sio.connect(
        url,
        headers={"Cookie": cookie_for(app, user)},
        namespaces=["/live"],
        transports=["websocket"],
        wait_timeout=5,
    )
    return client


def _ok(ack: Any) -> Any:
    assert ack["ok"] is True, ack
    return ack


def play(session_app: Flask, root: Path) -> Iterator[World]:
    """Run the scenario on a database of its own; yields the copies, then drops the database."""
    url, drop = _fresh_database(root)
    app = create_app({**session_app.config, "SQLALCHEMY_DATABASE_URI": url})
    app.extensions["circles_mail"] = MemoryMailSender()
    clients: list[LiveClient] = []
    try:
        with app.app_context():
            upgrade()
        with served(app) as server:
            try:
                yield _act(app, url, server, root, clients)
            finally:
                for client in clients:
                    client.close()
                _wait_until_idle(
                    app
                )  # the server's disconnect handlers give their connections back
    finally:
        with app.app_context():
            db.engine.dispose()
        drop()
        gc.collect()  # a connection left open would warn here, not in some later test


def _wait_until_idle(app: Flask, seconds: float = 10) -> None:
    with app.app_context():
        pool = db.engine.pool
    deadline = time.monotonic() + seconds
    while getattr(pool, "checkedout", lambda: 0)() and time.monotonic() < deadline:
        time.sleep(0.05)


def _act(app: Flask, url: str, server: str, root: Path, clients: list[LiveClient]) -> World:
    rng = random.Random(secrets.randbits(64))
    truth = Truth()
    people: list[Any] = []
    facilitators: list[tuple[Any, int, int]] = []  # (user, circle id, live session id)
    with app.app_context():
        owner = f.create_user("Owner")
        org = f.create_org(owner=owner)
        for c in range(CIRCLES):
            facilitator = f.create_user(f"Facilitator {c}")
            f.add_staff(org, facilitator)
            circle = f.create_circle(org, facilitator, f"Circle {c}", capacity=MEMBERS + 2)
            f.set_up_checkins(circle)
            for _ in range(MEMBERS):
                member = f.create_user()
                f.add_member(circle, member)
                people.append(member)
                truth.circle_of[member.id] = circle.id
            facilitators.append((facilitator, circle.id, f.live_session(circle, facilitator).id))

    copies: dict[str, Any] = {}
    # Check-ins: distinct scores for everyone, a varying number of ticks, a random order; a copy
    # is taken half-way, with some circles released once and check-ins waiting in all of them.
    vectors = rng.sample(list(itertools.product(range(6), repeat=5)), len(people))
    order = rng.sample(people, len(people))
    for number, (member, scores) in enumerate(zip(order, vectors, strict=True)):
        if number == len(people) * 6 // 10:
            copies["while check-ins wait"] = _copy(app, url, root, "checking-in")
        ticked = rng.sample(CHOICES, rng.randint(0, len(CHOICES)))
        data: dict[str, Any] = {f"scale_wb{i + 1}": str(v) for i, v in enumerate(scores)}
        data["keep_copy"] = "y"
        for name, key in ticked:
            data.setdefault(name, []).append(key)
        client = client_for(app, member)
        response = client.post(f"/circles/{truth.circle_of[member.id]}/checkin", data=data)
        assert response.status_code == 302, response.text
        truth.checkins[tuple(scores)] = member.id

    # Live: everyone joins their circle's room.
    rooms = {circle_id: session_id for _, circle_id, session_id in facilitators}
    sockets: dict[int, LiveClient] = {}
    for facilitator, _, session_id in facilitators:
        sockets[facilitator.id] = _connect(app, server, facilitator)
        _ok(sockets[facilitator.id].call("join", {"session": session_id}))
    for member in people:
        sockets[member.id] = _connect(app, server, member)
        _ok(sockets[member.id].call("join", {"session": rooms[truth.circle_of[member.id]]}))
    clients.extend(sockets.values())

    dialect = "postgresql" if url.startswith("postgresql") else "sqlite"
    prompts = [
        {"kind": "text", "text": "What is with you tonight?", "anonymous": True},
        {"kind": "commitment", "text": "One small step this week?", "anonymous": True},
        {"kind": "scale", "text": "How settled are you?", "anonymous": True, "min": 0, "max": 10},
    ]
    for number, spec in enumerate(prompts):
        opened = {}
        for facilitator, circle_id, session_id in facilitators:
            ack = _ok(
                sockets[facilitator.id].call("prompt.open", {"session": session_id, "prompt": spec})
            )
            opened[circle_id] = ack["prompt"]["id"]
            truth.prompt_circle[ack["prompt"]["id"]] = circle_id
            if spec["kind"] == "commitment":
                truth.commitment_prompts.add(ack["prompt"]["id"])
        scale_values = {c: rng.sample(range(11), MEMBERS) for c in opened}
        # Three of each circle pass the commitment and scale prompts, as the web page does it.
        passing = set()
        if spec["kind"] != "text":
            for circle_id, prompt_id in opened.items():
                members = [m.id for m in people if truth.circle_of[m.id] == circle_id]
                truth.passed[prompt_id] = set(rng.sample(members, 3))
                passing |= truth.passed[prompt_id]
        for position, member in enumerate(rng.sample(people, len(people))):
            circle_id = truth.circle_of[member.id]
            prompt_id = opened[circle_id]
            session = rooms[circle_id]
            if member.id in passing:
                _ok(
                    sockets[member.id].call(
                        "response.pass", {"session": session, "prompt_id": prompt_id}
                    )
                )
                continue
            if spec["kind"] == "scale":
                value: Any = scale_values[circle_id].pop()
                stored = str(value)
            elif spec["kind"] == "text":
                # Those who answer later write more: the order people answered in would tell.
                value = stored = f"{secrets.token_hex(4)} " + "." * (10 * position)
            else:
                # A word of its own and a length of its own, so that text and size could tell.
                value = stored = f"{secrets.token_hex(4)} " + "." * rng.randint(0, 300)
            payload = {
                "session": session,
                "prompt_id": prompt_id,
                "value": value,
                "client_id": f"{secrets.token_hex(4)}-{position}",  # the web page's: time first
            }
            _ok(sockets[member.id].call("response.submit", payload))
            truth.answers[(prompt_id, stored)] = member.id
        if number == len(prompts) - 1:
            copies["before the last reveal"] = _copy(app, url, root, "before")
        for facilitator, circle_id, session_id in facilitators:
            _ok(
                sockets[facilitator.id].call(
                    "prompt.reveal", {"session": session_id, "prompt_id": opened[circle_id]}
                )
            )
        # A second after a reveal, the SQLite -wal no longer holds the submissions as they were
        # before it (circles.db.empty_write_ahead_log_soon); copies are taken from then on.
        time.sleep(1.5)
    copies["at the end"] = _copy(app, url, root, "end")
    return World(truth, copies, dialect)


def _copy(app: Flask, url: str, root: Path, name: str) -> SQLiteCopy | PgCopy:
    if url.startswith("sqlite"):
        return SQLiteCopy(Path(sa.engine.make_url(url).database or ""), root / name)
    with app.app_context():
        return PgCopy(url, db.engine)

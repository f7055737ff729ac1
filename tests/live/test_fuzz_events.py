"""Odd payloads for every live event of the event matrix: always an answer, never half a change.

Each event is sent by someone allowed to send it, with its payload as the matrix writes it and one
or two values replaced by odd ones: NUL and other control characters, lone surrogates, numbers
beyond any database integer, floats, nested lists and objects, long strings. Every event must be
acknowledged; a refusal must name what was wrong (never ``server_error``) and leave every table
as it was; and no control character may ever be stored. An event added to the matrix is fuzzed
with no change here.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from circles.extensions import db, limiter
from tests import factories as f
from tests.live.test_event_matrix import MATRIX, OK, EventCase, seed
from tests.pages import database_state
from tests.test_fuzz import unstorable_values

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))

odd_json: st.SearchStrategy[Any] = st.one_of(
    st.sampled_from(
        [
            "\x00",
            "calm\x00",
            "line\r\nbreak",
            "\x1b[2J\x07",
            "\ud800",
            "lone \udfff half",
            "",
            "x" * 60_000,
            10**30,
            -(10**30),
            2**63,
            -(2**63) - 1,
            2**31,
            -1,
            0,
            1.5,
            1e308,
            True,
            None,
            [],
            {},
            [[[[[[1]]]]]],
            {"a": {"b": {"c": {}}}},
            ["\x00"],
            [10**30],
        ]
    ),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.text(st.characters(categories=["Cc", "Cs", "Co"]), max_size=8),
)

FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def sender_for(case: EventCase) -> str:
    """Someone the event is for: a member for members' events, else a facilitator."""
    return "member" if case.expected.get("member") == OK else "facilitator"


def paths(payload: dict[str, Any]) -> list[tuple[str, ...]]:
    """Every key of the payload, nested ones too (a prompt's fields), and a stray one."""
    found: list[tuple[str, ...]] = [("stray",)]
    for key, value in payload.items():
        found.append((key,))
        if isinstance(value, dict):
            found += [(key, inner) for inner in value] + [(key, "stray")]
    return found


def replaced(payload: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    copy = {k: dict(v) if isinstance(v, dict) else v for k, v in payload.items()}
    target = copy
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return copy


class Room:
    """The seeded room, with the sender joined; seeded again whenever an event changed it."""

    def __init__(self, app: Flask, connect: Any, case: EventCase) -> None:
        self.app, self.connect, self.case = app, connect, case
        self.client: Any = None
        self.reset()

    def reset(self) -> None:
        if self.client is not None:
            self.client.close()
        with self.app.app_context():
            db.session.remove()
            with db.engine.begin() as conn:
                for table in reversed(db.metadata.sorted_tables):
                    conn.execute(table.delete())
            limiter.reset()
        world, self.seeded = seed(self.app)
        with self.app.app_context():
            user = db.session.get(f.User, world.users[sender_for(self.case)])
        self.client = self.connect(user)
        if self.case.event != "join":
            assert self.client.call("join", {"session": self.seeded.session})["ok"]

    def payload(self) -> dict[str, Any]:
        return {"session": self.seeded.session, **self.case.payload(self.seeded)}


def state(app: Flask) -> dict[str, list[tuple[Any, ...]]]:
    with app.app_context():
        return database_state()


def send(app: Flask, room: Room, payload: dict[str, Any]) -> None:
    before = state(app)
    ack = room.client.call(room.case.event, payload, timeout=10)
    after = state(app)
    assert isinstance(ack, dict) and isinstance(ack.get("ok"), bool), ack
    if not ack["ok"]:
        assert ack["error"]["code"] != "server_error", (room.case.event, payload.keys())
        assert after == before, f"{room.case.event}: refused, yet the database changed"
    assert not unstorable_values(before, after), room.case.event
    if after != before:
        room.reset()


@pytest.mark.parametrize("case", MATRIX, ids=lambda c: c.event)
def test_odd_payloads_are_answered_and_change_nothing_half_way(
    app: Flask, connect: Any, case: EventCase
) -> None:
    room = Room(app, connect, case)
    # Every value in turn as a NUL-laden string and as a number no database holds...
    for path in paths(room.payload()):
        for value in ("calm\x00", 10**30):
            send(app, room, replaced(room.payload(), path, value))

    # ...then odd values in one or two places at a time.
    @FUZZ
    @given(data=st.data())
    def fuzz(data: st.DataObject) -> None:
        payload = room.payload()
        chosen = data.draw(
            st.lists(st.sampled_from(paths(payload)), min_size=1, max_size=2, unique=True)
        )
        for path in chosen:
            payload = replaced(payload, path, data.draw(odd_json))
        send(app, room, payload)

    fuzz()

"""A grounding pause: a guided breathing pattern the facilitator starts for the whole room."""

from __future__ import annotations

from datetime import datetime

from circles.extensions import db
from circles.live.models import LiveSession
from tests.live.conftest import joined


def test_the_facilitator_starts_a_breathing_pause_for_everyone_in_step(connect, room):
    c = joined(connect, room, "fran", "mo")
    session = room["session"].id
    ack = c["fran"].call("grounding.start", {"session": session, "pattern": "box", "cycles": 3})
    assert ack["ok"] is True
    event = c["mo"].wait_for("grounding")["grounding"]
    assert ack["grounding"] == event
    assert event["pattern"] == "box"
    assert event["phases"] == [
        {"name": "in", "seconds": 4},
        {"name": "hold", "seconds": 4},
        {"name": "out", "seconds": 4},
        {"name": "hold", "seconds": 4},
    ]
    started = datetime.fromisoformat(event["started_at"])
    ends = datetime.fromisoformat(event["ends_at"])
    assert (ends - started).total_seconds() == 3 * 16
    assert started <= datetime.fromisoformat(event["now"]) < ends

    # Someone arriving now paces from the same start.
    late = connect(room["nic"]).call("join", {"session": session})["state"]["grounding"]
    assert late["started_at"] == event["started_at"] and late["ends_at"] == event["ends_at"]

    assert c["fran"].call("grounding.stop", {"session": session}) == {"ok": True}
    assert c["mo"].wait_for("grounding") == {"grounding": None}
    assert c["mo"].call("join", {"session": session})["state"]["grounding"] is None


def test_calm_breathing_and_its_defaults(connect, room):
    c = joined(connect, room, "fran", "mo")
    ack = c["fran"].call("grounding.start", {"session": room["session"].id, "pattern": "calm"})
    pause = ack["grounding"]
    assert [p["seconds"] for p in pause["phases"]] == [4, 6]
    length = datetime.fromisoformat(pause["ends_at"]) - datetime.fromisoformat(pause["started_at"])
    assert length.total_seconds() == 4 * 10  # four cycles unless asked


def test_only_facilitators_start_a_pause_and_only_known_patterns(connect, room):
    c = joined(connect, room, "fran", "mo")
    session = room["session"].id
    member = c["mo"].call("grounding.start", {"session": session, "pattern": "box"})
    assert member["error"]["code"] == "forbidden"
    assert c["mo"].call("grounding.stop", {"session": session})["error"]["code"] == "forbidden"
    for bad in (
        {"pattern": "hyper"},
        {"pattern": 3},
        {"cycles": 0},
        {"cycles": 21},
        {"cycles": "2"},
    ):
        answer = c["fran"].call("grounding.start", {"session": session, **bad})
        assert answer["ok"] is False and answer["error"]["code"] == "invalid", bad
    assert c["mo"].received("grounding") == []


def test_the_end_of_the_session_ends_the_pause(app, connect, room):
    c = joined(connect, room, "fran", "mo")
    session = room["session"].id
    c["fran"].call("grounding.start", {"session": session, "pattern": "box"})
    assert c["fran"].call("session.end", {"session": session})["ok"]
    with app.app_context():
        assert db.session.get(LiveSession, session).grounding is None

"""The live protocol over a real server: joining, prompts, anonymity, reveal, acknowledgements."""

from __future__ import annotations

import time

import pytest
import socketio
from sqlalchemy import inspect, select

from circles.extensions import db
from circles.live.models import LiveResponse, LiveSubmission
from tests.live.conftest import TEXT_PROMPT, joined


def test_joining_returns_the_full_state_and_announces_presence(connect, room):
    clients = joined(connect, room, "fran", "mo")
    state = clients["mo"].state
    assert state["session"] == room["session"].id
    assert state["status"] == "lobby"
    assert state["prompt"] is None and state["revealed"] is None
    assert state["timer"] is None and state["round"] is None
    assert state["you"] == {"name": "Mo", "role": "member", "hand": False}
    presence = clients["fran"].wait_for("presence")  # her own arrival
    assert [p["name"] for p in presence["participants"]] == ["Fran"]
    presence = clients["fran"].wait_for("presence")  # then Mo's
    assert [(p["name"], p["role"], p["hand"]) for p in presence["participants"]] == [
        ("Fran", "facilitator", False),
        ("Mo", "member", False),
    ]


def test_an_anonymous_prompt_runs_from_open_to_reveal(app, connect, room):
    c = joined(connect, room, "fran", "mo", "nic", "ola")
    session = room["session"].id
    opened = c["fran"].call("prompt.open", {"session": session, "prompt": TEXT_PROMPT})
    assert opened["ok"] is True
    prompt_id = opened["prompt"]["id"]
    for name in ("mo", "nic", "ola"):
        event = c[name].wait_for("prompt.opened")
        assert event["id"] == prompt_id and event["kind"] == "text"
        assert event["timer"] == {"ends_at": None} and "closes" not in event

    assert c["mo"].call(
        "response.submit",
        {"session": session, "prompt_id": prompt_id, "value": "Tiredness", "client_id": "a1"},
    ) == {"ok": True}
    assert c["nic"].call(
        "response.submit",
        {"session": session, "prompt_id": prompt_id, "value": "Hope", "client_id": "b1"},
    ) == {"ok": True}
    assert c["ola"].call("response.pass", {"session": session, "prompt_id": prompt_id})["ok"]

    counts = [c["fran"].wait_for("response.count")["count"] for _ in range(3)]
    assert counts == [1, 2, 3]  # a pass counts like an answer
    for name in ("mo", "nic", "ola"):
        assert c[name].received("response.count") == []  # members see no per-submission event

    assert c["fran"].call("prompt.reveal", {"session": session, "prompt_id": prompt_id})["ok"]
    revealed = [c[name].wait_for("prompt.revealed") for name in ("fran", "mo", "nic", "ola")]
    assert all(r == revealed[0] for r in revealed)  # the same shuffled order for everyone
    responses = revealed[0]["responses"]
    assert sorted(r["value"] for r in responses) == ["Hope", "Tiredness"]
    assert all(set(r) == {"id", "value"} for r in responses)  # no author on anonymous prompts

    with app.app_context():
        columns = {column["name"] for column in inspect(db.engine).get_columns("live_responses")}
        assert not {"user_id", "author_id", "member_id", "created_at"} & columns
        assert db.session.scalars(select(LiveResponse.author_name)).all() == [None, None]

    # The next prompt closes this one and sets its own timer, in the one message.
    timed = {**TEXT_PROMPT, "seconds": 90}
    ack = c["fran"].call("prompt.open", {"session": session, "prompt": timed})
    event = c["mo"].wait_for("prompt.opened")
    assert event["closes"] == prompt_id and event["id"] == ack["prompt"]["id"]
    assert (
        event["timer"]["ends_at"]
        == c["mo"].call("join", {"session": session})["state"]["timer"]["ends_at"]
    )
    assert c["mo"].received("prompt.closed") == [] and c["mo"].received("timer") == []


def test_named_prompts_show_the_circle_name_only(connect, room):
    c = joined(connect, room, "fran", "mo")
    session = room["session"].id
    prompt = {
        "kind": "scale",
        "text": "How settled do you feel?",
        "anonymous": False,
        "min": 0,
        "max": 5,
        "min_label": "Not at all",
        "max_label": "Very",
    }
    prompt_id = c["fran"].call("prompt.open", {"session": session, "prompt": prompt})["prompt"][
        "id"
    ]
    submit = {"session": session, "prompt_id": prompt_id, "value": 4, "client_id": "x"}
    assert c["mo"].call("response.submit", submit)["ok"]
    c["fran"].call("prompt.reveal", {"session": session, "prompt_id": prompt_id})
    [response] = c["mo"].wait_for("prompt.revealed")["responses"]
    assert (response["value"], response["author"]) == (4, "Mo")
    assert set(response) == {"id", "value", "author"}


def test_submitting_is_idempotent_on_the_client_id(app, connect, room):
    c = joined(connect, room, "fran", "mo")
    session = room["session"].id
    prompt_id = c["fran"].call("prompt.open", {"session": session, "prompt": TEXT_PROMPT})[
        "prompt"
    ]["id"]
    submit = {"session": session, "prompt_id": prompt_id, "value": "Once", "client_id": "same"}
    assert c["mo"].call("response.submit", submit) == {"ok": True}
    assert c["mo"].call("response.submit", submit) == {"ok": True, "duplicate": True}
    other = c["mo"].call("response.submit", {**submit, "client_id": "other", "value": "Twice"})
    assert other["ok"] is False and other["error"]["code"] == "already_answered"
    assert c["fran"].call("prompt.reveal", {"session": session, "prompt_id": prompt_id})["ok"]
    with app.app_context():
        assert db.session.scalars(select(LiveResponse.value)).all() == ["Once"]
        assert len(db.session.scalars(select(LiveSubmission)).all()) == 1


@pytest.mark.parametrize(
    ("event", "payload", "code"),
    [
        ("prompt.open", {"prompt": {"kind": "poll", "text": "x"}}, "invalid"),
        ("prompt.open", {"prompt": {"kind": "text", "text": "   "}}, "invalid"),
        (
            "prompt.open",
            {"prompt": {"kind": "choice", "text": "Pick", "options": ["one"]}},
            "invalid",
        ),
        ("prompt.open", {"prompt": {"kind": "scale", "text": "x", "min": 5, "max": 5}}, "invalid"),
        ("prompt.open", {"prompt": {"kind": "reflection", "text": "Breathe"}}, "invalid"),
        ("prompt.open", {"prompt": "not an object"}, "invalid"),
        ("timer.start", {"seconds": 0}, "invalid"),
        ("timer.start", {"seconds": "60"}, "invalid"),
        ("prompt.reveal", {"prompt_id": 999999}, "not_found"),
        ("response.hide", {"response_id": 12}, "invalid"),
        ("participant.remove", {"user": "Mo"}, "invalid"),
        ("round.next", {}, "no_round"),
    ],
)
def test_malformed_facilitator_events_get_an_error_and_change_nothing(
    connect, room, event, payload, code
):
    c = joined(connect, room, "fran")
    ack = c["fran"].call(event, {"session": room["session"].id, **payload})
    assert ack["ok"] is False
    assert ack["error"]["code"] == code and ack["error"]["message"]
    state = c["fran"].call("join", {"session": room["session"].id})["state"]
    assert state["prompt"] is None and state["timer"] is None and state["status"] == "lobby"


@pytest.mark.parametrize(
    "payload",
    [None, "text", 42, ["session", 1]],
)
def test_payloads_that_are_not_objects_are_refused(connect, room, payload):
    c = joined(connect, room, "mo")
    ack = c["mo"].call("hand.raise", payload)
    assert ack == {
        "ok": False,
        "error": {"code": "invalid", "message": "Send one object as the event's payload."},
    }


def test_an_unknown_event_is_answered_with_an_error(connect, room):
    c = joined(connect, room, "mo")
    ack = c["mo"].call("prompt.destroy", {"session": room["session"].id})
    assert ack["ok"] is False and ack["error"]["code"] == "unknown_event"


def test_anonymous_users_and_foreign_origins_are_refused_at_the_handshake(connect, room):
    with pytest.raises(socketio.exceptions.ConnectionError):
        connect(None)
    with pytest.raises(socketio.exceptions.ConnectionError):
        connect(room["mo"], origin="https://evil.example.com")


def test_a_client_that_sends_no_origin_still_needs_a_login(connect, room):
    assert connect(room["mo"], origin=None).call("join", {"session": room["session"].id})["ok"]
    with pytest.raises(socketio.exceptions.ConnectionError):
        connect(None, origin=None)


def test_staff_who_must_set_up_two_step_sign_in_cannot_open_a_socket(make, connect, room):
    make.require_second_factor(room["circle"].org_id)
    with pytest.raises(socketio.exceptions.ConnectionError):
        connect(room["fran"])
    # Members are never asked; once the facilitator has set it up, the room opens again.
    assert connect(room["mo"]).call("join", {"session": room["session"].id})["ok"]
    make.enrol_second_factor(room["fran"])
    assert connect(room["fran"]).call("join", {"session": room["session"].id})["ok"]


@pytest.mark.parametrize(
    ("event", "payload"),
    [
        ("response.submit", {"prompt_id": 2**70, "value": "x", "client_id": "a"}),
        ("response.submit", {"value": "with a \x00 inside", "client_id": "a"}),
        ("response.submit", {"value": "half a pair \ud800", "client_id": "a"}),
        ("response.submit", {"value": "fine", "client_id": "\x00"}),
        ("response.pass", {"prompt_id": True}),
        ("response.pass", {"session": 2**70}),
        ("response.pass", {"session": True}),
        ("response.pass", {"session": 1.0}),
        ("hand.raise", {"session": 2**64}),
    ],
)
def test_values_no_database_can_hold_are_refused_as_invalid(app, connect, room, event, payload):
    c = joined(connect, room, "fran", "mo")
    session = room["session"].id
    prompt_id = c["fran"].call("prompt.open", {"session": session, "prompt": TEXT_PROMPT})[
        "prompt"
    ]["id"]
    ack = c["mo"].call(event, {"session": session, "prompt_id": prompt_id, **payload})
    assert ack["ok"] is False and ack["error"]["code"] == "invalid", ack
    submit = {"session": session, "prompt_id": prompt_id, "value": "Here", "client_id": "b"}
    assert c["mo"].call("response.submit", submit) == {"ok": True}
    assert c["fran"].call("prompt.reveal", {"session": session, "prompt_id": prompt_id})["ok"]
    with app.app_context():
        assert db.session.scalars(select(LiveResponse.value)).all() == ["Here"]


def test_a_connections_events_are_handled_in_the_order_it_sent_them(app, connect, room):
    c = joined(connect, room, "fran", "mo")
    s = room["session"].id
    acked: list[int] = []
    # Ten hand events sent at once (the rate limit allows 20 a second), without waiting for
    # their acknowledgements.
    for n in range(10):
        event = "hand.raise" if n % 2 else "hand.lower"
        c["mo"].sio.emit(
            event, {"session": s}, namespace="/live", callback=lambda *a, n=n: acked.append(n)
        )
    deadline = time.monotonic() + 5
    while len(acked) < 10 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert acked == list(range(10))
    # The last one sent (a raise) is the one that stands.
    rejoined = c["mo"].call("join", {"session": s})
    assert rejoined["ok"] and rejoined["state"]["you"]["hand"] is True

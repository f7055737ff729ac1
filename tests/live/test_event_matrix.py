"""Every live event, every role: who may send it, and what everyone else is told.

Adding an event to the namespace without adding it here fails ``test_every_event_is_in_the_matrix``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import socketio

from circles.extensions import db
from circles.groups.models import Circle
from circles.live import access, answers, facilitation, opening, rooms
from circles.live.models import LiveResponse
from circles.live.routing import CLIENT_EVENTS
from tests import factories as f
from tests.world import ROLES, build_world

OK = "ok"


@dataclass(frozen=True)
class Seeded:
    session: int
    prompt: int
    response: str
    member_a1: int


def seed(app) -> tuple[Any, Seeded]:
    """World A/B, a live session in circle A1 with an open prompt, an answer and a round."""
    with app.app_context():
        world = build_world()
        circle = db.session.get(Circle, world.circle_a1)
        facilitator = db.session.get(f.User, world.users["facilitator"])
        live = f.live_session(circle, facilitator)
        extra = f.create_user("Ezra")
        f.add_member(circle, extra, "Ezra")
        session, fac = access.actor_for(live.id, facilitator.id)
        _, ezra = access.actor_for(live.id, extra.id)
        rooms.join(session, ezra, "seed-sid")
        # Named: its answer is a response at once (an anonymous one waits for the reveal).
        prompt = opening.open_prompt(
            session, fac, {"kind": "text", "text": "How is it?", "anonymous": False}
        )
        prompt_id = prompt.ack["prompt"]["id"]
        answers.submit_response(session, ezra, prompt_id, "Fine", "seed")
        facilitation.start_round(session, fac)
        db.session.commit()
        response = db.session.scalar(
            db.select(LiveResponse.id).where(LiveResponse.prompt_id == prompt_id)
        )
        return world, Seeded(live.id, prompt_id, response, world.member_a1)


def member_only(ok: str = OK) -> dict[str, str]:
    return expected(member=ok, facilitator="forbidden")


def facilitator_only(ok: str = OK) -> dict[str, str]:
    return expected(member="forbidden", facilitator=ok)


def expected(**allowed: str) -> dict[str, str]:
    table = dict.fromkeys(ROLES, "not_found")  # outside the circle: no such session
    table.pop("anonymous")
    table.update(allowed)
    return table


@dataclass(frozen=True)
class EventCase:
    event: str
    payload: Callable[[Seeded], dict[str, Any]]
    expected: dict[str, str]


MATRIX = [
    EventCase("join", lambda s: {}, expected(member=OK, facilitator=OK)),
    EventCase(
        "prompt.open",
        lambda s: {"prompt": {"kind": "choice", "text": "Pick one", "options": ["a", "b"]}},
        facilitator_only(),
    ),
    EventCase(
        "response.submit",
        lambda s: {"prompt_id": s.prompt, "value": "Tired", "client_id": "m1"},
        member_only(),
    ),
    EventCase("response.pass", lambda s: {"prompt_id": s.prompt}, member_only()),
    # Past the door a member is told why: the seeded prompt is named (tests/live/
    # test_answer_change.py changes anonymous answers).
    EventCase(
        "response.change",
        lambda s: {"prompt_id": s.prompt, "value": "Calmer", "client_id": "m1"},
        member_only("not_changeable"),
    ),
    EventCase("prompt.reveal", lambda s: {"prompt_id": s.prompt}, facilitator_only()),
    EventCase("prompt.close", lambda s: {"prompt_id": s.prompt}, facilitator_only()),
    EventCase("timer.start", lambda s: {"seconds": 60}, facilitator_only()),
    EventCase("timer.stop", lambda s: {}, facilitator_only()),
    EventCase("grounding.start", lambda s: {"pattern": "box"}, facilitator_only()),
    EventCase("grounding.stop", lambda s: {}, facilitator_only()),
    EventCase("round.start", lambda s: {}, facilitator_only()),
    EventCase("round.next", lambda s: {}, facilitator_only()),
    EventCase("round.end", lambda s: {}, facilitator_only()),
    EventCase("hand.raise", lambda s: {}, member_only()),
    EventCase("hand.lower", lambda s: {}, member_only()),
    EventCase("reaction.send", lambda s: {"kind": "heart"}, expected(member=OK, facilitator=OK)),
    EventCase("response.hide", lambda s: {"response_id": s.response}, facilitator_only()),
    EventCase("participant.remove", lambda s: {"user": s.member_a1}, facilitator_only()),
    EventCase("support.request", lambda s: {"message": "Please call"}, member_only()),
    EventCase("session.end", lambda s: {}, facilitator_only()),
]


def test_every_event_is_in_the_matrix():
    assert {case.event for case in MATRIX} == set(CLIENT_EVENTS)


@pytest.mark.parametrize("case", MATRIX, ids=lambda c: c.event)
def test_each_role_gets_what_it_may(app, connect, case):
    world, seeded = seed(app)
    outcomes = {}
    for role in case.expected:
        with app.app_context():
            user = db.session.get(f.User, world.users[role])
        client = connect(user)
        if case.event != "join":
            client.call("join", {"session": seeded.session})  # people join before acting
        ack = client.call(case.event, {"session": seeded.session, **case.payload(seeded)})
        outcomes[role] = OK if ack["ok"] else ack["error"]["code"]
        client.close()
    assert outcomes == case.expected


def test_anonymous_visitors_cannot_even_connect(connect):
    with pytest.raises(socketio.exceptions.ConnectionError):
        connect(None)

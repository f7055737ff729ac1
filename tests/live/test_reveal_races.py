"""A reveal's answers written out while its session ends in another process (PostgreSQL).

A reveal commits in two steps (circles.live.mixing): the answers are shown once the prompt is
marked revealed, and written out by a second transaction. Whichever of that transaction and a
session's end takes the prompts' locks first, the answers the room was shown are kept once (the
organisation here keeps answers a while), and no seal is left.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from circles.extensions import db
from circles.live import access, mixing, opening, revealing, rooms
from circles.live.access import Outcome
from circles.live.answers import Answer, record
from circles.live.models import LiveResponse, LiveSession, LiveSubmission
from circles.live.revealing import Reveal
from circles.orgs.models import Organisation
from tests.live.conftest import TEXT_PROMPT
from tests.live.racing import WAIT, Step, seat_of, waiting_for_a_lock


def revealed(app: Flask, room: dict[str, Any]) -> tuple[int, list[mixing.Opened]]:
    """An anonymous prompt Mo and Nic answered, revealed: its first step committed."""
    s = room["session"].id
    with app.app_context():
        db.session.execute(sa.update(Organisation).values(live_retention_days=7))
        session, actor = access.actor_for(s, room["fran"].id)
        prompt_id = opening.open_prompt(session, actor, TEXT_PROMPT).ack["prompt"]["id"]
        for name in ("mo", "nic"):
            record([(seat_of(s, room[name]), Answer(prompt_id, f"{name} here", name))])
        (outcome,) = revealing.reveal_prompts([(seat_of(s, room["fran"]), Reveal(prompt_id))])
        assert isinstance(outcome, Outcome)
        db.session.commit()
    return prompt_id, outcome.opened


def kept(app: Flask, prompt_id: int) -> dict[str, Any]:
    with app.app_context():
        found = {
            "responses": sorted(
                db.session.scalars(
                    sa.select(LiveResponse.value).where(LiveResponse.prompt_id == prompt_id)
                )
            ),
            "seals": db.session.scalar(
                sa.select(sa.func.count()).where(
                    LiveSubmission.prompt_id == prompt_id, LiveSubmission.sealed.is_not(None)
                )
            ),
        }
        db.session.remove()
    return found


@pytest.mark.parametrize("first", ["writing out", "the end"])
def test_a_reveal_written_out_while_its_session_ends_keeps_each_answer_once(
    app: Flask, room: dict[str, Any], steps: Any, first: str
) -> None:
    prompt_id, opened = revealed(app, room)
    s = room["session"].id

    def write_out(step: Step) -> Any:
        step.stop_after_next()  # once it holds the prompts' locks
        return mixing.write_out(opened)

    def end(step: Step) -> Any:
        session, actor = access.actor_for(s, room["fran"].id)
        step.stop_after_next()  # once it holds the session's row
        return rooms.end_session(session, actor)

    if first == "writing out":
        leader = steps(write_out).until_stopped()
        follower = steps(end).until_stopped()
        follower.go.set()  # on to the prompts' locks, which the writing out holds
        deadline = time.monotonic() + WAIT
        while follower.pid is None or not waiting_for_a_lock(app, follower.pid):
            assert time.monotonic() < deadline and follower.thread.is_alive()
            time.sleep(0.02)
    else:
        leader = steps(end).until_stopped()
        follower = steps(write_out).until_stopped()
        follower.finish()  # the end holds the session's row only: the writing out goes ahead
    leader.finish()
    follower.finish()

    assert leader.error is None and follower.error is None
    assert kept(app, prompt_id) == {"responses": ["mo here", "nic here"], "seals": 0}
    with app.app_context():
        assert db.session.get(LiveSession, s).status.value == "ended"

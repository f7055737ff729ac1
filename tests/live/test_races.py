"""State changes racing each other from several processes (PostgreSQL, READ COMMITTED).

Each test runs two (or three) transactions on threads of their own, each with its own app
context and connection, like two server processes: one stops at a chosen point (after a
statement, or between its authorisation and its write) while the other runs until it is done
or waits for a lock the first one holds; then the first goes on. Whatever order the database
allows, a room that has ended stays ended, with no prompt open and nothing of what people
answered left behind. Two real server processes race each other in test_race_processes.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from circles.extensions import db
from circles.groups.models import Circle
from circles.live import access, answers, facilitation, opening, prompts, revealing, rooms
from circles.live.access import LiveError, Outcome
from circles.live.answers import Answer
from circles.live.models import LivePrompt, LiveSession
from circles.live.opening import Opening
from circles.live.revealing import Reveal
from tests.live.conftest import TEXT_PROMPT
from tests.live.racing import ENDED_CLEANLY, Step, left_over, seat_of

NAMED_PROMPT = {**TEXT_PROMPT, "anonymous": False}


def ending(session_id: int, user: Any, *, stop: bool = False) -> Callable[[Step], Any]:
    """``session.end``; ``stop``: it stops after its first statement."""

    def work(step: Step) -> Any:
        session, actor = access.actor_for(session_id, user.id)
        if stop:
            step.stop_after_next()
        return rooms.end_session(session, actor)

    return work


def opening_prompt(
    session_id: int, user: Any, *, stop: str | None = None, spec: dict[str, Any] = NAMED_PROMPT
) -> Callable[[Step], Any]:
    """``prompt.open``, stopping at ``stop`` (:meth:`Step.stop_at`)."""

    def work(step: Step) -> Any:
        seat = seat_of(session_id, user)
        step.stop_at(stop)
        (result,) = opening.open_prompts([(seat, Opening(spec))])
        return result

    return work


def answering(
    session_id: int, user: Any, prompt_id: int, *, stop: str | None = None
) -> Callable[[Step], Any]:
    """``response.submit``, stopping at ``stop``; its first statement locks its prompt."""

    def work(step: Step) -> Any:
        seat = seat_of(session_id, user)
        step.stop_at(stop)
        (result,) = answers.record([(seat, Answer(prompt_id, "Still here", f"c-{user.id}"))])
        return result

    return work


def code(result: Any) -> str:
    return result.code if isinstance(result, LiveError) else "ok"


def opened_now(app: Flask, room: dict[str, Any], spec: dict[str, Any] = NAMED_PROMPT) -> int:
    """A prompt opened and committed before the race; its id."""
    with app.app_context():
        session, actor = access.actor_for(room["session"].id, room["fran"].id)
        prompt_id = opening.open_prompt(session, actor, spec).ack["prompt"]["id"]
        db.session.commit()
        db.session.remove()
    return int(prompt_id)


def test_an_open_authorised_before_the_room_ended_is_refused(app, room, steps):
    s = room["session"].id
    opener = steps(opening_prompt(s, room["fran"], stop="seated")).until_stopped()
    ender = steps(ending(s, room["fran"])).until_done_or_waiting()
    opened = opener.finish()
    ender.finish()
    assert opener.error is None and ender.error is None
    assert code(opened) == "ended" and code(ender.result) == "ok"
    assert left_over(app, s) == ENDED_CLEANLY


def test_a_prompt_opened_while_the_room_ends_is_closed_by_the_end_or_refused(app, room, steps):
    """The open has begun writing when the end arrives: one waits for the other."""
    s = room["session"].id
    opener = steps(opening_prompt(s, room["fran"], stop="first")).until_stopped()
    ender = steps(ending(s, room["fran"])).until_done_or_waiting()
    opener.finish()
    ender.finish()
    assert opener.error is None and ender.error is None
    assert code(ender.result) == "ok"
    assert left_over(app, s) == ENDED_CLEANLY


def test_an_end_that_read_the_room_before_a_prompt_opened_still_closes_it(app, room, steps):
    s = room["session"].id
    ender = steps(ending(s, room["fran"], stop=True)).until_stopped()
    opener = steps(opening_prompt(s, room["fran"])).until_done_or_waiting()
    ender.finish()
    opened = opener.finish()
    assert opener.error is None and ender.error is None
    assert code(ender.result) == "ok" and code(opened) in {"ok", "ended"}
    assert left_over(app, s) == ENDED_CLEANLY


def test_an_answer_to_a_prompt_opened_while_the_room_ends_is_never_kept(app, room, steps):
    """Three processes: the end has begun, a prompt opens, a member answers it at once."""
    s = room["session"].id
    ender = steps(ending(s, room["fran"], stop=True)).until_stopped()
    opener = steps(opening_prompt(s, room["fran"])).until_done_or_waiting()
    answerer = None
    if isinstance(opener.result, Outcome):  # the open got in before the end
        prompt_id = opener.result.ack["prompt"]["id"]
        answerer = steps(answering(s, room["mo"], prompt_id, stop="seated")).until_stopped()
    ender.finish()
    opener.finish()
    if answerer is not None:
        answerer.finish()
        assert answerer.error is None and code(answerer.result) in {"ended", "closed"}
    assert ender.error is None and opener.error is None and code(ender.result) == "ok"
    latest = newest_prompt(app, s)
    if latest is not None:  # whatever the open left behind takes no answers
        late = steps(answering(s, room["nic"], latest)).until_stopped()
        assert late.error is None and code(late.finish()) in {"ended", "closed"}
    assert left_over(app, s) == ENDED_CLEANLY


def newest_prompt(app: Flask, session_id: int) -> int | None:
    with app.app_context():
        found = db.session.scalar(
            sa.select(sa.func.max(LivePrompt.id)).where(LivePrompt.session_id == session_id)
        )
        db.session.remove()
    return found


@pytest.mark.parametrize("spec", [NAMED_PROMPT, TEXT_PROMPT], ids=["named", "anonymous"])
def test_an_answer_being_written_when_the_room_ends_goes_with_the_rest(app, room, steps, spec):
    """The answer holds its prompt: the end waits for it, then deletes it with the rest."""
    s = room["session"].id
    prompt_id = opened_now(app, room, spec)
    answerer = steps(answering(s, room["mo"], prompt_id, stop="first")).until_stopped()
    ender = steps(ending(s, room["fran"])).until_done_or_waiting()
    assert not ender.stopped.is_set(), "the end should wait for the answer"
    answerer.finish()
    ender.finish()
    assert answerer.error is None and code(answerer.result) == "ok"
    assert ender.error is None and code(ender.result) == "ok"
    assert left_over(app, s) == ENDED_CLEANLY


def test_an_answer_authorised_before_the_room_ended_is_refused(app, room, steps):
    s = room["session"].id
    prompt_id = opened_now(app, room)
    answerer = steps(answering(s, room["mo"], prompt_id, stop="seated")).until_stopped()
    ender = steps(ending(s, room["fran"])).until_done_or_waiting()
    ender.finish()
    answered = answerer.finish()
    assert answerer.error is None and code(answered) == "closed"
    assert left_over(app, s) == ENDED_CLEANLY


def revealing_prompt(
    session_id: int, user: Any, prompt_id: int, *, stop: str | None = None
) -> Callable[[Step], Any]:
    """``prompt.reveal``, stopping at ``stop``; its first statement locks its prompt."""

    def work(step: Step) -> Any:
        seat = seat_of(session_id, user)
        step.stop_at(stop)
        (result,) = revealing.reveal_prompts([(seat, Reveal(prompt_id))])
        return result

    return work


@pytest.mark.parametrize("stop", ["seated", "first"])
def test_a_reveal_racing_the_end_leaves_nothing_behind(app, room, steps, stop):
    """Authorised before the end: refused. Already writing the answers out: the end waits for
    it, then deletes them with the rest."""
    s = room["session"].id
    prompt_id = opened_now(app, room, TEXT_PROMPT)
    answered = steps(answering(s, room["mo"], prompt_id)).until_stopped()
    assert code(answered.finish()) == "ok"
    revealer = steps(revealing_prompt(s, room["fran"], prompt_id, stop=stop)).until_stopped()
    ender = steps(ending(s, room["fran"])).until_done_or_waiting()
    revealer.finish()
    ender.finish()
    assert revealer.error is None and ender.error is None and code(ender.result) == "ok"
    assert code(revealer.result) == ("closed" if stop == "seated" else "ok")
    assert left_over(app, s) == ENDED_CLEANLY


def test_two_ends_at_once_end_the_room_once(app, room, steps):
    s = room["session"].id
    first = steps(ending(s, room["fran"], stop=True)).until_stopped()
    second = steps(ending(s, room["fran"])).until_done_or_waiting()
    first.finish()
    second.finish()
    assert first.error is None and code(first.result) == "ok"
    assert isinstance(second.error, LiveError) and second.error.code == "ended"
    assert left_over(app, s) == ENDED_CLEANLY


def test_closing_an_old_prompt_leaves_the_timer_of_the_one_opened_meanwhile(app, room, steps):
    s = room["session"].id
    old = opened_now(app, room, {**NAMED_PROMPT, "seconds": 60})

    def close(step: Step) -> Any:
        session, actor = access.actor_for(s, room["fran"].id)
        assert session.timer_ends_at is not None  # as this process read it
        step.stop_after_next()  # once it has read the room or the prompt
        return prompts.close_prompt(session, actor, old)

    closer = steps(close).until_stopped()
    timed = {**NAMED_PROMPT, "seconds": 120}
    opener = steps(opening_prompt(s, room["fran"], spec=timed)).until_done_or_waiting()
    closed = closer.finish()
    opener.finish()
    assert opener.error is None and code(opener.result) == "ok"
    assert closer.error is None and closed.ack in ({}, {"duplicate": True})
    with app.app_context():
        session = db.session.get(LiveSession, s)
        assert session is not None and session.timer_ends_at is not None  # the new prompt's
        db.session.remove()


def test_opens_in_a_batch_are_refused_only_in_the_rooms_that_ended_since_their_seats(
    app, make, room
):
    """The batch read its seats while both rooms ran; one has ended since (any database)."""
    other = make.live_session(make.create_circle(make.create_org(), room["fran"]), room["fran"])
    with app.app_context():
        seats = [seat_of(room["session"].id, room["fran"]), seat_of(other.id, room["fran"])]
        session, actor = access.actor_for(other.id, room["fran"].id)
        rooms.end_session(session, actor)
        results = opening.open_prompts([(seat, Opening(NAMED_PROMPT)) for seat in seats])
        db.session.commit()
        assert [code(result) for result in results] == ["ok", "ended"]
        db.session.remove()
    assert left_over(app, other.id) == ENDED_CLEANLY
    assert newest_prompt(app, room["session"].id) is not None


@pytest.mark.parametrize(
    ("event", "changed"),
    [
        (lambda s, a: facilitation.start_timer(s, a, 60), "timer_ends_at"),
        (lambda s, a: facilitation.start_round(s, a), "round_order"),
        (lambda s, a: facilitation.start_grounding(s, a, "box", 2), "grounding"),
    ],
    ids=["timer", "round", "grounding"],
)
def test_a_facilitator_tool_authorised_before_the_room_ended_leaves_nothing_running(
    app, room, steps, event, changed
):
    """The tool read the room while it ran, then the room ended in another process: the tool
    reads it afresh under its lock and is refused, instead of starting a timer (or a round, or
    a breathing pause) in an ended room."""
    s = room["session"].id
    joined_now(app, room, "mo")

    def work(step: Step) -> Any:
        session, actor = access.actor_for(s, room["fran"].id)
        step.stop_here()  # authorised, the room still running as this process read it
        return event(session, actor)

    tool = steps(work).until_stopped()
    ender = steps(ending(s, room["fran"])).until_done_or_waiting()
    ender.finish()
    tool.finish()
    assert ender.error is None
    assert isinstance(tool.error, LiveError) and tool.error.code == "ended"
    with app.app_context():
        session = db.session.get(LiveSession, s)
        assert session is not None and getattr(session, changed) is None
        db.session.remove()


def test_a_raised_hand_racing_the_end_is_refused(app, room, steps):
    s = room["session"].id
    joined_now(app, room, "mo")

    def work(step: Step) -> Any:
        session, actor = access.actor_for(s, room["mo"].id)
        step.stop_here()
        return facilitation.set_hand(session, actor, True)

    hand = steps(work).until_stopped()
    steps(ending(s, room["fran"])).until_done_or_waiting().finish()
    hand.finish()
    assert isinstance(hand.error, LiveError) and hand.error.code == "ended"


def test_two_facilitators_opening_the_room_at_once_open_one_room(app, make, room, steps):
    circle = room["circle"]
    with app.app_context():
        ended, actor = access.actor_for(room["session"].id, room["fran"].id)
        rooms.end_session(ended, actor)
        db.session.commit()
        db.session.remove()

    def opening_room(step: Step) -> Any:
        found = db.session.get(Circle, circle.id)
        assert found is not None
        step.stop_after_next()  # once it has looked for a running room and found none
        return rooms.start_session(found, room["fran"].id).id

    first = steps(opening_room).until_stopped()
    second = steps(opening_room).until_stopped()
    first.finish()
    second.finish()
    assert first.error is None and second.error is None
    assert first.result == second.result  # the second found the first one's room
    with app.app_context():
        running = db.session.scalars(
            sa.select(LiveSession.id).where(
                LiveSession.circle_id == circle.id, LiveSession.status != "ended"
            )
        ).all()
        assert running == [first.result]
        db.session.remove()


def joined_now(app: Flask, room: dict[str, Any], name: str) -> None:
    """``name`` joined the room before the race (a round needs a member present)."""
    with app.app_context():
        session, actor = access.actor_for(room["session"].id, room[name].id)
        rooms.join(session, actor, f"sid-{name}")
        db.session.commit()
        db.session.remove()

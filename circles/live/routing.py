"""Which service handles each client event, and which events are written many at a time.

:mod:`circles.live.events` (the namespace) looks events up here; a new event is one row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from circles.live import access, answers, facilitation, opening, prompts, revealing, rooms, support
from circles.live.access import Actor, LiveError, Outcome
from circles.live.batch import Job

Handler = Callable[[Any, Actor, dict[str, Any]], Outcome]

#: event name -> handler, for the events handled one at a time
EVENTS: dict[str, Handler] = {
    "prompt.close": lambda s, a, p: prompts.close_prompt(s, a, p.get("prompt_id")),
    "timer.start": lambda s, a, p: facilitation.start_timer(s, a, p.get("seconds")),
    "timer.stop": lambda s, a, p: facilitation.stop_timer(s, a),
    "grounding.start": lambda s, a, p: facilitation.start_grounding(
        s, a, p.get("pattern"), p.get("cycles")
    ),
    "grounding.stop": lambda s, a, p: facilitation.stop_grounding(s, a),
    "round.start": lambda s, a, p: facilitation.start_round(s, a),
    "round.next": lambda s, a, p: facilitation.next_in_round(s, a),
    "round.end": lambda s, a, p: facilitation.end_round(s, a),
    "hand.raise": lambda s, a, p: facilitation.set_hand(s, a, True),
    "hand.lower": lambda s, a, p: facilitation.set_hand(s, a, False),
    "reaction.send": lambda s, a, p: facilitation.react(s, a, p.get("kind")),
    "response.change": lambda s, a, p: answers.change_answer(
        s, a, p.get("prompt_id"), p.get("value"), p.get("client_id")
    ),
    "response.hide": lambda s, a, p: prompts.hide_response(s, a, p.get("response_id")),
    "participant.remove": lambda s, a, p: facilitation.remove_participant(s, a, p.get("user")),
    "session.end": lambda s, a, p: rooms.end_session(s, a),
    "support.request": lambda s, a, p: support.ask_for_support(s, a, p.get("message")),
}


Bulk = Callable[[list[tuple[access.Seat, Any]]], list[Outcome | LiveError]]

#: Events handled many at a time: event -> (what the payload asks for, the batch function).
#: Answers come in floods when a prompt opens, prompts open at the top of the hour, and the
#: answers are revealed together at the end of a round.
BULK: dict[str, tuple[Callable[[dict[str, Any]], Any], Bulk]] = {
    "response.submit": (
        lambda p: answers.Answer(p.get("prompt_id"), p.get("value"), p.get("client_id")),
        answers.record,
    ),
    "response.pass": (
        lambda p: answers.Answer(p.get("prompt_id"), None, p.get("client_id"), passing=True),
        answers.record,
    ),
    "prompt.open": (
        lambda p: opening.Opening(p.get("prompt"), p.get("plan_item")),
        opening.open_prompts,
    ),
    "prompt.reveal": (lambda p: revealing.Reveal(p.get("prompt_id")), revealing.reveal_prompts),
}
#: Every event a client may send.
CLIENT_EVENTS = ("join", *EVENTS, *BULK)


def runs(jobs: list[Job]) -> Iterator[tuple[Bulk | None, list[Job]]]:
    """The batch in order, as runs handled together: consecutive events of one batch function,
    each session at most once in a run of opens; every other event alone."""
    run: list[Job] = []
    kind: Bulk | None = None
    sessions: set[object] = set()
    for job in jobs:
        event = job.payload
        bulk = BULK[event.name][1] if event.name in BULK else None
        session = event.payload.get("session")
        key = session if isinstance(session, int) else None
        repeat = bulk is opening.open_prompts and key in sessions
        if run and (bulk is None or bulk is not kind or repeat):
            yield kind, run
            run, sessions = [], set()
        run.append(job)
        kind = bulk
        sessions.add(key)
    if run:
        yield kind, run

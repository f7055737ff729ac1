"""Revealing, closing and hiding: what the facilitator does with a prompt once it is open."""

from __future__ import annotations

from sqlalchemy import select

from circles.db import empty_write_ahead_log_soon
from circles.extensions import db
from circles.live.access import (
    Actor,
    Broadcast,
    LiveError,
    Outcome,
    invalid,
    is_id,
    require_facilitator,
    require_running,
)
from circles.live.mixing import release_answers
from circles.live.models import (
    LivePrompt,
    LiveResponse,
    LiveSession,
    PromptStatus,
)
from circles.live.state import revealed_payload, timer_broadcast


def prompt_in(session: LiveSession, prompt_id: object, *, lock: bool = False) -> LivePrompt:
    """The session's prompt by id; ``lock``: its row, locked and read afresh (PostgreSQL)."""
    if not is_id(prompt_id):
        raise invalid("prompt_id must be a number.")
    query = select(LivePrompt).where(
        LivePrompt.id == prompt_id, LivePrompt.session_id == session.id
    )
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    prompt = db.session.scalar(query)
    if prompt is None:
        raise LiveError("not_found", "There is no such prompt in this session.")
    return prompt


def reveal_prompt(session: LiveSession, actor: Actor, prompt_id: object) -> Outcome:
    """Show the answers to everyone, shuffled; anonymous ones come out of their seals now."""
    require_facilitator(actor)
    require_running(session)
    # Locked: answers being written in another process finish first, and are revealed too.
    prompt = prompt_in(session, prompt_id, lock=True)
    if prompt.status != PromptStatus.OPEN:
        raise LiveError("closed", "Only an open prompt can be revealed.")
    if not prompt.kind.takes_answers:
        raise invalid("A silent reflection has nothing to reveal.")
    if prompt.anonymous:
        release_answers(prompt)
    prompt.status = PromptStatus.REVEALED
    db.session.flush()
    payload = revealed_payload(prompt)
    return Outcome(
        ack={},
        broadcasts=[Broadcast("prompt.revealed", payload, "room")],
        # SQLite's -wal still holds the submissions as they were before (in the order given).
        after_commit=[empty_write_ahead_log_soon] if prompt.anonymous else [],
    )


def close_prompt(session: LiveSession, actor: Actor, prompt_id: object) -> Outcome:
    require_facilitator(actor)
    require_running(session)
    prompt = prompt_in(session, prompt_id)
    if prompt.status == PromptStatus.CLOSED:
        return Outcome(ack={"duplicate": True})
    prompt.status = PromptStatus.CLOSED
    broadcasts = [Broadcast("prompt.closed", {"prompt_id": prompt.id}, "room")]
    if session.timer_ends_at is not None:
        session.timer_ends_at = None
        broadcasts.append(timer_broadcast(session))
    db.session.flush()
    return Outcome(ack={}, broadcasts=broadcasts)


def hide_response(session: LiveSession, actor: Actor, response_id: object) -> Outcome:
    require_facilitator(actor)
    require_running(session)
    if not isinstance(response_id, str) or len(response_id) > 32:
        raise invalid("response_id must be a response's id.")
    response = db.session.scalar(
        select(LiveResponse)
        .join(LivePrompt, LivePrompt.id == LiveResponse.prompt_id)
        .where(LiveResponse.id == response_id, LivePrompt.session_id == session.id)
    )
    if response is None:
        raise LiveError("not_found", "There is no such response in this session.")
    response.hidden = True
    db.session.flush()
    return Outcome(
        ack={}, broadcasts=[Broadcast("response.hidden", {"response_id": response.id}, "room")]
    )

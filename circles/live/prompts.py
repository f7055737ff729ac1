"""Revealing, closing and hiding: what the facilitator does with a prompt once it is open."""

from __future__ import annotations

from sqlalchemy import select

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
from circles.live.models import (
    LivePrompt,
    LiveResponse,
    LiveSession,
    PromptStatus,
)
from circles.live.protocol import storable
from circles.live.state import timer_broadcast


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
    if not isinstance(response_id, str) or len(response_id) > 32 or not storable(response_id):
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

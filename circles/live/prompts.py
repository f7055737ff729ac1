"""Revealing, closing and hiding: what the facilitator does with a prompt once it is open.

Several processes change a session at once (PostgreSQL, READ COMMITTED). Whatever changes a
session and its prompts together first locks the session's row and reads it afresh
(:func:`lock_running`, or the conditional update of :func:`end_running`), then its prompts:
always in that order, so that two of them never wait for each other. Answers and reveals lock
only their prompts' rows; the end closes every prompt still open under its lock, so an answer
either lands before the end (and its content goes with the rest) or finds its prompt closed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CursorResult, null, select, update

from circles.extensions import db
from circles.i18n import lazy_gettext as _l
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
    LiveStatus,
    PromptStatus,
)
from circles.live.protocol import storable
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
        raise LiveError("not_found", _l("There is no such prompt in this session."))
    return prompt


def lock_running(session: LiveSession) -> None:
    """Lock the session's row and read it afresh (PostgreSQL); LiveError when it has ended.

    ``FOR NO KEY UPDATE``: rows inserted elsewhere that refer to the session (commitments at a
    reveal) are not held up by it.
    """
    db.session.scalar(
        select(LiveSession)
        .where(LiveSession.id == session.id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )
    require_running(session)


def end_running(session: LiveSession, now: datetime) -> None:
    """Mark the session ended; LiveError if it had ended.

    One conditional update checks and locks the session's row, so an end racing another is
    refused, and a prompt opened by another process is either written before it (and closed
    then by :func:`close_every_prompt`, which reads the prompts afresh) or refused.
    """
    ending: CursorResult[Any] = db.session.execute(  # type: ignore[assignment]
        update(LiveSession)
        .where(LiveSession.id == session.id, LiveSession.status != LiveStatus.ENDED)
        # null(): SQL NULL for the JSON column, not the JSON value null.
        .values(
            status=LiveStatus.ENDED,
            ended_at=now,
            timer_ends_at=None,
            round_order=null(),
            round_position=None,
            grounding=null(),
        )
        .execution_options(synchronize_session=False)
    )
    if ending.rowcount != 1:
        raise LiveError("ended", _l("This session has ended."))


def close_every_prompt(session: LiveSession) -> None:
    """Close every prompt of an ended session, read afresh (one opened meanwhile by another
    process too); objects loaded before are expired."""
    db.session.execute(
        update(LivePrompt)
        .where(LivePrompt.session_id == session.id, LivePrompt.status != PromptStatus.CLOSED)
        .values(status=PromptStatus.CLOSED)
        .execution_options(synchronize_session=False)
    )
    db.session.expire_all()


def close_prompt(session: LiveSession, actor: Actor, prompt_id: object) -> Outcome:
    require_facilitator(actor)
    require_running(session)
    if not is_id(prompt_id):
        raise invalid("prompt_id must be a number.")
    # The session first, then the prompt, both read afresh: a prompt opened meanwhile by
    # another process has closed this one already, and its timer is not this one's to stop.
    lock_running(session)
    prompt = prompt_in(session, prompt_id, lock=True)
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
    lock_running(session)  # an end deleting the responses goes first, or waits
    response = db.session.scalar(
        select(LiveResponse)
        .join(LivePrompt, LivePrompt.id == LiveResponse.prompt_id)
        .where(LiveResponse.id == response_id, LivePrompt.session_id == session.id)
    )
    if response is None:
        raise LiveError("not_found", _l("There is no such response in this session."))
    response.hidden = True
    db.session.flush()
    data: dict[str, Any] = {"response_id": response.id, "prompt_id": response.prompt_id}
    prompt = db.session.get(LivePrompt, response.prompt_id)
    if prompt is not None and prompt.kind.summarised:
        # The counts shown beside the answers leave the hidden one out too.
        data["summary"] = revealed_payload(prompt)["summary"]
    return Outcome(ack={}, broadcasts=[Broadcast("response.hidden", data, "room")])

"""Anonymous answers: sealed while the prompt is open, written out shuffled at the reveal.

An answer to an anonymous prompt arrives alone, in a transaction that also records *who*
answered (:class:`LiveSubmission`, needed to count answers and to make a repeat harmless). So it
is kept there sealed, unreadable without the app's secret, and padded to the same size as any
other answer or pass to the prompt; the client's id is kept only as a keyed hash. The row, its
place and its transaction tell nothing, not even whether it is a pass.

The reveal opens every sealed answer of the prompt in one transaction that writes nothing about
any one person: the answers become responses in a random order under random keys; on a
commitment prompt every member who answered or passed gets their commitment row (a pass's is
empty, never shown), in a random order, all with one time; and the prompt's submissions are
written anew in a random order, without their seals, so that not even the order in which people
answered is left beside the answers. A prompt never revealed is settled the same way, without
responses, when its session ends.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update

from circles.db import utcnow
from circles.extensions import db
from circles.live.commitments import seal_commitment
from circles.live.models import (
    MAX_RESPONSE,
    Commitment,
    LivePrompt,
    LiveResponse,
    LiveSession,
    LiveSubmission,
    PromptKind,
)
from circles.sealing import keyring

_PURPOSE = "live-answer"
_ANSWER, _PASS = b"a", b"p"
#: Padded sizes: the longest text (UTF-8) or number, with a marker and its length in front.
_TEXT_SIZE = 4 * MAX_RESPONSE + 8
_NUMBER_SIZE = 16
_TEXT_KINDS = frozenset({PromptKind.TEXT, PromptKind.COMMITMENT})


def seal_answer(kind: PromptKind, value: str | None) -> bytes:
    """An answer (``None``: a pass) sealed to the one size every answer to this kind has."""
    plain = _PASS if value is None else _ANSWER + value.encode()
    return keyring().seal(_PURPOSE, plain, _TEXT_SIZE if kind in _TEXT_KINDS else _NUMBER_SIZE)


def client_key(prompt_id: int, user_id: int, client_id: str) -> str:
    """What is kept of a client's id for a submission: enough to recognise a repeat, no more
    (a client's own id may carry a time, and "pass" would say who passed)."""
    return keyring().mac("live-client", f"{prompt_id}:{user_id}:{client_id}")


def release_answers(prompt: LivePrompt, now: datetime | None = None) -> int:
    """The reveal of an anonymous prompt (see the module); returns how many answers came out."""
    values = _settle(prompt.id, prompt.kind, prompt.session_id, now or utcnow())
    secrets.SystemRandom().shuffle(values)
    rows: list[dict[str, Any]] = [
        {
            "id": secrets.token_hex(16),
            "prompt_id": prompt.id,
            "value": value,
            "author_name": None,
            "shuffle_key": secrets.randbits(31),
            "hidden": False,
        }
        for value in values
    ]
    if rows:
        db.session.execute(insert(LiveResponse), rows)
    return len(rows)


def settle_unrevealed(session: LiveSession, now: datetime | None = None) -> None:
    """At the session's end: prompts never revealed keep no seal, and their commitments go to
    the members who made them (their answers are never shown to anyone)."""
    sealed = db.session.execute(
        select(LivePrompt.id, LivePrompt.kind)
        .where(
            LivePrompt.session_id == session.id,
            LivePrompt.id.in_(
                select(LiveSubmission.prompt_id).where(LiveSubmission.sealed.is_not(None))
            ),
        )
        .order_by(LivePrompt.id)
    ).all()
    for prompt_id, kind in sealed:
        if kind == PromptKind.COMMITMENT:
            _settle(prompt_id, kind, session.id, now or utcnow())
    forget_sealed([prompt_id for prompt_id, _ in sealed])


def _settle(prompt_id: int, kind: PromptKind, session_id: int, now: datetime) -> list[str]:
    """Open a prompt's sealed answers: write its commitments and its submissions anew, in a
    random order, without seals; returns the answers' values (passes left out)."""
    ring = keyring()
    rows = db.session.execute(
        select(LiveSubmission.user_id, LiveSubmission.client_id, LiveSubmission.sealed).where(
            LiveSubmission.prompt_id == prompt_id
        )
    ).all()
    given: list[tuple[int, str | None]] = []
    for user_id, _, sealed in rows:
        plain = ring.unseal(_PURPOSE, sealed) if sealed is not None else None
        given.append((user_id, plain[1:].decode() if plain and plain[:1] == _ANSWER else None))
    shuffle = secrets.SystemRandom().shuffle
    if kind == PromptKind.COMMITMENT and given:
        circle_id = db.session.scalar(
            select(LiveSession.circle_id).where(LiveSession.id == session_id)
        )
        kept = [
            {
                "user_id": user_id,
                "circle_id": circle_id,
                "session_id": session_id,
                "sealed": seal_commitment(user_id, value or ""),
                "created_at": now,
            }
            for user_id, value in given
        ]
        shuffle(kept)
        db.session.execute(insert(Commitment), kept)
    again = [
        {"prompt_id": prompt_id, "user_id": user_id, "client_id": client, "sealed": None}
        for user_id, client, _ in rows
    ]
    shuffle(again)
    db.session.execute(delete(LiveSubmission).where(LiveSubmission.prompt_id == prompt_id))
    if again:
        db.session.execute(insert(LiveSubmission), again)
    return [value for _, value in given if value is not None]


def forget_sealed(prompt_ids: Sequence[int] | Any) -> None:
    """Empty the sealed answers of these prompts (a list, or a subquery of prompt ids)."""
    db.session.execute(
        update(LiveSubmission)
        .where(LiveSubmission.prompt_id.in_(prompt_ids), LiveSubmission.sealed.is_not(None))
        .values(sealed=None)
        .execution_options(synchronize_session=False)
    )

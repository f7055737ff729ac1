"""Anonymous answers: sealed while the prompt is open, written out shuffled at the reveal.

An answer to an anonymous prompt arrives alone, in a transaction that also records *who*
answered (:class:`LiveSubmission`, needed to count answers and to make a repeat harmless). So it
is kept there sealed, unreadable without the app's secret, and padded to the same size as any
other answer or pass to the prompt; the client's id is kept only as a keyed hash. The row, its
place and its transaction tell nothing, not even whether it is a pass.

The reveal (:mod:`circles.live.revealing`) opens every sealed answer of its prompts in one
transaction that writes nothing about any one person: the answers become responses in a random
order under random keys; on a commitment prompt every member who answered or passed gets their
commitment row (a pass's is empty, never shown), in a random order, all with one time; and the
prompts' submissions are written anew in a random order, without their seals, so that not even
the order in which people answered is left beside the answers. A prompt never revealed is
settled the same way, without responses, when its session ends.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, text, update

from circles.bulk import DriverInsert, DriverRows, one_of
from circles.db import utcnow
from circles.extensions import db
from circles.live.commitments import seal_commitment
from circles.live.models import (
    MAX_OPTIONS,
    MAX_RESPONSE,
    MAX_WORD,
    Commitment,
    LivePrompt,
    LiveResponse,
    LiveSession,
    LiveSubmission,
    PromptKind,
)
from circles.sealing import keyring, sealed_size

_PURPOSE = "live-answer"
_ANSWER, _PASS = b"a", b"p"
#: Padded sizes: the longest answer of each kind (text in UTF-8, a number, a word, a pick of
#: every option as "0,1,...,7"), with a marker and its length in front.
_NUMBER_SIZE = 16
_SIZES = {
    PromptKind.TEXT: 4 * MAX_RESPONSE + 8,
    PromptKind.COMMITMENT: 4 * MAX_RESPONSE + 8,
    PromptKind.WORD: 4 * MAX_WORD + 8,
    PromptKind.PICK: 2 * MAX_OPTIONS + 8,
}


def seal_answer(kind: PromptKind, value: str | None) -> bytes:
    """An answer (``None``: a pass) sealed to the one size every answer to this kind has."""
    plain = _PASS if value is None else _ANSWER + value.encode()
    return keyring().seal(_PURPOSE, plain, _SIZES.get(kind, _NUMBER_SIZE))


def sealed_answer_size(kind: PromptKind) -> int:
    """The bytes that every sealed answer or pass to a prompt of this kind takes."""
    return sealed_size(_SIZES.get(kind, _NUMBER_SIZE))


def client_key(prompt_id: int, user_id: int, client_id: str) -> str:
    """What is kept of a client's id for a submission: enough to recognise a repeat, no more
    (a client's own id may carry a time, and "pass" would say who passed)."""
    return keyring().mac("live-client", f"{prompt_id}:{user_id}:{client_id}")


@dataclass(frozen=True)
class Sealed:
    """An anonymous prompt whose sealed answers are to come out."""

    id: int
    kind: PromptKind
    session_id: int
    circle_id: int


def release(
    prompts: Sequence[Sealed], *, responses: bool, now: datetime | None = None
) -> dict[int, list[dict[str, Any]]]:
    """Open these prompts' sealed answers, and write out in a random order their commitments,
    their submissions without seals, and (``responses``) the answers as responses.

    Returns each prompt's new response rows; a few statements for all the prompts together.
    """
    if not prompts:
        return {}
    now = now or utcnow()
    ring = keyring()
    ids = [p.id for p in prompts]
    connection = db.session.connection()
    given: dict[int, list[tuple[int, str, str | None]]] = defaultdict(list)
    for prompt_id, user_id, client, sealed in _SEALED.all(connection, {"prompts": ids}):
        plain = ring.unseal(_PURPOSE, sealed) if sealed is not None else None
        value = plain[1:].decode() if plain and plain[:1] == _ANSWER else None
        given[prompt_id].append((user_id, client, value))
    shuffle = secrets.SystemRandom().shuffle
    # PostgreSQL shuffles the submissions itself (see _REWRITE_ON_POSTGRESQL).
    rewritten_in_place = connection.dialect.name == "postgresql"
    out: dict[int, list[dict[str, Any]]] = {}
    submissions: list[dict[str, Any]] = []
    kept: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    for prompt in prompts:
        # Each list is shuffled on its own: one order shared by two tables would pair them.
        mine = given.get(prompt.id, [])
        if not rewritten_in_place:
            again = [
                {"prompt_id": prompt.id, "user_id": user, "client_id": client, "sealed": None}
                for user, client, _ in mine
            ]
            shuffle(again)
            submissions += again
        if prompt.kind == PromptKind.COMMITMENT:
            kept += [
                {
                    "user_id": user,
                    "circle_id": prompt.circle_id,
                    "session_id": prompt.session_id,
                    "sealed": seal_commitment(user, value or ""),
                    "created_at": now,
                }
                for user, _, value in mine
            ]
        if responses:
            values = [value for _, _, value in mine if value is not None]
            shuffle(values)
            drawn = secrets.token_bytes(20 * len(values))
            out[prompt.id] = [
                {
                    "id": drawn[20 * n : 20 * n + 16].hex(),
                    "prompt_id": prompt.id,
                    "value": value,
                    "author_name": None,
                    "shuffle_key": int.from_bytes(drawn[20 * n + 16 : 20 * n + 20]) >> 1,
                    "hidden": False,
                }
                for n, value in enumerate(values)
            ]
            rows += out[prompt.id]
    if rewritten_in_place:
        # The same, without the rows travelling: see _REWRITE_ON_POSTGRESQL.
        connection.execute(_REWRITE_ON_POSTGRESQL, {"prompts": ids, "salt": secrets.token_hex(16)})
        _INSERT_RESPONSES.run(connection, rows)
    else:
        connection.execute(_DELETE_SUBMISSIONS, {"prompts": ids})
        _INSERT_SUBMISSIONS.run(connection, submissions)
        _INSERT_RESPONSES.run(connection, rows)
    if kept:
        shuffle(kept)
        connection.execute(insert(Commitment), kept)
    return out


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
    commitments = [
        Sealed(prompt_id, kind, session.id, session.circle_id)
        for prompt_id, kind in sealed
        if kind == PromptKind.COMMITMENT
    ]
    release(commitments, responses=False, now=now)
    forget_sealed([prompt_id for prompt_id, _ in sealed])


def forget_sealed(prompt_ids: Sequence[int] | Any) -> None:
    """Empty the sealed answers of these prompts (a list, or a subquery of prompt ids)."""
    db.session.execute(
        update(LiveSubmission)
        .where(LiveSubmission.prompt_id.in_(prompt_ids), LiveSubmission.sealed.is_not(None))
        .values(sealed=None)
        .execution_options(synchronize_session=False)
    )


_submissions = LiveSubmission.__table__.c
#: Built once: a round's reveals run them together.
# A round's reveal reads a thousand sealed answers of 4 KB: in binary on PostgreSQL.
_SEALED = DriverRows(
    select(
        _submissions.prompt_id, _submissions.user_id, _submissions.client_id, _submissions.sealed
    ).where(one_of(_submissions.prompt_id, "prompts"))
)
_DELETE_SUBMISSIONS = delete(LiveSubmission).where(one_of(_submissions.prompt_id, "prompts"))
_INSERT_SUBMISSIONS = DriverInsert(LiveSubmission, ("prompt_id", "user_id", "client_id", "sealed"))
_RESPONSE_COLUMNS = ("id", "prompt_id", "value", "author_name", "shuffle_key", "hidden")
_INSERT_RESPONSES = DriverInsert(LiveResponse, _RESPONSE_COLUMNS)

# PostgreSQL fast paths (a round's reveal is a thousand rows each way; row-by-row statements
# were half of its time). Tested on both databases by every reveal test; written for this schema:
# - The submissions go and come back in one statement, ordered by a keyed hash of each one's
#   client key (already unique and secret) under a salt drawn for this reveal: an order that
#   nothing in the database can predict or replay, like the shuffle done in Python for SQLite.
_REWRITE_ON_POSTGRESQL = text(
    "WITH gone AS (DELETE FROM live_submissions WHERE prompt_id = ANY(:prompts)"
    " RETURNING prompt_id, user_id, client_id)"
    " INSERT INTO live_submissions (prompt_id, user_id, client_id)"
    " SELECT prompt_id, user_id, client_id FROM gone"
    " ORDER BY sha256(convert_to(client_id || :salt, 'UTF8'))"
)

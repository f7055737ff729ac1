"""Anonymous answers: sealed while the prompt is open, written out shuffled at the reveal.

An answer to an anonymous prompt arrives alone, in a transaction that also records *who*
answered (:class:`LiveSubmission`, needed to count answers and to make a repeat harmless). So it
is kept there sealed, unreadable without the app's secret, and padded to the same size as any
other answer or pass to the prompt; the client's id is kept only as a keyed hash. The row, its
place and its transaction tell nothing, not even whether it is a pass.

A reveal (:mod:`circles.live.revealing`) comes in two steps. Its transaction marks the prompts
revealed and opens their seals (:func:`open_sealed`), drawing the responses in a random order
under random keys, and writes nothing else: once it commits, the room is shown them. Just
after, a second transaction writes them out (:func:`write_out`), and writes nothing about any
one person: the responses as drawn; on a commitment prompt every member who answered or passed
gets their commitment row (a pass's is empty, never shown), in a random order, all with one
time; and the prompts' submissions anew in a random order, without their seals, so that not
even the order in which people answered is left beside the answers (those who answer later
may write longer answers). Between the two the database holds what it held while the prompt
was open, its status aside: sealed answers and no words. A prompt remembers being revealed
(``revealed``, even once closed): if its writing out failed, its session's end writes it out
(:func:`write_out_shown`); a prompt never revealed is settled then the same way, without
responses.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, text, update

from circles.bulk import DriverInsert, DriverRows, one_of
from circles.commit_hooks import after_commit
from circles.db import empty_write_ahead_log_soon, utcnow
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


@dataclass(frozen=True)
class Opened:
    """An anonymous prompt's answers out of their seals at its reveal: shown to the room at
    once, written out just after (:func:`write_out`)."""

    prompt: Sealed
    #: The responses as drawn: the keys and the order the room is shown.
    responses: list[dict[str, Any]]
    #: A commitment prompt's words by member ("" for a pass); empty for other kinds.
    commitments: dict[int, str]


def open_sealed(prompts: Sequence[Sealed]) -> dict[int, Opened]:
    """Open these prompts' sealed answers and draw their responses; writes nothing.

    One read for all the prompts. Each prompt's answers are shuffled and given random keys.
    """
    if not prompts:
        return {}
    ring = keyring()
    connection = db.session.connection()
    given: dict[int, list[tuple[int, str | None]]] = defaultdict(list)
    for prompt_id, user_id, sealed in _SEALED.all(connection, {"prompts": [p.id for p in prompts]}):
        plain = ring.unseal(_PURPOSE, sealed) if sealed is not None else None
        value = plain[1:].decode() if plain and plain[:1] == _ANSWER else None
        given[prompt_id].append((user_id, value))
    shuffle = secrets.SystemRandom().shuffle
    opened: dict[int, Opened] = {}
    for prompt in prompts:
        mine = given.get(prompt.id, [])
        values = [value for _, value in mine if value is not None]
        shuffle(values)
        drawn = secrets.token_bytes(20 * len(values))
        responses = [
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
        words = {user: value or "" for user, value in mine}
        commitments = words if prompt.kind == PromptKind.COMMITMENT else {}
        opened[prompt.id] = Opened(prompt, responses, commitments)
    return opened


def write_out(
    opened: Sequence[Opened], *, responses: bool = True, now: datetime | None = None
) -> list[int]:
    """Write out these prompts' opened answers, unless that is done already: the responses as
    drawn (``responses``), each commitment for its member, and the submissions anew in a random
    order without their seals. Returns the prompts written out.

    The prompts are locked first (PostgreSQL), so that a reveal and a session's end written at
    the same moment in two processes write each prompt out once. A few statements in all.
    """
    if not opened:
        return []
    connection = db.session.connection()
    ids = sorted(o.prompt.id for o in opened)
    connection.execute(_LOCK_PROMPTS, {"prompts": ids})
    sealed = set(connection.scalars(_STILL_SEALED, {"prompts": ids}))
    chosen = [o for o in opened if o.prompt.id in sealed]
    if not chosen:
        return []
    ids = sorted(o.prompt.id for o in chosen)
    shuffle = secrets.SystemRandom().shuffle
    if connection.dialect.name == "postgresql":
        # Without the rows travelling: see _REWRITE_ON_POSTGRESQL.
        connection.execute(_REWRITE_ON_POSTGRESQL, {"prompts": ids, "salt": secrets.token_hex(16)})
    else:
        gone: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for prompt_id, user_id, client in connection.execute(_DELETE_SUBMISSIONS, {"prompts": ids}):
            gone[prompt_id].append(
                {"prompt_id": prompt_id, "user_id": user_id, "client_id": client, "sealed": None}
            )
        submissions: list[dict[str, Any]] = []
        for again in gone.values():
            # Each prompt's on its own: one order shared by two tables would pair them.
            shuffle(again)
            submissions += again
        _INSERT_SUBMISSIONS.run(connection, submissions)
    if responses:
        _INSERT_RESPONSES.run(connection, [row for o in chosen for row in o.responses])
    _keep_commitments([o for o in chosen if o.commitments], now or utcnow())
    # SQLite's -wal still holds the submissions as they were, in the order given.
    after_commit(empty_write_ahead_log_soon)
    return ids


def _keep_commitments(opened: Sequence[Opened], now: datetime) -> None:
    """Each member who answered or passed a commitment prompt (and still has an account)
    gets their commitment, in a random order, all with one time."""
    if not opened:
        return
    here = {
        (prompt_id, user_id)
        for prompt_id, user_id in db.session.execute(
            select(LiveSubmission.prompt_id, LiveSubmission.user_id).where(
                LiveSubmission.prompt_id.in_([o.prompt.id for o in opened])
            )
        )
    }
    kept = [
        {
            "user_id": user,
            "circle_id": o.prompt.circle_id,
            "session_id": o.prompt.session_id,
            "sealed": seal_commitment(user, words),
            "created_at": now,
        }
        for o in opened
        for user, words in o.commitments.items()
        if (o.prompt.id, user) in here
    ]
    secrets.SystemRandom().shuffle(kept)
    if kept:
        db.session.execute(insert(Commitment), kept)


def release(
    prompts: Sequence[Sealed], *, responses: bool, now: datetime | None = None
) -> list[int]:
    """Open these prompts' sealed answers and write them out at once (:func:`write_out`)."""
    return write_out(list(open_sealed(prompts).values()), responses=responses, now=now)


def write_out_shown(
    session: LiveSession, *, responses: bool = True, now: datetime | None = None
) -> None:
    """Prompts whose answers were shown at a reveal but never written out (the writing failed,
    or its process stopped), closed since or not: written out now, at the session's end
    (``responses``: also as responses, when the organisation keeps them a while).

    The session's prompts are locked first (PostgreSQL): a reveal being committed by another
    process goes first, and is seen here.
    """
    connection = db.session.connection()
    prompt_ids = list(connection.scalars(_SESSION_PROMPTS, {"session": session.id}))
    if not prompt_ids:
        return
    connection.execute(_LOCK_PROMPTS, {"prompts": prompt_ids})
    shown = connection.execute(_SHOWN, {"prompts": prompt_ids}).all()
    prompts = [Sealed(prompt_id, kind, session.id, session.circle_id) for prompt_id, kind in shown]
    release(prompts, responses=responses, now=now)


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
    select(_submissions.prompt_id, _submissions.user_id, _submissions.sealed).where(
        one_of(_submissions.prompt_id, "prompts")
    )
)
_prompts = LivePrompt.__table__.c
_LOCK_PROMPTS = (
    select(_prompts.id)
    .where(one_of(_prompts.id, "prompts"))
    .order_by(_prompts.id)
    .with_for_update()
)
_SESSION_PROMPTS = select(_prompts.id).where(_prompts.session_id == bindparam("session"))
_SHOWN = (
    select(_prompts.id, _prompts.kind)
    .where(
        one_of(_prompts.id, "prompts"),
        _prompts.revealed.is_(True),
        _prompts.id.in_(select(_submissions.prompt_id).where(_submissions.sealed.is_not(None))),
    )
    .order_by(_prompts.id)
)
_STILL_SEALED = (
    select(_submissions.prompt_id)
    .where(one_of(_submissions.prompt_id, "prompts"), _submissions.sealed.is_not(None))
    .distinct()
)
_DELETE_SUBMISSIONS = (
    delete(LiveSubmission)
    .where(one_of(_submissions.prompt_id, "prompts"))
    .returning(_submissions.prompt_id, _submissions.user_id, _submissions.client_id)
)
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

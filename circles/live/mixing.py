"""Anonymous answers: sealed while the prompt is open, written out shuffled at the reveal.

An answer to an anonymous prompt arrives alone, in a transaction that also records *who*
answered (:class:`LiveSubmission`, needed to count answers and to make a repeat harmless). So it
is kept there sealed, unreadable without the app's secret, and padded to the same size as any
other answer or pass to the prompt: the row, its place and its transaction tell nothing. The
reveal opens every sealed answer of the prompt, writes them out as responses in a random order
under random keys, in one transaction that writes nothing about any person, and empties the
sealed copies. A pass is sealed like an answer and simply leaves no response.
"""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import insert, select, update

from circles.extensions import db
from circles.live.models import MAX_RESPONSE, LivePrompt, LiveResponse, LiveSubmission, PromptKind
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


def release_answers(prompt: LivePrompt) -> int:
    """Open the prompt's sealed answers and write them out shuffled; returns how many."""
    ring = keyring()
    values: list[str] = []
    for sealed in db.session.scalars(
        select(LiveSubmission.sealed).where(
            LiveSubmission.prompt_id == prompt.id, LiveSubmission.sealed.is_not(None)
        )
    ):
        plain = ring.unseal(_PURPOSE, sealed) if sealed is not None else None
        if plain is not None and plain[:1] == _ANSWER:
            values.append(plain[1:].decode())
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
    forget_sealed([prompt.id])
    return len(rows)


def forget_sealed(prompt_ids: Any) -> None:
    """Empty the sealed answers of these prompts (a list, or a subquery of prompt ids)."""
    db.session.execute(
        update(LiveSubmission)
        .where(LiveSubmission.prompt_id.in_(prompt_ids), LiveSubmission.sealed.is_not(None))
        .values(sealed=None)
        .execution_options(synchronize_session=False)
    )

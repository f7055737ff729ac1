"""Commitments: a small action a member chose, kept for them alone and shown back next time.

The words are sealed under the member's own key and padded to one size, so that a copy of the
database can neither read them nor match them, by their words or their length, to the response
the member may have given to an anonymous commitment prompt (docs/privacy.md).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from circles import signals
from circles.extensions import db
from circles.groups.models import Circle
from circles.i18n import lazy_gettext as _l
from circles.live.models import MAX_RESPONSE, Commitment, LiveSession
from circles.sealing import keyring

#: The longest commitment, in UTF-8 with its length in front, fits.
COMMITMENT_SIZE = 4 * MAX_RESPONSE + 8
#: Shown in place of words no configured secret opens any more.
UNREADABLE = _l("(This commitment can no longer be opened.)")


def _purpose(user_id: int) -> str:
    return f"commitment:{user_id}"


def seal_commitment(user_id: int, text: str) -> bytes:
    return keyring().seal(_purpose(user_id), text.encode(), COMMITMENT_SIZE)


def opened_text(user_id: int, sealed: bytes) -> str:
    """The commitment's words, for the member who made it ("" for a pass, see mixing)."""
    plain = keyring().unseal(_purpose(user_id), sealed)
    return str(UNREADABLE) if plain is None else plain.decode()


def made_by(user_id: int) -> list[dict[str, Any]]:
    """Every commitment of the person, for their own follow-up list (passes left out)."""
    rows = db.session.execute(
        select(Commitment, Circle.name)
        .join(Circle, Circle.id == Commitment.circle_id)
        .where(Commitment.user_id == user_id)
        .order_by(Commitment.created_at, Commitment.id)
    ).all()
    opened = [(c, name, opened_text(user_id, c.sealed)) for c, name in rows]
    return [
        {"id": c.id, "circle": name, "text": text, "made_at": c.created_at}
        for c, name, text in opened
        if text
    ]


def earlier_commitments(user_id: int, session: LiveSession) -> list[dict[str, str]]:
    """What this member committed to at the circle's last session and has not since marked done
    or let go in their own list (only ever sent to them)."""
    last_session = db.session.scalar(
        select(Commitment.session_id)
        .where(
            Commitment.user_id == user_id,
            Commitment.circle_id == session.circle_id,
            Commitment.session_id != session.id,
        )
        .order_by(Commitment.created_at.desc())
        .limit(1)
    )
    if last_session is None:
        return []
    rows = db.session.scalars(
        select(Commitment)
        .where(Commitment.user_id == user_id, Commitment.session_id == last_session)
        .order_by(Commitment.created_at)
    ).all()
    closed = signals.ask(signals.closed_commitments_asked, user_id)
    kept = [(opened_text(user_id, c.sealed), c.created_at) for c in rows if c.id not in closed]
    # An empty one is a pass on an anonymous commitment prompt: kept only so that the rows do
    # not say who passed; never shown.
    return [{"text": text, "made_at": made.isoformat()} for text, made in kept if text]

"""Commitments: a small action a member chose, kept for them alone and shown back next time."""

from __future__ import annotations

from sqlalchemy import select

from circles.extensions import db
from circles.live.models import (
    Commitment,
    LiveSession,
)


def earlier_commitments(user_id: int, session: LiveSession) -> list[dict[str, str]]:
    """What this member committed to at the circle's last session (only ever sent to them)."""
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
    return [{"text": c.text, "made_at": c.created_at.isoformat()} for c in rows]

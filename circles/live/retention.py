"""Deleting what people answered: at the session's end, after retention, or with an account."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, delete, select

from circles.db import utcnow
from circles.extensions import db
from circles.groups.models import CircleMember
from circles.live.mixing import forget_sealed
from circles.live.models import (
    LivePrompt,
    LiveResponse,
    LiveSession,
    LiveStatus,
    LiveSubmission,
)


def delete_content(session_id: int) -> int:
    """Delete what people answered in a session (not attendance, not commitments)."""
    prompt_ids = select(LivePrompt.id).where(LivePrompt.session_id == session_id)
    forget_sealed(prompt_ids)
    result = db.session.execute(delete(LiveResponse).where(LiveResponse.prompt_id.in_(prompt_ids)))
    return int(getattr(result, "rowcount", 0) or 0)


def purge_expired_content(now: datetime | None = None) -> int:
    """Delete the answers of ended sessions whose retention has run out; returns how many."""
    now = now or utcnow()
    expired = select(LiveSession.id).where(
        LiveSession.status == LiveStatus.ENDED,
        LiveSession.content_expires_at.is_not(None),
        LiveSession.content_expires_at <= now,
    )
    prompt_ids = select(LivePrompt.id).where(LivePrompt.session_id.in_(expired))
    result = db.session.execute(delete(LiveResponse).where(LiveResponse.prompt_id.in_(prompt_ids)))
    return int(getattr(result, "rowcount", 0) or 0)


def named_answers_of(user_id: int) -> Select[LiveResponse, LivePrompt, LiveSession]:
    """A person's answers to named prompts that are still kept, with their prompt and session.

    A response row has no author id; it is theirs when they submitted to that named prompt and
    it carries the name they use in that circle (names are unique within a circle).
    """
    return (
        select(LiveResponse, LivePrompt, LiveSession)
        .join(LivePrompt, LivePrompt.id == LiveResponse.prompt_id)
        .join(LiveSession, LiveSession.id == LivePrompt.session_id)
        .join(
            CircleMember,
            (CircleMember.circle_id == LiveSession.circle_id)
            & (CircleMember.user_id == user_id)
            & (CircleMember.display_name == LiveResponse.author_name),
        )
        .join(
            LiveSubmission,
            (LiveSubmission.prompt_id == LivePrompt.id) & (LiveSubmission.user_id == user_id),
        )
        .where(LivePrompt.anonymous.is_(False))
    )


def delete_named_answers(user_id: int) -> int:
    """Delete a person's named answers still kept; anonymous ones cannot be told apart."""
    ids = named_answers_of(user_id).with_only_columns(LiveResponse.id)
    result = db.session.execute(delete(LiveResponse).where(LiveResponse.id.in_(ids)))
    return int(getattr(result, "rowcount", 0) or 0)

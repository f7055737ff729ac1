"""The live package's part of a person's data export (:mod:`circles.rights.export` asks for it
with :data:`circles.signals.personal_data_asked`).

Every query is filtered by the person's own user id; circle, organisation and prompt texts only
label the person's own entries. Answers to anonymous prompts carry no link to anyone and are not
here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from circles.extensions import db
from circles.groups.models import Circle
from circles.live import retention
from circles.live.commitments import opened_text
from circles.live.models import (
    Commitment,
    LiveParticipant,
    LivePrompt,
    LiveSession,
    PromptKind,
    SavedPrompt,
)
from circles.orgs.models import Organisation


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def personal_sections(uid: int) -> dict[str, list[dict[str, Any]]]:
    """The export's live sections, by name."""
    return {
        "commitments": commitments(uid),
        "live_sessions_joined": sessions_joined(uid),
        "live_answers_with_your_name": named_answers(uid),
        "library_prompts_you_added": saved_prompts(uid),
    }


def commitments(uid: int) -> list[dict[str, Any]]:
    rows = db.session.execute(
        select(Commitment, Circle.name)
        .join(Circle, Circle.id == Commitment.circle_id)
        .where(Commitment.user_id == uid)
        .order_by(Commitment.created_at)
    ).all()
    kept = [(opened_text(uid, c.sealed), c, circle) for c, circle in rows]
    return [  # an empty one stands for a pass (circles.live.mixing): not a commitment
        {"circle": circle, "text": text, "made_at": _iso(c.created_at)}
        for text, c, circle in kept
        if text
    ]


def sessions_joined(uid: int) -> list[dict[str, Any]]:
    rows = db.session.execute(
        select(LiveParticipant, LiveSession.created_at, Circle.name)
        .join(LiveSession, LiveSession.id == LiveParticipant.session_id)
        .join(Circle, Circle.id == LiveSession.circle_id)
        .where(LiveParticipant.user_id == uid)
        .order_by(LiveParticipant.joined_at)
    ).all()
    return [
        {
            "circle": circle,
            "session_opened_at": _iso(opened),
            "you_joined_at": _iso(p.joined_at),
            "asked_to_leave": p.removed_at is not None,
        }
        for p, opened, circle in rows
    ]


def named_answers(uid: int) -> list[dict[str, Any]]:
    rows = db.session.execute(
        retention.named_answers_of(uid)
        .add_columns(Circle.name)
        .join(Circle, Circle.id == LiveSession.circle_id)
        .order_by(LiveSession.created_at, LivePrompt.id)
    ).all()
    answers = []
    for response, prompt, session, circle in rows:
        value: Any = response.value
        if prompt.kind == PromptKind.SCALE:
            value = int(value)
        elif prompt.kind == PromptKind.CHOICE and prompt.options:
            value = prompt.options[int(value)]
        answers.append(
            {
                "circle": circle,
                "session_opened_at": _iso(session.created_at),
                "prompt": prompt.text,
                "your_answer": value,
            }
        )
    return answers


def saved_prompts(uid: int) -> list[dict[str, Any]]:
    rows = db.session.execute(
        select(SavedPrompt, Organisation.name, Circle.name)
        .join(Organisation, Organisation.id == SavedPrompt.org_id)
        .outerjoin(Circle, Circle.id == SavedPrompt.circle_id)
        .where(SavedPrompt.created_by_id == uid)
        .order_by(SavedPrompt.created_at)
    ).all()
    return [
        {
            "organisation": org,
            "circle": circle,
            "prompt": p.spec,
            "themes": p.themes,
            "added_at": _iso(p.created_at),
        }
        for p, org, circle in rows
    ]

"""What a client is sent: a prompt's payload, the reveal, presence, and the full state on join."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import func, select

from circles.db import utcnow
from circles.extensions import db
from circles.groups.models import CircleMember
from circles.live.access import Actor, Broadcast
from circles.live.commitments import earlier_commitments
from circles.live.models import (
    LiveConnection,
    LiveParticipant,
    LivePrompt,
    LiveResponse,
    LiveSession,
    LiveStatus,
    LiveSubmission,
    PlanItem,
    PromptKind,
    PromptStatus,
)
from circles.live.support import support_notice
from circles.safety import services as safety


def current_prompt(session: LiveSession) -> LivePrompt | None:
    return db.session.scalar(
        select(LivePrompt)
        .where(
            LivePrompt.session_id == session.id,
            LivePrompt.status.in_([PromptStatus.OPEN, PromptStatus.REVEALED]),
        )
        .order_by(LivePrompt.id.desc())
        .limit(1)
    )


class PromptFields(Protocol):
    """What a prompt's payload is made of: a stored prompt, or one just written in bulk."""

    @property
    def id(self) -> int: ...
    @property
    def kind(self) -> PromptKind: ...
    @property
    def text(self) -> str: ...
    @property
    def anonymous(self) -> bool: ...
    @property
    def status(self) -> PromptStatus: ...
    @property
    def options(self) -> list[str] | None: ...
    @property
    def scale(self) -> dict[str, Any] | None: ...
    @property
    def seconds(self) -> int | None: ...
    @property
    def follow_up(self) -> bool: ...
    @property
    def plan_item_id(self) -> int | None: ...


def prompt_payload(prompt: PromptFields) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": prompt.id,
        "kind": prompt.kind.value,
        "text": prompt.text,
        "anonymous": prompt.anonymous,
        "status": prompt.status.value,
    }
    if prompt.kind == PromptKind.CHOICE:
        data["options"] = list(prompt.options or [])
    if prompt.kind == PromptKind.SCALE and prompt.scale:
        data.update(
            {
                "min": prompt.scale["min"],
                "max": prompt.scale["max"],
                "min_label": prompt.scale.get("min_label", ""),
                "max_label": prompt.scale.get("max_label", ""),
            }
        )
    if prompt.seconds:
        data["seconds"] = prompt.seconds
    if prompt.follow_up:
        data["follow_up"] = True
    if prompt.plan_item_id is not None:
        data["plan_item"] = prompt.plan_item_id
    return data


def revealed_payload(prompt: LivePrompt) -> dict[str, Any]:
    """The prompt's visible responses, shuffled the same way for everyone."""
    rows = db.session.execute(
        select(LiveResponse.id, LiveResponse.value, LiveResponse.author_name)
        .where(LiveResponse.prompt_id == prompt.id, LiveResponse.hidden.is_(False))
        .order_by(LiveResponse.shuffle_key, LiveResponse.id)
    ).mappings()
    return {
        "prompt_id": prompt.id,
        "responses": [
            response_item(prompt.kind, prompt.options, prompt.anonymous, row) for row in rows
        ],
    }


def response_item(
    kind: PromptKind, options: list[str] | None, anonymous: bool, row: Any
) -> dict[str, Any]:
    """One response as a reveal shows it (``row``: its id, value and author_name)."""
    value = row["value"]
    item: dict[str, Any] = {
        "id": row["id"],
        "value": int(value) if kind in (PromptKind.SCALE, PromptKind.CHOICE) else value,
    }
    if kind == PromptKind.CHOICE and options:
        item["label"] = options[int(value)]
    if not anonymous and row["author_name"]:
        item["author"] = row["author_name"]
    return item


def present(session: LiveSession) -> list[dict[str, Any]]:
    """Everyone connected now, in name order, with their user id (never sent to clients)."""
    rows = db.session.execute(
        select(CircleMember, LiveParticipant.hand_raised_at)
        .join(
            LiveParticipant,
            (LiveParticipant.user_id == CircleMember.user_id)
            & (LiveParticipant.session_id == session.id),
        )
        .where(
            CircleMember.circle_id == session.circle_id,
            CircleMember.user_id.in_(
                select(LiveConnection.user_id).where(LiveConnection.session_id == session.id)
            ),
            LiveParticipant.removed_at.is_(None),
        )
        .order_by(CircleMember.role, CircleMember.name_key)
    ).all()
    return [
        {
            "id": member.id,
            "user_id": member.user_id,
            "name": member.display_name,
            "role": member.role.value,
            "hand": hand is not None,
        }
        for member, hand in rows
    ]


def participants(session: LiveSession) -> list[dict[str, Any]]:
    """Everyone connected now: name, role, raised hand (and a membership id to act on)."""
    return [{k: v for k, v in p.items() if k != "user_id"} for p in present(session)]


def round_payload(session: LiveSession) -> dict[str, Any] | None:
    if session.round_order is None or session.round_position is None:
        return None
    names = dict(
        db.session.execute(
            select(CircleMember.user_id, CircleMember.display_name).where(
                CircleMember.circle_id == session.circle_id,
                CircleMember.user_id.in_(session.round_order),
            )
        ).all()
    )
    order = [names.get(user_id, "(left)") for user_id in session.round_order]
    return {
        "order": order,
        "current": session.round_position,
        "speaker": order[session.round_position],
    }


def timer_payload(session: LiveSession, now: datetime) -> dict[str, Any] | None:
    if session.timer_ends_at is None or session.timer_ends_at <= now:
        return None
    return {"ends_at": session.timer_ends_at.isoformat()}


def submission_count(prompt_id: int) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(LiveSubmission)
            .where(LiveSubmission.prompt_id == prompt_id)
        )
        or 0
    )


def state(session: LiveSession, actor: Actor, now: datetime | None = None) -> dict[str, Any]:
    """Everything a (re)connecting client needs, for this person."""
    now = now or utcnow()
    prompt = current_prompt(session) if session.status != LiveStatus.ENDED else None
    data: dict[str, Any] = {
        "session": session.id,
        "status": session.status.value,
        "prompt": prompt_payload(prompt) if prompt else None,
        "revealed": revealed_payload(prompt)["responses"]
        if prompt and prompt.status == PromptStatus.REVEALED
        else None,
        "participants": participants(session),
        "timer": timer_payload(session, now),
        "round": round_payload(session),
        "you": {"name": actor.name, "role": actor.role.value},
    }
    if prompt is not None:
        data["you"]["answered"] = (
            db.session.scalar(
                select(LiveSubmission.id).where(
                    LiveSubmission.prompt_id == prompt.id,
                    LiveSubmission.user_id == actor.user_id,
                )
            )
            is not None
        )
        if actor.is_facilitator:
            data["count"] = submission_count(prompt.id)
    if actor.is_facilitator:
        data["plan"] = plan_steps(session)
    participant = participant_of(session, actor.user_id)
    data["you"]["hand"] = participant is not None and participant.hand_raised_at is not None
    if actor.is_facilitator:
        data["support"] = support_notice(session.circle_id)
    else:
        data["commitments"] = earlier_commitments(actor.user_id, session)
        data["support"] = [
            safety.status_payload(r) for r in safety.own_requests(actor.user_id, session.circle_id)
        ]
    return data


def plan_steps(session: LiveSession) -> list[dict[str, Any]]:
    """The meeting's session plan, each step marked when it was opened in this session."""
    if session.meeting_id is None:
        return []
    opened = select(LivePrompt.plan_item_id).where(
        LivePrompt.session_id == session.id, LivePrompt.plan_item_id.is_not(None)
    )
    rows = db.session.execute(
        select(PlanItem, PlanItem.id.in_(opened))
        .where(PlanItem.meeting_id == session.meeting_id)
        .order_by(PlanItem.position, PlanItem.id)
    ).all()
    return [{**item.spec, "id": item.id, "opened": bool(done)} for item, done in rows]


def presence_broadcast(session: LiveSession) -> Broadcast:
    return Broadcast("presence", {"participants": participants(session)}, "room")


def participant_of(session: LiveSession, user_id: int) -> LiveParticipant | None:
    return db.session.scalar(
        select(LiveParticipant).where(
            LiveParticipant.session_id == session.id, LiveParticipant.user_id == user_id
        )
    )


def timer_broadcast(session: LiveSession) -> Broadcast:
    ends = session.timer_ends_at.isoformat() if session.timer_ends_at else None
    return Broadcast("timer", {"ends_at": ends}, "room")


def round_broadcast(session: LiveSession) -> Broadcast:
    return Broadcast("round", {"round": round_payload(session)}, "room")

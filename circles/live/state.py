"""What a client is sent: a prompt's payload, the reveal, presence, and the full state on join."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import bindparam, exists, func, select

from circles.bulk import one_of
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
from circles.live.protocol import PATTERNS
from circles.live.results import summary
from circles.live.support import support_notice
from circles.safety import services as safety
from circles.safety.models import SupportRequest

#: Built once: every join runs it.
_CURRENT_PROMPT = (
    select(LivePrompt)
    .where(
        LivePrompt.session_id == bindparam("session"),
        LivePrompt.status.in_([PromptStatus.OPEN, PromptStatus.REVEALED]),
    )
    .order_by(LivePrompt.id.desc())
    .limit(1)
)


def current_prompt(session: LiveSession) -> LivePrompt | None:
    return db.session.scalar(_CURRENT_PROMPT, {"session": session.id})


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
    def max_picks(self) -> int | None: ...
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
    if prompt.kind.has_options:
        data["options"] = list(prompt.options or [])
    if prompt.kind == PromptKind.PICK:
        data["max_picks"] = prompt.max_picks
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
    """The prompt's visible responses, shuffled the same way for everyone, and (scale,
    choice, pick, word) their summary."""
    rows = db.session.execute(
        select(LiveResponse.id, LiveResponse.value, LiveResponse.author_name)
        .where(LiveResponse.prompt_id == prompt.id, LiveResponse.hidden.is_(False))
        .order_by(LiveResponse.shuffle_key, LiveResponse.id)
    ).mappings()
    return reveal_payload(prompt, rows)


def reveal_payload(prompt: Any, rows: Iterable[Any]) -> dict[str, Any]:
    """``prompt.revealed`` for a prompt (its kind, options, scale and anonymity) and its
    visible response rows in the order shown."""
    items = [response_item(prompt.kind, prompt.options, prompt.anonymous, row) for row in rows]
    payload: dict[str, Any] = {"prompt_id": prompt.id, "responses": items}
    if prompt.kind.summarised:
        values = [item["value"] for item in items]
        payload["summary"] = summary(prompt.kind, prompt.options, prompt.scale, values)
    return payload


def response_item(
    kind: PromptKind, options: list[str] | None, anonymous: bool, row: Any
) -> dict[str, Any]:
    """One response as a reveal shows it (``row``: its id, value and author_name)."""
    value = row["value"]
    item: dict[str, Any] = {"id": row["id"], "value": value}
    if kind in (PromptKind.SCALE, PromptKind.CHOICE):
        item["value"] = int(value)
    if kind == PromptKind.PICK:
        item["value"] = [int(index) for index in value.split(",")]
    if kind == PromptKind.CHOICE and options:
        item["label"] = options[int(value)]
    if kind == PromptKind.PICK and options:
        item["label"] = [options[index] for index in item["value"]]
    if not anonymous and row["author_name"]:
        item["author"] = row["author_name"]
    return item


_members, _participants, _connections, _sessions = (
    CircleMember.__table__.c,
    LiveParticipant.__table__.c,
    LiveConnection.__table__.c,
    LiveSession.__table__.c,
)

#: Everyone connected to any of some sessions (built once: every join and departure runs it).
_PRESENT = (
    select(
        _participants.session_id,
        _members.id,
        _members.user_id,
        _members.display_name,
        _members.role,
        _participants.hand_raised_at,
    )
    .select_from(LiveParticipant.__table__)
    .join(LiveSession.__table__, _sessions.id == _participants.session_id)
    .join(
        CircleMember.__table__,
        (_members.circle_id == _sessions.circle_id) & (_members.user_id == _participants.user_id),
    )
    .where(
        one_of(_participants.session_id, "sessions"),
        _participants.removed_at.is_(None),
        exists().where(
            _connections.session_id == _participants.session_id,
            _connections.user_id == _participants.user_id,
        ),
    )
    .order_by(_participants.session_id, _members.role, _members.name_key)
)


def present_in(session_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    """:func:`present` for several sessions at once (one query), by session id."""
    if db.session.autoflush:
        db.session.flush()  # a Core statement does not flush by itself
    found: dict[int, list[dict[str, Any]]] = {session_id: [] for session_id in session_ids}
    rows = db.session.connection().execute(_PRESENT, {"sessions": list(session_ids)})
    for session_id, member_id, user_id, name, role, hand in rows:
        found[session_id].append(
            {
                "id": member_id,
                "user_id": user_id,
                "name": name,
                "role": role.value,
                "hand": hand is not None,
            }
        )
    return found


def present(session: LiveSession) -> list[dict[str, Any]]:
    """Everyone connected now, in name order, with their user id (never sent to clients)."""
    return present_in([session.id])[session.id]


def shown(present: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The participants as clients see them (without their user ids)."""
    return [{k: v for k, v in p.items() if k != "user_id"} for p in present]


def participants(session: LiveSession) -> list[dict[str, Any]]:
    """Everyone connected now: name, role, raised hand (and a membership id to act on)."""
    return shown(present(session))


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


def grounding_payload(session: LiveSession, now: datetime) -> dict[str, Any] | None:
    """The breathing pause running now: its pattern's phases and its times on the server's
    clock (``now`` lets a client line its own clock up with the server's)."""
    pause = session.grounding
    if not pause or datetime.fromisoformat(pause["ends_at"]) <= now:
        return None
    return {
        "pattern": pause["pattern"],
        "phases": [
            {"name": name, "seconds": seconds} for name, seconds in PATTERNS[pause["pattern"]]
        ],
        "started_at": pause["started_at"],
        "ends_at": pause["ends_at"],
        "now": now.isoformat(),
    }


def submission_count(prompt_id: int) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(LiveSubmission)
            .where(LiveSubmission.prompt_id == prompt_id)
        )
        or 0
    )


@dataclass
class RoomView:
    """The part of the state that everyone in a room is shown alike: found once for all the
    people who join a room together (:func:`room_view`), then completed for each
    (:func:`state_for`)."""

    session: LiveSession
    prompt: LivePrompt | None
    #: session, status, prompt, revealed, summary, grounding, participants, timer, round
    shared: dict[str, Any]
    _facilitators: dict[str, Any] | None = field(default=None, repr=False)

    def for_facilitators(self) -> dict[str, Any]:
        """What facilitators see besides: the answer count, the plan, support waiting."""
        if self._facilitators is None:
            extra: dict[str, Any] = {}
            if self.prompt is not None:
                extra["count"] = submission_count(self.prompt.id)
            extra["plan"] = plan_steps(self.session)
            extra["support"] = support_notice(self.session.circle_id)
            self._facilitators = extra
        return self._facilitators


def room_view(
    session: LiveSession, now: datetime, present: list[dict[str, Any]] | None = None
) -> RoomView:
    """The room's shared state now (``present``: its :func:`present` list, if found already)."""
    prompt = current_prompt(session) if session.status != LiveStatus.ENDED else None
    revealed = (
        revealed_payload(prompt) if prompt and prompt.status == PromptStatus.REVEALED else None
    )
    shared: dict[str, Any] = {
        "session": session.id,
        "status": session.status.value,
        "prompt": prompt_payload(prompt) if prompt else None,
        "revealed": revealed["responses"] if revealed else None,
        "summary": revealed.get("summary") if revealed else None,
        "grounding": grounding_payload(session, now),
        "participants": participants(session) if present is None else shown(present),
        "timer": timer_payload(session, now),
        "round": round_payload(session),
    }
    return RoomView(session, prompt, shared)


def state_for(
    view: RoomView,
    actor: Actor,
    hand: bool,
    answered: bool,
    support: list[SupportRequest] | None = None,
    committed: bool = True,
) -> dict[str, Any]:
    """The full state for one person (``answered``: the current prompt, if any; ``support``:
    their own support requests in the circle, if found already; ``committed``: False if they
    are known to have made no commitment in the circle)."""
    data: dict[str, Any] = {**view.shared, "you": {"name": actor.name, "role": actor.role.value}}
    if view.prompt is not None:
        data["you"]["answered"] = answered
    if actor.is_facilitator:
        data.update(view.for_facilitators())
        data["you"]["hand"] = hand
        return data
    data["you"]["hand"] = hand
    session = view.session
    data["commitments"] = earlier_commitments(actor.user_id, session) if committed else []
    if support is None:
        support = safety.own_requests(actor.user_id, session.circle_id)
    data["support"] = [safety.status_payload(r) for r in support]
    return data


def state(session: LiveSession, actor: Actor, now: datetime | None = None) -> dict[str, Any]:
    """Everything a (re)connecting client needs, for this person."""
    view = room_view(session, now or utcnow())
    answered = view.prompt is not None and (
        db.session.scalar(
            select(LiveSubmission.id).where(
                LiveSubmission.prompt_id == view.prompt.id,
                LiveSubmission.user_id == actor.user_id,
            )
        )
        is not None
    )
    participant = participant_of(session, actor.user_id)
    hand = participant is not None and participant.hand_raised_at is not None
    return state_for(view, actor, hand, answered)


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


def grounding_broadcast(session: LiveSession, now: datetime) -> Broadcast:
    return Broadcast("grounding", {"grounding": grounding_payload(session, now)}, "room")


def timer_broadcast(session: LiveSession) -> Broadcast:
    ends = session.timer_ends_at.isoformat() if session.timer_ends_at else None
    return Broadcast("timer", {"ends_at": ends}, "room")


def round_broadcast(session: LiveSession) -> Broadcast:
    return Broadcast("round", {"round": round_payload(session)}, "room")

"""The live session's state machine: every change is a database write, then events to send.

Functions here take plain values, never the socket server; they return :class:`Outcome` (the
acknowledgement and the broadcasts), and the caller commits once and sends the broadcasts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any, Protocol, TypeGuard

from sqlalchemy import Select, bindparam, delete, func, select

from circles.accounts.models import AuthSession
from circles.db import add_or_refuse, one_of, utcnow
from circles.exceptions import ServiceError
from circles.extensions import db
from circles.groups.models import Circle, CircleMember, CircleRole
from circles.live.models import (
    MAX_OPTION,
    MAX_OPTIONS,
    MAX_PROMPT_TEXT,
    Commitment,
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
from circles.orgs.models import Organisation
from circles.safety import services as safety
from circles.safety.models import MAX_MESSAGE

MAX_TIMER_SECONDS = 3600
MAX_CLIENT_ID = 64
SCALE_BOUNDS = (0, 10)
MAX_SCALE_LABEL = 40
#: Gentle reactions anyone may send; they carry no name.
REACTIONS = ("heart", "thanks", "resonates", "breathe")


class LiveError(Exception):
    """A refused event: a stable ``code`` for programs, a ``message`` for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def invalid(message: str) -> LiveError:
    return LiveError("invalid", message)


@dataclass(frozen=True)
class Broadcast:
    """An event for the whole room, or for its facilitators only."""

    event: str
    data: dict[str, Any]
    to: str  # "room" | "facilitators"


@dataclass
class Outcome:
    ack: dict[str, Any] = field(default_factory=dict)
    broadcasts: list[Broadcast] = field(default_factory=list)
    #: Sockets to close (a removed participant's).
    disconnect_sids: list[str] = field(default_factory=list)
    #: Side effects that must wait for the commit (mail).
    after_commit: list[Callable[[], object]] = field(default_factory=list)


@dataclass(frozen=True)
class Actor:
    """The person behind a socket, as the circle knows them."""

    user_id: int
    role: CircleRole
    #: The circle display name.
    name: str

    @classmethod
    def of(cls, membership: CircleMember) -> Actor:
        return cls(membership.user_id, membership.role, membership.display_name)

    @property
    def is_facilitator(self) -> bool:
        return self.role == CircleRole.FACILITATOR


# Opening and finding sessions ---------------------------------------------------------------


def active_session(circle_id: int) -> LiveSession | None:
    """The circle's session that has not ended, if any."""
    return db.session.scalar(
        select(LiveSession)
        .where(LiveSession.circle_id == circle_id, LiveSession.status != LiveStatus.ENDED)
        .order_by(LiveSession.id.desc())
        .limit(1)
    )


def active_sessions_for(user_id: int) -> list[tuple[LiveSession, Circle]]:
    """Open live rooms of every circle a person is in (one query, for the home page)."""
    rows = db.session.execute(
        select(LiveSession, Circle)
        .join(Circle, Circle.id == LiveSession.circle_id)
        .join(CircleMember, CircleMember.circle_id == Circle.id)
        .where(CircleMember.user_id == user_id, LiveSession.status != LiveStatus.ENDED)
        .order_by(Circle.name)
    ).all()
    return [(session, circle) for session, circle in rows]


def start_session(circle: Circle, by_user_id: int, meeting_id: int | None = None) -> LiveSession:
    """Open the circle's live room (or return the one already open)."""
    if circle.archived:
        raise ServiceError("This circle is archived.")
    existing = active_session(circle.id)
    if existing is not None:
        return existing
    session = LiveSession(
        circle_id=circle.id,
        meeting_id=meeting_id,
        status=LiveStatus.LOBBY,
        started_by_id=by_user_id,
    )
    db.session.add(session)
    db.session.flush()
    return session


#: Ids are positive 64-bit integers in both databases; anything else is no id at all (a huge
#: number would otherwise fail inside the database, taking its batch's other events with it).
MAX_ID = 2**63 - 1


def is_id(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


def _session_id(value: object) -> int:
    if not is_id(value):
        raise invalid("session must be a session id (a number).")
    return value


def actor_for(session_id: object, user_id: int) -> tuple[LiveSession, Actor]:
    """The session and the person's membership of its circle; anyone else is told not found."""
    row = db.session.execute(
        select(LiveSession, CircleMember)
        .join(CircleMember, CircleMember.circle_id == LiveSession.circle_id)
        .where(LiveSession.id == _session_id(session_id), CircleMember.user_id == user_id)
    ).first()
    if row is None:
        raise LiveError("not_found", "There is no such live session.")
    session, membership = row
    return session, Actor.of(membership)


@dataclass(frozen=True)
class Seat:
    """A person's place in a live session, as found for a batch of events by one query."""

    session_id: int
    circle_id: int
    meeting_id: int | None
    status: LiveStatus
    actor: Actor


_sessions, _members, _logins = (
    LiveSession.__table__.c,
    CircleMember.__table__.c,
    AuthSession.__table__.c,
)
#: Built once: batches run it many times a second.
_SEATS = (
    select(
        _logins.token_hash,
        _sessions.id,
        _sessions.circle_id,
        _sessions.meeting_id,
        _sessions.status,
        _members.user_id,
        _members.role,
        _members.display_name,
    )
    .join(CircleMember.__table__, _members.user_id == _logins.user_id)
    .join(LiveSession.__table__, _sessions.circle_id == _members.circle_id)
    .where(
        one_of(_logins.token_hash, "logins"),
        _logins.created_at > bindparam("since"),
        one_of(_sessions.id, "sessions"),
    )
)
_ALIVE = select(_logins.token_hash).where(
    one_of(_logins.token_hash, "logins"),
    _logins.created_at > bindparam("since"),
)


def seats(
    requests: Sequence[tuple[object, str]], logged_in_since: datetime
) -> list[Seat | LiveError]:
    """For each (session id, login hash) of a batch: the person's seat, in one query.

    The login must still exist (not logged out, password unchanged, not too old), or the event
    is told to log in again; a session outside the person's circles is not found.
    """
    wanted = [(session_id, login) for session_id, login in requests if is_id(session_id)]
    found: dict[tuple[object, str], Seat] = {}
    connection = db.session.connection()
    if wanted:
        rows = connection.execute(
            _SEATS,
            {
                "logins": list({login for _, login in wanted}),
                "sessions": list({session_id for session_id, _ in wanted}),
                "since": logged_in_since,
            },
        )
        for login, session_id, circle_id, meeting_id, status, user_id, role, name in rows:
            actor = Actor(user_id, role, name)
            found[session_id, login] = Seat(session_id, circle_id, meeting_id, status, actor)
    missing = list({login for session_id, login in wanted if (session_id, login) not in found})
    alive = (
        set(connection.scalars(_ALIVE, {"logins": missing, "since": logged_in_since}))
        if missing
        else set()
    )
    seated: list[Seat | LiveError] = []
    for session_id, login in requests:
        seat = found.get((session_id, login)) if is_id(session_id) else None
        if not is_id(session_id):  # checked first: True and 1.0 are equal to 1 as keys
            seated.append(invalid("session must be a session id (a number)."))
        elif seat is not None:
            seated.append(seat)
        elif login not in alive:
            seated.append(LiveError("unauthenticated", "Please log in again."))
        else:
            seated.append(LiveError("not_found", "There is no such live session."))
    return seated


def actor_for_login(
    session_id: object, login_hash: str, logged_in_since: datetime
) -> tuple[LiveSession, Actor]:
    """One event's seat (:func:`seats`), with the session itself, for events that change it."""
    (seat,) = seats([(session_id, login_hash)], logged_in_since)
    if isinstance(seat, LiveError):
        raise seat
    session = db.session.get(LiveSession, seat.session_id)
    if session is None:  # deleted since, in this very transaction
        raise LiveError("not_found", "There is no such live session.")
    return session, seat.actor


def require_facilitator(actor: Actor) -> None:
    if not actor.is_facilitator:
        raise LiveError("forbidden", "Only the circle's facilitators can do that.")


def require_member(actor: Actor) -> None:
    if actor.is_facilitator:
        raise LiveError("forbidden", "Facilitators hold the space; members answer prompts.")


def require_running(session: LiveSession) -> None:
    if session.status == LiveStatus.ENDED:
        raise LiveError("ended", "This session has ended.")


# State ---------------------------------------------------------------------------------------


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


def _typed_value(prompt: LivePrompt, value: str) -> Any:
    if prompt.kind in (PromptKind.SCALE, PromptKind.CHOICE):
        return int(value)
    return value


def revealed_payload(prompt: LivePrompt) -> dict[str, Any]:
    """The prompt's visible responses, shuffled the same way for everyone."""
    rows = db.session.scalars(
        select(LiveResponse)
        .where(LiveResponse.prompt_id == prompt.id, LiveResponse.hidden.is_(False))
        .order_by(LiveResponse.shuffle_key, LiveResponse.id)
    ).all()
    responses = []
    for row in rows:
        item: dict[str, Any] = {"id": row.id, "value": _typed_value(prompt, row.value)}
        if prompt.kind == PromptKind.CHOICE and prompt.options:
            item["label"] = prompt.options[int(row.value)]
        if not prompt.anonymous and row.author_name:
            item["author"] = row.author_name
        responses.append(item)
    return {"prompt_id": prompt.id, "responses": responses}


def _present(session: LiveSession) -> list[dict[str, Any]]:
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
    return [{k: v for k, v in p.items() if k != "user_id"} for p in _present(session)]


def _round_payload(session: LiveSession) -> dict[str, Any] | None:
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


def _timer_payload(session: LiveSession, now: datetime) -> dict[str, Any] | None:
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
        "timer": _timer_payload(session, now),
        "round": _round_payload(session),
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
    participant = _participant(session, actor.user_id)
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


def _presence(session: LiveSession) -> Broadcast:
    return Broadcast("presence", {"participants": participants(session)}, "room")


def _participant(session: LiveSession, user_id: int) -> LiveParticipant | None:
    return db.session.scalar(
        select(LiveParticipant).where(
            LiveParticipant.session_id == session.id, LiveParticipant.user_id == user_id
        )
    )


# Joining and leaving -------------------------------------------------------------------------


def join(session: LiveSession, actor: Actor, sid: str, now: datetime | None = None) -> Outcome:
    """Enter the room (again): attendance is recorded, and the full state comes back."""
    now = now or utcnow()
    require_running(session)
    participant = _participant(session, actor.user_id)
    if participant is None:
        participant = LiveParticipant(session_id=session.id, user_id=actor.user_id, joined_at=now)
        add_or_refuse(participant, "You joined a moment ago.")
    if participant.removed_at is not None:
        raise LiveError("removed", "The facilitator has asked you to leave this session.")
    existing = db.session.get(LiveConnection, sid)
    if existing is None:
        db.session.add(LiveConnection(sid=sid, session_id=session.id, user_id=actor.user_id))
    elif existing.session_id != session.id:
        raise invalid("This connection is already in another session.")
    db.session.flush()
    current = state(session, actor, now)
    presence = Broadcast("presence", {"participants": current["participants"]}, "room")
    return Outcome(ack={"state": current}, broadcasts=[presence])


def drop_connection(sid: str) -> tuple[int, list[Broadcast]] | None:
    """A socket went away; returns its session and the presence update, if it was in one."""
    session_id = db.session.scalar(
        select(LiveConnection.session_id).where(LiveConnection.sid == sid)
    )
    if session_id is None:
        return None
    db.session.execute(delete(LiveConnection).where(LiveConnection.sid == sid))
    session = db.session.get(LiveSession, session_id)
    if session is None or session.status == LiveStatus.ENDED:
        return None
    return session.id, [_presence(session)]


def connections_of(user_id: int, session_id: int | None = None) -> list[str]:
    query = select(LiveConnection.sid).where(LiveConnection.user_id == user_id)
    if session_id is not None:
        query = query.where(LiveConnection.session_id == session_id)
    return list(db.session.scalars(query))


# Prompts -------------------------------------------------------------------------------------


def storable(text: str) -> bool:
    """Text both databases can hold: no NUL character (PostgreSQL refuses it) and no lone
    surrogate (JSON can carry one; UTF-8 cannot)."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def checked_text(value: object, name: str, limit: int, *, required: bool = True) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not storable(value):
        raise invalid(f"{name} must be text.")
    value = value.strip()
    if required and not value:
        raise invalid(f"{name} cannot be empty.")
    if len(value) > limit:
        raise invalid(f"{name} can be at most {limit} characters.")
    return value


def checked_int(value: object, name: str, low: int, high: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise invalid(f"{name} must be a whole number from {low} to {high}.")
    return value


def validate_spec(spec: object) -> dict[str, Any]:
    """A prompt as the protocol describes it, checked and normalised; LiveError when invalid."""
    if not isinstance(spec, dict):
        raise invalid("prompt must be an object.")
    try:
        kind = PromptKind(str(spec.get("kind")))
    except ValueError:
        raise invalid("kind must be one of: " + ", ".join(k.value for k in PromptKind)) from None
    anonymous = spec.get("anonymous", True)
    if not isinstance(anonymous, bool):
        raise invalid("anonymous must be true or false.")
    clean: dict[str, Any] = {
        "kind": kind.value,
        "text": checked_text(spec.get("text"), "text", MAX_PROMPT_TEXT),
        "anonymous": anonymous,
    }
    if spec.get("seconds") is not None:
        clean["seconds"] = checked_int(spec["seconds"], "seconds", 5, MAX_TIMER_SECONDS)
    if kind == PromptKind.REFLECTION and "seconds" not in clean:
        raise invalid("A silent reflection needs a timer (seconds).")
    if kind == PromptKind.CHOICE:
        options = spec.get("options")
        if not isinstance(options, list) or not 2 <= len(options) <= MAX_OPTIONS:
            raise invalid(f"options must be a list of 2 to {MAX_OPTIONS} choices.")
        clean["options"] = [checked_text(o, "Each option", MAX_OPTION) for o in options]
    if kind == PromptKind.SCALE:
        low = checked_int(spec.get("min", 0), "min", *SCALE_BOUNDS)
        high = checked_int(spec.get("max", 10), "max", *SCALE_BOUNDS)
        if low >= high:
            raise invalid("max must be greater than min.")
        clean.update(
            {
                "min": low,
                "max": high,
                "min_label": checked_text(
                    spec.get("min_label"), "min_label", MAX_SCALE_LABEL, required=False
                ),
                "max_label": checked_text(
                    spec.get("max_label"), "max_label", MAX_SCALE_LABEL, required=False
                ),
            }
        )
    follow_up = spec.get("follow_up", False)
    if not isinstance(follow_up, bool):
        raise invalid("follow_up must be true or false.")
    if follow_up:
        clean["follow_up"] = True
    return clean


def _prompt_in(session: LiveSession, prompt_id: object) -> LivePrompt:
    if not is_id(prompt_id):
        raise invalid("prompt_id must be a number.")
    prompt = db.session.scalar(
        select(LivePrompt).where(LivePrompt.id == prompt_id, LivePrompt.session_id == session.id)
    )
    if prompt is None:
        raise LiveError("not_found", "There is no such prompt in this session.")
    return prompt


def timer_broadcast(session: LiveSession) -> Broadcast:
    ends = session.timer_ends_at.isoformat() if session.timer_ends_at else None
    return Broadcast("timer", {"ends_at": ends}, "room")


def reveal_prompt(session: LiveSession, actor: Actor, prompt_id: object) -> Outcome:
    require_facilitator(actor)
    require_running(session)
    prompt = _prompt_in(session, prompt_id)
    if prompt.status != PromptStatus.OPEN:
        raise LiveError("closed", "Only an open prompt can be revealed.")
    if not prompt.kind.takes_answers:
        raise invalid("A silent reflection has nothing to reveal.")
    prompt.status = PromptStatus.REVEALED
    db.session.flush()
    payload = revealed_payload(prompt)
    return Outcome(ack={}, broadcasts=[Broadcast("prompt.revealed", payload, "room")])


def close_prompt(session: LiveSession, actor: Actor, prompt_id: object) -> Outcome:
    require_facilitator(actor)
    require_running(session)
    prompt = _prompt_in(session, prompt_id)
    if prompt.status == PromptStatus.CLOSED:
        return Outcome(ack={"duplicate": True})
    prompt.status = PromptStatus.CLOSED
    broadcasts = [Broadcast("prompt.closed", {"prompt_id": prompt.id}, "room")]
    if session.timer_ends_at is not None:
        session.timer_ends_at = None
        broadcasts.append(timer_broadcast(session))
    db.session.flush()
    return Outcome(ack={}, broadcasts=broadcasts)


def hide_response(session: LiveSession, actor: Actor, response_id: object) -> Outcome:
    require_facilitator(actor)
    require_running(session)
    if not isinstance(response_id, str) or len(response_id) > 32:
        raise invalid("response_id must be a response's id.")
    response = db.session.scalar(
        select(LiveResponse)
        .join(LivePrompt, LivePrompt.id == LiveResponse.prompt_id)
        .where(LiveResponse.id == response_id, LivePrompt.session_id == session.id)
    )
    if response is None:
        raise LiveError("not_found", "There is no such response in this session.")
    response.hidden = True
    db.session.flush()
    return Outcome(
        ack={}, broadcasts=[Broadcast("response.hidden", {"response_id": response.id}, "room")]
    )


# Timer, rounds, hands, reactions -------------------------------------------------------------


def start_timer(
    session: LiveSession, actor: Actor, seconds: object, now: datetime | None = None
) -> Outcome:
    require_facilitator(actor)
    require_running(session)
    now = now or utcnow()
    session.timer_ends_at = now + timedelta(
        seconds=checked_int(seconds, "seconds", 1, MAX_TIMER_SECONDS)
    )
    db.session.flush()
    return Outcome(
        ack={"ends_at": session.timer_ends_at.isoformat()}, broadcasts=[timer_broadcast(session)]
    )


def stop_timer(session: LiveSession, actor: Actor) -> Outcome:
    require_facilitator(actor)
    require_running(session)
    session.timer_ends_at = None
    db.session.flush()
    return Outcome(ack={}, broadcasts=[timer_broadcast(session)])


def _round_broadcast(session: LiveSession) -> Broadcast:
    return Broadcast("round", {"round": _round_payload(session)}, "room")


def start_round(session: LiveSession, actor: Actor) -> Outcome:
    """A talking round through the members present, in the order of their names."""
    require_facilitator(actor)
    require_running(session)
    order = [p["user_id"] for p in _present(session) if p["role"] == CircleRole.MEMBER.value]
    if not order:
        raise LiveError("empty", "No member is here yet for a round.")
    session.round_order = order
    session.round_position = 0
    db.session.flush()
    return Outcome(ack={}, broadcasts=[_round_broadcast(session)])


def next_in_round(session: LiveSession, actor: Actor) -> Outcome:
    """Pass the word on (the facilitator's "next" and "skip" both move to the next speaker)."""
    require_facilitator(actor)
    require_running(session)
    if session.round_order is None or session.round_position is None:
        raise LiveError("no_round", "No round is running.")
    if session.round_position + 1 >= len(session.round_order):
        session.round_order = None
        session.round_position = None
    else:
        session.round_position += 1
    db.session.flush()
    return Outcome(ack={}, broadcasts=[_round_broadcast(session)])


def end_round(session: LiveSession, actor: Actor) -> Outcome:
    require_facilitator(actor)
    require_running(session)
    session.round_order = None
    session.round_position = None
    db.session.flush()
    return Outcome(ack={}, broadcasts=[_round_broadcast(session)])


def set_hand(
    session: LiveSession, actor: Actor, raised: bool, now: datetime | None = None
) -> Outcome:
    require_member(actor)
    require_running(session)
    participant = _participant(session, actor.user_id)
    if participant is None:
        raise LiveError("not_joined", "Join the session first.")
    participant.hand_raised_at = (now or utcnow()) if raised else None
    db.session.flush()
    return Outcome(ack={}, broadcasts=[_presence(session)])


def react(session: LiveSession, actor: Actor, kind: object) -> Outcome:
    require_running(session)
    if kind not in REACTIONS:
        raise invalid("reaction must be one of: " + ", ".join(REACTIONS))
    return Outcome(ack={}, broadcasts=[Broadcast("reaction", {"kind": kind}, "room")])


def support_notice(circle_id: int) -> dict[str, Any]:
    """What facilitators see of support requests in the room: how many wait, never who."""
    return {"new": safety.new_count(circle_id)}


def support_broadcast(circle_id: int) -> Broadcast:
    return Broadcast("support.requested", support_notice(circle_id), "facilitators")


def ask_for_support(session: LiveSession, actor: Actor, message: object) -> Outcome:
    """A member asks, by name, for a facilitator to reach out (the room sees nothing of it)."""
    require_member(actor)
    require_running(session)
    text = checked_text(message, "message", MAX_MESSAGE, required=False)
    try:
        support = safety.request_support(session.circle_id, actor.user_id, text)
    except ServiceError as error:
        raise LiveError("invalid" if error.field else "limit", error.message) from None
    return Outcome(
        ack={"support": safety.status_payload(support)},
        broadcasts=[support_broadcast(session.circle_id)],
        after_commit=[partial(safety.notify_facilitators, session.circle_id)],
    )


def remove_participant(session: LiveSession, actor: Actor, member_id: object) -> Outcome:
    """Ask someone to leave: their sockets close and they cannot rejoin this session."""
    require_facilitator(actor)
    require_running(session)
    if not is_id(member_id):
        raise invalid("user must be a participant's id.")
    member = db.session.scalar(
        select(CircleMember).where(
            CircleMember.id == member_id, CircleMember.circle_id == session.circle_id
        )
    )
    if member is None:
        raise LiveError("not_found", "There is no such participant.")
    if member.role == CircleRole.FACILITATOR:
        raise LiveError("forbidden", "A facilitator cannot be removed from the session.")
    participant = _participant(session, member.user_id)
    if participant is None:
        participant = LiveParticipant(
            session_id=session.id, user_id=member.user_id, joined_at=utcnow()
        )
        db.session.add(participant)
    participant.removed_at = utcnow()
    participant.hand_raised_at = None
    sids = connections_of(member.user_id, session.id)
    db.session.execute(
        delete(LiveConnection).where(
            LiveConnection.session_id == session.id, LiveConnection.user_id == member.user_id
        )
    )
    db.session.flush()
    return Outcome(ack={}, broadcasts=[_presence(session)], disconnect_sids=sids)


def end_session(session: LiveSession, actor: Actor, now: datetime | None = None) -> Outcome:
    """Close the room: attendance stays, commitments stay with their members, content goes."""
    require_facilitator(actor)
    require_running(session)
    now = now or utcnow()
    session.status = LiveStatus.ENDED
    session.ended_at = now
    session.timer_ends_at = None
    session.round_order = None
    session.round_position = None
    for prompt in session.prompts:
        if prompt.status != PromptStatus.CLOSED:
            prompt.status = PromptStatus.CLOSED
    db.session.execute(delete(LiveConnection).where(LiveConnection.session_id == session.id))
    keep_days = db.session.scalar(
        select(Organisation.live_retention_days)
        .join(Circle, Circle.org_id == Organisation.id)
        .where(Circle.id == session.circle_id)
    )
    if keep_days:
        # The organisation keeps answers for a while; `flask purge` deletes them afterwards.
        session.content_expires_at = now + timedelta(days=keep_days)
    else:
        delete_content(session.id)
    db.session.flush()
    return Outcome(ack={}, broadcasts=[Broadcast("session.ended", {"session": session.id}, "room")])


def delete_content(session_id: int) -> int:
    """Delete what people answered in a session (not attendance, not commitments)."""
    prompt_ids = select(LivePrompt.id).where(LivePrompt.session_id == session_id)
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


def attendance(session_id: int) -> list[int]:
    """Who came to a session (user ids)."""
    return list(
        db.session.scalars(
            select(LiveParticipant.user_id).where(LiveParticipant.session_id == session_id)
        )
    )


# When an account is erased --------------------------------------------------------------------


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


def leave_rounds(user_id: int) -> list[int]:
    """Take a person out of every running talking round; returns the sessions that changed."""
    changed = []
    sessions = db.session.scalars(
        select(LiveSession).where(
            LiveSession.status != LiveStatus.ENDED,
            LiveSession.round_order.is_not(None),
            LiveSession.circle_id.in_(
                select(CircleMember.circle_id).where(CircleMember.user_id == user_id)
            ),
        )
    ).all()
    for session in sessions:
        order = list(session.round_order or [])
        if user_id not in order:
            continue
        index = order.index(user_id)
        order.remove(user_id)
        position = session.round_position or 0
        if index < position:
            position -= 1
        if position >= len(order):
            # They were the last speaker: the round is over.
            session.round_order, session.round_position = None, None
        else:
            session.round_order, session.round_position = order, position
        changed.append(session.id)
    db.session.flush()
    return changed


def room_refresh(session_id: int) -> list[Broadcast]:
    """Presence and the talking round as they are now, for a room someone left from outside."""
    session = db.session.get(LiveSession, session_id)
    if session is None or session.status == LiveStatus.ENDED:
        return []
    return [_presence(session), _round_broadcast(session)]

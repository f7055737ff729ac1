"""The facilitator's tools (timer, talking round, grounding pause, removal) and the room's hands
and reactions.

Each change first locks the session's row and reads it afresh (:func:`~circles.live.prompts.
lock_running`): with several processes (PostgreSQL), a change racing the end of the session
either lands before it (and the end clears it) or finds the session ended.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select

from circles.db import utcnow
from circles.extensions import db
from circles.groups.models import CircleMember, CircleRole
from circles.i18n import lazy_gettext as _l
from circles.live.access import (
    Actor,
    Broadcast,
    LiveError,
    Outcome,
    invalid,
    is_id,
    require_facilitator,
    require_member,
    require_running,
)
from circles.live.models import (
    LiveConnection,
    LiveParticipant,
    LiveSession,
)
from circles.live.prompts import lock_running
from circles.live.protocol import (
    MAX_CYCLES,
    MAX_TIMER_SECONDS,
    PATTERNS,
    REACTIONS,
    checked_int,
)
from circles.live.rooms import connections_of
from circles.live.state import (
    grounding_broadcast,
    participant_of,
    presence_broadcast,
    present,
    round_broadcast,
    timer_broadcast,
)


def start_timer(
    session: LiveSession, actor: Actor, seconds: object, now: datetime | None = None
) -> Outcome:
    require_facilitator(actor)
    lock_running(session)
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
    lock_running(session)
    session.timer_ends_at = None
    db.session.flush()
    return Outcome(ack={}, broadcasts=[timer_broadcast(session)])


def start_grounding(
    session: LiveSession,
    actor: Actor,
    pattern: object,
    cycles: object,
    now: datetime | None = None,
) -> Outcome:
    """A guided breathing pause for everyone, in step with the server's clock: the room is
    told the pattern and its start and end, and each page paces itself from them."""
    require_facilitator(actor)
    lock_running(session)
    if pattern is None:
        pattern = "box"
    if pattern not in PATTERNS:
        raise invalid("pattern must be one of: " + ", ".join(PATTERNS))
    count = checked_int(4 if cycles is None else cycles, "cycles", 1, MAX_CYCLES)
    now = now or utcnow()
    length = count * sum(seconds for _, seconds in PATTERNS[str(pattern)])
    session.grounding = {
        "pattern": pattern,
        "started_at": now.isoformat(),
        "ends_at": (now + timedelta(seconds=length)).isoformat(),
    }
    db.session.flush()
    broadcast = grounding_broadcast(session, now)
    return Outcome(ack=dict(broadcast.data), broadcasts=[broadcast])


def stop_grounding(session: LiveSession, actor: Actor) -> Outcome:
    require_facilitator(actor)
    lock_running(session)
    session.grounding = None
    db.session.flush()
    return Outcome(ack={}, broadcasts=[grounding_broadcast(session, utcnow())])


def start_round(session: LiveSession, actor: Actor) -> Outcome:
    """A talking round through the members present, in the order of their names."""
    require_facilitator(actor)
    lock_running(session)
    order = [p["user_id"] for p in present(session) if p["role"] == CircleRole.MEMBER.value]
    if not order:
        raise LiveError("empty", _l("No member is here yet for a round."))
    session.round_order = order
    session.round_position = 0
    db.session.flush()
    return Outcome(ack={}, broadcasts=[round_broadcast(session)])


def next_in_round(session: LiveSession, actor: Actor) -> Outcome:
    """Pass the word on (the facilitator's "next" and "skip" both move to the next speaker)."""
    require_facilitator(actor)
    lock_running(session)
    if session.round_order is None or session.round_position is None:
        raise LiveError("no_round", _l("No round is running."))
    if session.round_position + 1 >= len(session.round_order):
        session.round_order = None
        session.round_position = None
    else:
        session.round_position += 1
    db.session.flush()
    return Outcome(ack={}, broadcasts=[round_broadcast(session)])


def end_round(session: LiveSession, actor: Actor) -> Outcome:
    require_facilitator(actor)
    lock_running(session)
    session.round_order = None
    session.round_position = None
    db.session.flush()
    return Outcome(ack={}, broadcasts=[round_broadcast(session)])


def set_hand(
    session: LiveSession, actor: Actor, raised: bool, now: datetime | None = None
) -> Outcome:
    require_member(actor)
    lock_running(session)
    participant = participant_of(session, actor.user_id)
    if participant is None:
        raise LiveError("not_joined", _l("Join the session first."))
    participant.hand_raised_at = (now or utcnow()) if raised else None
    db.session.flush()
    return Outcome(ack={}, broadcasts=[presence_broadcast(session)])


def react(session: LiveSession, actor: Actor, kind: object) -> Outcome:
    require_running(session)
    if kind not in REACTIONS:
        raise invalid("reaction must be one of: " + ", ".join(REACTIONS))
    return Outcome(ack={}, broadcasts=[Broadcast("reaction", {"kind": kind}, "room")])


def remove_participant(session: LiveSession, actor: Actor, member_id: object) -> Outcome:
    """Ask someone to leave: their sockets close and they cannot rejoin this session."""
    require_facilitator(actor)
    lock_running(session)
    if not is_id(member_id):
        raise invalid("user must be a participant's id.")
    member = db.session.scalar(
        select(CircleMember).where(
            CircleMember.id == member_id, CircleMember.circle_id == session.circle_id
        )
    )
    if member is None:
        raise LiveError("not_found", _l("There is no such participant."))
    if member.role == CircleRole.FACILITATOR:
        raise LiveError("forbidden", _l("A facilitator cannot be removed from the session."))
    participant = participant_of(session, member.user_id)
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
    return Outcome(
        ack={},
        broadcasts=[presence_broadcast(session)],
        disconnect_sids=sids,
        left_reason="removed",
    )

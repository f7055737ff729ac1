"""Joining a live room, for all the sockets a batch holds at once.

A room's members arrive together (the page opens at the start of a meeting, or everyone
reconnects after a restart). Each joiner must be checked (not removed, not over the socket cap,
the room not ended), recorded (attendance, the connection) and sent the full state, and the room
told who is present. Done one join at a time, that is a dozen queries a join and a presence
broadcast each, a room of twelve receiving 78 of them; here it is a few queries for the whole
batch, the room's shared state found once per room, and one presence broadcast per room.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, select

from circles.bulk import DriverInsert, one_of
from circles.db import utcnow
from circles.extensions import db
from circles.i18n import DEFAULT, speaking
from circles.i18n import lazy_gettext as _l
from circles.live.access import (
    Broadcast,
    LiveError,
    Outcome,
    Seat,
    invalid,
    removed_error,
    require_running,
)
from circles.live.models import (
    Commitment,
    LiveConnection,
    LiveParticipant,
    LiveSession,
    LiveSubmission,
)
from circles.live.state import present_in, room_view, state_for
from circles.safety.models import SupportRequest


@dataclass(frozen=True)
class Joining:
    """A socket asking to enter a session's room."""

    sid: str
    #: The socket's language (for what its state puts in words: an unreadable commitment).
    language: str = DEFAULT


_participants, _connections = LiveParticipant.__table__.c, LiveConnection.__table__.c
#: Built once: every batch of joins runs them.
_PARTICIPANTS = select(
    _participants.session_id,
    _participants.user_id,
    _participants.removed_at,
    _participants.hand_raised_at,
).where(one_of(_participants.session_id, "sessions"), one_of(_participants.user_id, "users"))
_CONNECTIONS = select(_connections.sid, _connections.session_id).where(
    one_of(_connections.sid, "sids")
)
_HELD = (
    select(_connections.session_id, _connections.user_id, func.count())
    .where(one_of(_connections.session_id, "sessions"), one_of(_connections.user_id, "users"))
    .group_by(_connections.session_id, _connections.user_id)
)
_INSERT_CONNECTIONS = DriverInsert(LiveConnection, ["sid", "session_id", "user_id"])
_SESSIONS = select(LiveSession).where(one_of(LiveSession.__table__.c.id, "sessions"))


def join_many(
    asked: Sequence[tuple[Seat, Joining]],
    now: datetime | None = None,
    max_sockets: int | None = None,
) -> list[Outcome | LiveError]:
    """:func:`join` for the joins a batch holds, in order, with a few queries for them all.

    Each joiner gets the full state; the room is told who is present once, with the last join
    of the batch in that room (everyone who joined before it is in the room by then).
    """
    now = now or utcnow()
    connection = db.session.connection()
    session_ids = list({seat.session_id for seat, _ in asked})
    user_ids = list({seat.actor.user_id for seat, _ in asked})
    pairs = {"sessions": session_ids, "users": user_ids}
    sessions = {session.id: session for session in db.session.scalars(_SESSIONS, pairs)}
    participants = {
        (session_id, user_id): (removed, hand)
        for session_id, user_id, removed, hand in connection.execute(_PARTICIPANTS, pairs)
    }
    where: dict[str, int] = dict(
        connection.execute(_CONNECTIONS, {"sids": [joining.sid for _, joining in asked]}).all()
    )
    held = {
        (session_id, user_id): count
        for session_id, user_id, count in (
            connection.execute(_HELD, pairs) if max_sockets is not None else ()
        )
    }
    new_participants, new_connections = [], []
    results: list[Outcome | LiveError] = []
    joined: list[tuple[int, Seat]] = []
    languages: dict[int, str] = {}
    for seat, joining in asked:
        try:
            key = (seat.session_id, seat.actor.user_id)
            session = sessions.get(seat.session_id)
            if session is None:  # deleted since, in this very transaction
                raise LiveError("not_found", _l("There is no such live session."))
            require_running(session)
            removed, _ = participants.get(key, (None, None))
            if removed is not None:
                raise removed_error()
            if joining.sid not in where:
                if max_sockets is not None and held.get(key, 0) >= max_sockets:
                    raise LiveError(
                        "too_many_connections",
                        _l(
                            "You are already in this session on too many devices or tabs; "
                            "close one first."
                        ),
                    )
                held[key] = held.get(key, 0) + 1
                where[joining.sid] = seat.session_id
                new_connections.append(
                    {"sid": joining.sid, "session_id": key[0], "user_id": key[1]}
                )
            elif where[joining.sid] != seat.session_id:
                raise invalid(_l("This connection is already in another session."))
            if key not in participants:
                participants[key] = (None, None)
                new_participants.append({"session_id": key[0], "user_id": key[1], "joined_at": now})
        except LiveError as error:
            results.append(error)
            continue
        languages[len(results)] = joining.language
        joined.append((len(results), seat))
        results.append(Outcome())
    if not joined:
        return results
    if new_participants:
        # Another process adding one of them meanwhile fails the batch's attempt; the next
        # attempt finds it.
        db.session.execute(insert(LiveParticipant), new_participants)
    _INSERT_CONNECTIONS.run(connection, new_connections)
    rooms = present_in(list({seat.session_id for _, seat in joined}))
    views = {
        session_id: room_view(sessions[session_id], now, present)
        for session_id, present in rooms.items()
    }
    answered = answered_by(
        [view.prompt.id for view in views.values() if view.prompt is not None], user_ids
    )
    members = [seat for _, seat in joined if not seat.actor.is_facilitator]
    circles = list({seat.circle_id for seat in members})
    people = list({seat.actor.user_id for seat in members})
    support, committed = own_requests_of(circles, people), committed_in(circles, people)
    last = {seat.session_id: index for index, seat in joined}
    for index, seat in joined:
        view, actor = views[seat.session_id], seat.actor
        _, hand = participants[seat.session_id, actor.user_id]
        earlier = (seat.circle_id, actor.user_id) in committed
        own = support.get((seat.circle_id, actor.user_id), [])
        # What a member's state puts in words (where their support requests stand, a commitment
        # no key opens any more) is in their socket's language.
        with speaking(languages[index]) if own or earlier else nullcontext():
            state = state_for(
                view,
                actor,
                hand=hand is not None,
                answered=view.prompt is not None and (view.prompt.id, actor.user_id) in answered,
                support=own,
                committed=earlier,
            )
        outcome = Outcome(ack={"state": state})
        if last[seat.session_id] == index:
            presence = {"participants": view.shared["participants"]}
            outcome.broadcasts.append(Broadcast("presence", presence, "room"))
        results[index] = outcome
    return results


_answered, _requests = LiveSubmission.__table__.c, SupportRequest.__table__.c
#: Who of some people answered which of some prompts (for people joining together).
_ANSWERED = select(_answered.prompt_id, _answered.user_id).where(
    one_of(_answered.prompt_id, "prompts"), one_of(_answered.user_id, "users")
)


def answered_by(prompt_ids: Sequence[int], user_ids: Sequence[int]) -> set[tuple[int, int]]:
    """(prompt id, user id) of those people's answers to those prompts, in one query."""
    if not prompt_ids or not user_ids:
        return set()
    rows = db.session.connection().execute(
        _ANSWERED, {"prompts": list(prompt_ids), "users": list(user_ids)}
    )
    return {(prompt_id, user_id) for prompt_id, user_id in rows}


_commitments = Commitment.__table__.c
_COMMITTED = (
    select(_commitments.circle_id, _commitments.user_id)
    .where(one_of(_commitments.circle_id, "circles"), one_of(_commitments.user_id, "users"))
    .distinct()
)


def committed_in(circle_ids: Sequence[int], user_ids: Sequence[int]) -> set[tuple[int, int]]:
    """(circle id, user id) of those people who made a commitment in those circles, ever (the
    others have none to be shown), in one query."""
    if not circle_ids or not user_ids:
        return set()
    rows = db.session.connection().execute(
        _COMMITTED, {"circles": list(circle_ids), "users": list(user_ids)}
    )
    return {(circle_id, user_id) for circle_id, user_id in rows}


_OWN_REQUESTS = (
    select(SupportRequest)
    .where(one_of(_requests.circle_id, "circles"), one_of(_requests.user_id, "users"))
    .order_by(SupportRequest.created_at.desc())
)


def own_requests_of(
    circle_ids: Sequence[int], user_ids: Sequence[int]
) -> dict[tuple[int, int], list[SupportRequest]]:
    """Each person's own support requests in a circle (newest first, as
    :func:`circles.safety.services.own_requests`), for several people in one query."""
    found: dict[tuple[int, int], list[SupportRequest]] = {}
    if not circle_ids or not user_ids:
        return found
    requests = db.session.scalars(
        _OWN_REQUESTS, {"circles": list(circle_ids), "users": list(user_ids)}
    )
    for request in requests:
        found.setdefault((request.circle_id, request.user_id), []).append(request)
    return found

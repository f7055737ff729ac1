"""Rooms: opening and finding a live session, joining, leaving, and ending it."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from circles.db import utcnow
from circles.exceptions import ServiceError
from circles.extensions import db
from circles.groups.models import Circle, CircleMember
from circles.i18n import gettext as _
from circles.live import joining
from circles.live.access import (
    Actor,
    Broadcast,
    LiveError,
    Outcome,
    Seat,
    require_facilitator,
    require_running,
)
from circles.live.mixing import settle_unrevealed, write_out_shown
from circles.live.models import (
    LiveConnection,
    LiveParticipant,
    LiveSession,
    LiveStatus,
)
from circles.live.prompts import close_every_prompt, end_running
from circles.live.retention import delete_content
from circles.live.state import (
    presence_broadcast,
    round_broadcast,
)
from circles.orgs.models import Organisation


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
        raise ServiceError(_("This circle is archived."))
    existing = active_session(circle.id)
    if existing is not None:
        return existing
    session = LiveSession(
        circle_id=circle.id,
        meeting_id=meeting_id,
        status=LiveStatus.LOBBY,
        started_by_id=by_user_id,
    )
    try:
        with db.session.begin_nested():
            db.session.add(session)
    except IntegrityError:
        # Another facilitator opened it a moment ago (a unique index keeps one room running
        # per circle): theirs is the room.
        existing = active_session(circle.id)
        if existing is None:
            raise
        return existing
    return session


def join(
    session: LiveSession,
    actor: Actor,
    sid: str,
    now: datetime | None = None,
    max_sockets: int | None = None,
) -> Outcome:
    """Enter the room (again): attendance is recorded, and the full state comes back.

    A person holds at most ``max_sockets`` sockets in one session (every device and tab, in any
    process); one more is refused as ``too_many_connections``.
    """
    seat = Seat(session.id, session.circle_id, session.meeting_id, session.status, actor)
    (outcome,) = joining.join_many([(seat, joining.Joining(sid))], now, max_sockets)
    if isinstance(outcome, LiveError):
        raise outcome
    return outcome


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
    return session.id, [presence_broadcast(session)]


def connections_of(user_id: int, session_id: int | None = None) -> list[str]:
    query = select(LiveConnection.sid).where(LiveConnection.user_id == user_id)
    if session_id is not None:
        query = query.where(LiveConnection.session_id == session_id)
    return list(db.session.scalars(query))


def end_session(session: LiveSession, actor: Actor, now: datetime | None = None) -> Outcome:
    """Close the room: attendance stays, commitments stay with their members, content goes."""
    require_facilitator(actor)
    require_running(session)
    now = now or utcnow()
    # Locks the session's row (PostgreSQL), clears the timer and the round, then closes its
    # prompts as they are now: a prompt opened or an answer given by another process meanwhile
    # is closed or deleted below too. Answers shown at a reveal but never written out (their
    # writing failed) are written out first, as responses only if the organisation keeps them.
    end_running(session, now)
    keep_days = db.session.scalar(
        select(Organisation.live_retention_days)
        .join(Circle, Circle.org_id == Organisation.id)
        .where(Circle.id == session.circle_id)
    )
    write_out_shown(session, responses=bool(keep_days), now=now)
    close_every_prompt(session)
    db.session.execute(delete(LiveConnection).where(LiveConnection.session_id == session.id))
    # Answers never revealed never will be: commitments go to their members, seals go.
    settle_unrevealed(session, now)
    if keep_days:
        # The organisation keeps answers for a while; `flask purge` deletes them afterwards.
        session.content_expires_at = now + timedelta(days=keep_days)
    else:
        delete_content(session.id)
    db.session.flush()
    return Outcome(ack={}, broadcasts=[Broadcast("session.ended", {"session": session.id}, "room")])


def attendance(session_id: int) -> list[int]:
    """Who came to a session (user ids)."""
    return list(
        db.session.scalars(
            select(LiveParticipant.user_id).where(LiveParticipant.session_id == session_id)
        )
    )


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
    return [presence_broadcast(session), round_broadcast(session)]

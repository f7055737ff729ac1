"""What the live package does when other features send their signals (:mod:`circles.signals`).

Each listener closes exactly the sockets concerned: a logout closes that login's sockets (not
the person's other devices); leaving a circle closes the sockets in that circle's room (not in
another circle's); an erased account's sockets close and its rooms are redrawn without it.
Support requests made or answered on a page are shown in the open room.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from circles import signals
from circles.accounts.models import User
from circles.extensions import db
from circles.groups.models import Circle
from circles.i18n import choose, speaking
from circles.live.models import LiveConnection, LiveParticipant, LiveSession
from circles.live.retention import delete_named_answers
from circles.live.rooms import active_session, connections_of, leave_rounds, room_refresh
from circles.live.sockets import (
    NAMESPACE,
    announce,
    close_sockets,
    disconnect_user,
    local_logins,
    login_room,
    socketio_or_none,
)
from circles.live.support import support_broadcast
from circles.safety.models import SupportRequest
from circles.safety.services import status_payload


def close_login(user_id: int, *, token_hash: str, **_: Any) -> None:
    """One login ended: its sockets close; the person's other logins keep theirs.

    This process closes its own sockets of that login at once. Sockets of the login held by
    another process are told (``session.left``, reason ``logged_out``) through the queue, and
    their next event is refused as ``unauthenticated`` and closes them.
    """
    socketio = socketio_or_none()
    if socketio is None:
        return
    socketio.emit(
        "session.left",
        {"session": None, "reason": "logged_out"},
        to=login_room(token_hash),
        namespace=NAMESPACE,
    )
    mine = [sid for sid, login in list(local_logins().items()) if login.token_hash == token_hash]
    close_sockets(mine)


def close_every_login(user_id: int, **_: Any) -> None:
    """Every login of the person ended (or may no longer be in a room): all their sockets."""
    disconnect_user(user_id)


def close_circle(user_id: int, *, circle_id: int, **_: Any) -> None:
    """Out of one circle: the sockets in that circle's rooms close, and no others."""
    close_sockets(_sids_in(user_id, LiveSession.circle_id == circle_id))


def close_organisation(user_id: int, *, org_id: int, **_: Any) -> None:
    """Off an organisation's team: the sockets in its circles' rooms close."""
    in_org = select(Circle.id).where(Circle.org_id == org_id)
    close_sockets(_sids_in(user_id, LiveSession.circle_id.in_(in_org)))


def leave_before_erasure(user_id: int, **_: Any) -> tuple[list[str], set[int]]:
    """An account about to be erased (in the erasing transaction): its named answers go, it
    leaves every running talking round; its sockets and running sessions, found before its rows
    go, are returned for :func:`close_erased` after the commit."""
    sockets = connections_of(user_id)
    sessions = set(
        db.session.scalars(
            select(LiveParticipant.session_id)
            .join(LiveSession, LiveSession.id == LiveParticipant.session_id)
            .where(LiveParticipant.user_id == user_id, LiveSession.ended_at.is_(None))
        )
    )
    delete_named_answers(user_id)
    sessions.update(leave_rounds(user_id))
    return sockets, sessions


def close_erased(user_id: int, *, sockets: list[str], sessions: list[int], **_: Any) -> None:
    """An erased account: its sockets close; the rooms it was in are redrawn without it."""
    close_sockets(sockets)
    for session_id in sessions:
        announce(session_id, room_refresh(session_id))


def _sids_in(user_id: int, where: Any) -> list[str]:
    return list(
        db.session.scalars(
            select(LiveConnection.sid)
            .join(LiveSession, LiveSession.id == LiveConnection.session_id)
            .where(LiveConnection.user_id == user_id, where)
        )
    )


def tell_facilitators(circle_id: int, **_: Any) -> None:
    """A request is waiting: the facilitators in the circle's open room are told (no name)."""
    session = active_session(circle_id)
    if session is not None:
        announce(session.id, [support_broadcast(circle_id)])


def tell_member(request: SupportRequest, **_: Any) -> None:
    """Where their request now stands: shown to the member on their own open live page only."""
    socketio = socketio_or_none()
    session = active_session(request.circle_id)
    if socketio is None or session is None:
        return
    # In the member's language (their socket's, else their setting), not the facilitator's
    # whose page changed it.
    sids = connections_of(request.user_id, session.id)
    if not sids:
        return
    logins = local_logins()
    setting = getattr(db.session.get(User, request.user_id), "language", None)
    for sid in sids:
        login = logins.get(sid)
        with speaking(login.language if login is not None else choose(setting, None, None)):
            payload = {"support": status_payload(request)}
        socketio.emit("support.status", payload, to=sid, namespace=NAMESPACE)


def connect() -> None:
    """Listen (once per process; connecting the same listener again changes nothing)."""
    signals.login_ended.connect(close_login)
    signals.logins_ended.connect(close_every_login)
    signals.member_removed.connect(close_circle)
    signals.staff_removed.connect(close_organisation)
    signals.account_erasing.connect(leave_before_erasure)
    signals.account_erased.connect(close_erased)
    signals.support_requested.connect(tell_facilitators)
    signals.support_status_changed.connect(tell_member)

"""Reaching live sockets from anywhere: the namespace, its rooms, sending and closing.

Used by the socket handlers (:mod:`.events`) and by the listeners that act on other features'
signals (:mod:`.listeners`). With a message queue, emits and disconnects reach every process.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_socketio import SocketIO

from circles.live import rooms
from circles.live.access import Broadcast, Outcome

NAMESPACE = "/live"


def room(session_id: int) -> str:
    return f"live:{session_id}"


def facilitators_room(session_id: int) -> str:
    return f"live:{session_id}:facilitators"


def login_room(token_hash: str) -> str:
    """Every socket opened with one login (for closing exactly that login's sockets)."""
    return f"login:{token_hash}"


def target(session_id: int, broadcast: Broadcast) -> str:
    return room(session_id) if broadcast.to == "room" else facilitators_room(session_id)


@dataclass(frozen=True)
class Login:
    """The login a socket was opened with: every event checks it still exists."""

    token_hash: str
    #: The language this socket is answered in, decided once when it opened (the person's
    #: setting, else its handshake's ``Accept-Language``): see :mod:`.events`.
    language: str = "en"


#: app.extensions key: this process's open sockets and their logins (sid -> Login).
LOGINS = "circles_live_logins"


def local_logins() -> dict[str, Login]:
    logins: dict[str, Login] = current_app.extensions.setdefault(LOGINS, {})
    return logins


def socketio_or_none() -> SocketIO | None:
    return current_app.extensions.get("socketio")


def disconnect_sids(socketio: SocketIO, sids: list[str]) -> None:
    """Close sockets wherever they are (through the message queue when there is one)."""
    for sid in sids:
        socketio.server.disconnect(sid, namespace=NAMESPACE)


def tell_left(socketio: SocketIO, session_id: int, outcome: Outcome) -> None:
    """Tell each socket about to be closed why (``session.left``), before it is closed."""
    left = {"session": session_id, "reason": outcome.left_reason}
    for sid in outcome.disconnect_sids:
        socketio.emit("session.left", left, to=sid, namespace=NAMESPACE)


def close_sockets(sids: list[str]) -> None:
    """Close sockets found earlier (erasure: their rows are gone by the time it commits)."""
    socketio = socketio_or_none()
    if socketio is not None:
        disconnect_sids(socketio, sids)


def disconnect_user(user_id: int, session_id: int | None = None) -> None:
    """Close every open live socket of a person (or in one session)."""
    close_sockets(rooms.connections_of(user_id, session_id))


def announce(session_id: int, broadcasts: list[Broadcast]) -> None:
    """Send a room its broadcasts from outside a socket event (from a page request)."""
    socketio = socketio_or_none()
    if socketio is None:
        return
    for broadcast in broadcasts:
        socketio.emit(
            broadcast.event, broadcast.data, to=target(session_id, broadcast), namespace=NAMESPACE
        )

"""The ``/live`` Socket.IO namespace: thin handlers around :mod:`circles.live.services`.

Every event is authorised against the database (the login session behind the cookie must still
exist; the person must still be in the circle; facilitator events need a facilitator), rate
limited per connection, and acknowledged ``{"ok": true, ...}`` or
``{"ok": false, "error": {"code", "message"}}``. Nothing is committed when an event is refused.
"""

from __future__ import annotations

import bisect
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app, request
from flask_login import current_user
from flask_socketio import SocketIO, emit, join_room
from limits import parse_many

from circles.db import utcnow
from circles.extensions import db
from circles.live import services
from circles.live.services import Actor, Broadcast, LiveError, Outcome
from circles.safety import services as safety
from circles.safety.models import SupportRequest

NAMESPACE = "/live"
log = logging.getLogger(__name__)

Handler = Callable[[Any, Actor, dict[str, Any]], Outcome]


def room(session_id: int) -> str:
    return f"live:{session_id}"


def facilitators_room(session_id: int) -> str:
    return f"live:{session_id}:facilitators"


def _error(code: str, message: str) -> dict[str, Any]:
    return {"ok": False, "error": {"code": code, "message": message}}


class ConnectionLimiter:
    """Per-connection event limits (Flask-Limiter covers HTTP routes only).

    The limits are written and parsed the `limits` way ("20 per second;300 per minute"); each
    socket keeps a moving window of its recent event times, dropped with the socket. (The
    `limits` in-memory storage sweeps every key from a timer every 10 ms: a fifth of the
    server's CPU with a few hundred sockets open.)
    """

    def __init__(self, limits_text: str) -> None:
        self.windows = [(item.amount, item.get_expiry()) for item in parse_many(limits_text)]
        self.longest = max(expiry for _, expiry in self.windows)
        self.hits: dict[str, list[float]] = {}

    def allow(self, sid: str) -> bool:
        now = time.monotonic()
        hits = self.hits.setdefault(sid, [])
        del hits[: bisect.bisect_right(hits, now - self.longest)]
        for amount, expiry in self.windows:
            if len(hits) - bisect.bisect_right(hits, now - expiry) >= amount:
                return False  # refused events are not counted, as in a moving window
        hits.append(now)
        return True

    def forget(self, sid: str) -> None:
        self.hits.pop(sid, None)


def _send(session_id: int, outcome: Outcome) -> None:
    for broadcast in outcome.broadcasts:
        emit(
            broadcast.event, broadcast.data, to=_target(session_id, broadcast), namespace=NAMESPACE
        )


def _target(session_id: int, broadcast: Broadcast) -> str:
    return room(session_id) if broadcast.to == "room" else facilitators_room(session_id)


def disconnect_sids(socketio: SocketIO, sids: list[str]) -> None:
    """Close sockets wherever they are (through the message queue when there is one)."""
    for sid in sids:
        socketio.server.disconnect(sid, namespace=NAMESPACE)


def disconnect_user(user_id: int, session_id: int | None = None) -> None:
    """Close a person's open live sockets at once (logout, password change, removal)."""
    close_sockets(services.connections_of(user_id, session_id))


def close_sockets(sids: list[str]) -> None:
    """Close sockets found earlier (erasure: their rows are gone by the time it commits)."""
    socketio = _socketio()
    if socketio is not None:
        disconnect_sids(socketio, sids)


def announce(session_id: int, broadcasts: list[Broadcast]) -> None:
    """Send a room its broadcasts from outside a socket event (from a page request)."""
    socketio = _socketio()
    if socketio is None:
        return
    for broadcast in broadcasts:
        socketio.emit(
            broadcast.event, broadcast.data, to=_target(session_id, broadcast), namespace=NAMESPACE
        )


def _socketio() -> SocketIO | None:
    return current_app.extensions.get("socketio")


def push_support_requested(circle_id: int) -> None:
    """Tell the facilitators in the circle's open room that a request is waiting (no name)."""
    session = services.active_session(circle_id)
    if session is not None:
        announce(session.id, [services.support_broadcast(circle_id)])


def push_support_status(support: SupportRequest) -> None:
    """Show the member, on their own open live page only, where their request now stands."""
    socketio = _socketio()
    session = services.active_session(support.circle_id)
    if socketio is None or session is None:
        return
    payload = {"support": safety.status_payload(support)}
    for sid in services.connections_of(support.user_id, session.id):
        socketio.emit("support.status", payload, to=sid, namespace=NAMESPACE)


#: event name -> (handler, payload keys the handler reads)
EVENTS: dict[str, Handler] = {
    "prompt.open": lambda s, a, p: services.open_prompt(
        s, a, p.get("prompt"), plan_item_id=p.get("plan_item")
    ),
    "response.submit": lambda s, a, p: services.submit_response(
        s, a, p.get("prompt_id"), p.get("value"), p.get("client_id")
    ),
    "response.pass": lambda s, a, p: services.pass_prompt(
        s, a, p.get("prompt_id"), p.get("client_id")
    ),
    "prompt.reveal": lambda s, a, p: services.reveal_prompt(s, a, p.get("prompt_id")),
    "prompt.close": lambda s, a, p: services.close_prompt(s, a, p.get("prompt_id")),
    "timer.start": lambda s, a, p: services.start_timer(s, a, p.get("seconds")),
    "timer.stop": lambda s, a, p: services.stop_timer(s, a),
    "round.start": lambda s, a, p: services.start_round(s, a),
    "round.next": lambda s, a, p: services.next_in_round(s, a),
    "round.end": lambda s, a, p: services.end_round(s, a),
    "hand.raise": lambda s, a, p: services.set_hand(s, a, True),
    "hand.lower": lambda s, a, p: services.set_hand(s, a, False),
    "reaction.send": lambda s, a, p: services.react(s, a, p.get("kind")),
    "response.hide": lambda s, a, p: services.hide_response(s, a, p.get("response_id")),
    "participant.remove": lambda s, a, p: services.remove_participant(s, a, p.get("user")),
    "session.end": lambda s, a, p: services.end_session(s, a),
    "support.request": lambda s, a, p: services.ask_for_support(s, a, p.get("message")),
}


Run = Callable[[dict[str, Any], "Login"], dict[str, Any]]


@dataclass(frozen=True)
class Login:
    """The login a socket was opened with: every event checks it still exists."""

    token_hash: str

    def since(self) -> datetime:
        """Logins older than this have expired."""
        return utcnow() - timedelta(days=current_app.config["CIRCLES_SESSION_MAX_DAYS"])


def register_live_events(socketio: SocketIO, limits_text: str) -> None:
    limiter = ConnectionLimiter(limits_text)
    #: Each open socket's login (taken at the handshake), so that an event is authorised by a
    #: single query for login and membership together, without reloading the user.
    logins: dict[str, Login] = {}

    def guarded(event: str, run: Run) -> Callable[..., Any]:
        def handler(payload: Any = None, *extra: Any) -> dict[str, Any]:
            sid = request.sid  # type: ignore[attr-defined]
            if not limiter.allow(sid):
                return _error("rate_limited", "Too many events; slow down a little.")
            login = logins.get(sid)
            if login is None:
                socketio.start_background_task(_close_soon, sid)
                return _error("unauthenticated", "Please log in again.")
            if not isinstance(payload, dict) or extra:
                return _error("invalid", "Send one object as the event's payload.")
            try:
                ack = run(payload, login)
            except LiveError as error:
                db.session.rollback()
                if error.code == "unauthenticated":
                    # The login behind this socket has ended (logout, password change) and the
                    # push that closes its sockets was missed: answer, then close it.
                    socketio.start_background_task(_close_soon, sid)
                return _error(error.code, error.message)
            except Exception as error:  # never leave a half-written change
                db.session.rollback()
                log.error("live event %s failed: %s", event, type(error).__name__)
                return _error("server_error", "Something went wrong; please try again.")
            return {"ok": True, **ack}

        handler.__name__ = f"on_{event.replace('.', '_')}"
        return handler

    def _close_soon(sid: str) -> None:
        socketio.sleep(0.2)
        socketio.server.disconnect(sid, namespace=NAMESPACE)

    def run_event(event: str, handler: Handler) -> Run:
        def run(payload: dict[str, Any], login: Login) -> dict[str, Any]:
            session, actor = services.actor_for_login(
                payload.get("session"), login.token_hash, login.since()
            )
            outcome = handler(session, actor, payload)
            db.session.commit()
            _send(session.id, outcome)
            disconnect_sids(socketio, outcome.disconnect_sids)
            for task in outcome.after_commit:
                try:
                    task()
                except Exception as error:  # the change is saved; only the side effect failed
                    log.error("after live event %s: %s", event, type(error).__name__)
            return outcome.ack

        return run

    def run_join(payload: dict[str, Any], login: Login) -> dict[str, Any]:
        session, actor = services.actor_for_login(
            payload.get("session"), login.token_hash, login.since()
        )
        sid = request.sid  # type: ignore[attr-defined]
        outcome = services.join(session, actor, sid)
        db.session.commit()
        join_room(room(session.id))
        if actor.is_facilitator:
            join_room(facilitators_room(session.id))
        _send(session.id, outcome)
        return outcome.ack

    socketio.on_event("join", guarded("join", run_join), namespace=NAMESPACE)
    for name, handler in EVENTS.items():
        socketio.on_event(name, guarded(name, run_event(name, handler)), namespace=NAMESPACE)

    def on_connect(auth: Any = None) -> bool:
        # Engine.IO has already refused foreign Origins; here the login itself is checked.
        if not current_user.is_authenticated or current_user.current_session is None:
            return False
        if current_user.second_factor_due:
            # Their organisation requires two-step sign-in and they have not set it up: like
            # every page but the set-up, the live room stays closed until they do.
            return False
        logins[request.sid] = Login(current_user.current_session.token_hash)  # type: ignore[attr-defined]
        return True

    def on_disconnect(reason: Any = None) -> None:
        sid = request.sid  # type: ignore[attr-defined]
        limiter.forget(sid)
        logins.pop(sid, None)
        try:
            dropped = services.drop_connection(sid)
            db.session.commit()
        except Exception as error:
            db.session.rollback()
            log.error("live disconnect failed: %s", type(error).__name__)
            return
        if dropped is not None:
            session_id, broadcasts = dropped
            _send(session_id, Outcome(broadcasts=broadcasts))

    def on_unknown(event: str, *args: Any) -> dict[str, Any]:
        return _error("unknown_event", f"There is no event called {event[:40]!r}.")

    socketio.on_event("connect", on_connect, namespace=NAMESPACE)
    socketio.on_event("disconnect", on_disconnect, namespace=NAMESPACE)
    socketio.on_event("*", on_unknown, namespace=NAMESPACE)

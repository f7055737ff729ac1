"""The ``/live`` Socket.IO namespace: thin handlers around the live services, looked up in
:mod:`.routing` and written by :mod:`.writing`.

Every event is authorised against the database (the login session behind the cookie must still
exist; the person must still be in the circle and not removed from the session; facilitator
events need a facilitator), rate limited per connection and per person (:mod:`.throttle`), and
acknowledged ``{"ok": true, ...}`` or ``{"ok": false, "error": {"code", "message"}}``. Events
that arrive together are written in one transaction (:class:`.writing.BatchWriter`); nothing of
a refused event is kept, and no event is acknowledged before the commit that holds it.

The namespace is python-socketio's own (not Flask-SocketIO's, which pushes an app and request
context for every event): a batch pushes one app context for all its events, and the handshake
reads the session cookie without a request (:mod:`.handshake`).
"""

from __future__ import annotations

import logging
from typing import Any

import socketio
from flask import Flask
from flask_socketio import SocketIO

from circles.db import utcnow
from circles.extensions import db
from circles.i18n import DEFAULT, accept_from_header, choose
from circles.i18n import lazy_gettext as _l
from circles.live import access, listeners, processes, questions
from circles.live.batch import LINGER_SECONDS, GroupCommit, Job
from circles.live.handshake import login_token
from circles.live.queue import SteadyRedisManager
from circles.live.refusals import Refusals, refusal
from circles.live.routing import CLIENT_EVENTS
from circles.live.sockets import LOGINS, NAMESPACE, Login, login_room
from circles.live.throttle import ConnectionLimiter as ConnectionLimiter
from circles.live.throttle import Throttle
from circles.live.transport import MALFORMED
from circles.live.writing import BatchWriter, Event, logged_in_since
from circles.tokens import hash_token

__all__ = ["ConnectionLimiter", "Event", "LiveNamespace", "Login", "register_live_events"]

log = logging.getLogger(__name__)

_CLIENT_EVENTS = frozenset(CLIENT_EVENTS)

#: Refusals without detail, answered before an event reaches the writer.
_REFUSALS = {
    "rate_limited": ("rate_limited", _l("Too many events; slow down a little.")),
    "unauthenticated": ("unauthenticated", _l("Please log in again.")),
    "not_an_object": ("invalid", _l("Send one object as the event's payload.")),
    "malformed": ("invalid", MALFORMED),
}


def socket_language(setting: str | None, environ: dict[str, Any]) -> str:
    """The language a socket is answered in: the person's setting, else the browser's
    ``Accept-Language`` in the socket's handshake (decided once, when it opens)."""
    return choose(setting, None, accept_from_header(environ.get("HTTP_ACCEPT_LANGUAGE")))


class LiveNamespace(socketio.Namespace):
    """``/live``: the handshake, the client events (to the batch writer), the disconnect."""

    def __init__(
        self, sio: SocketIO, app: Flask, limits_text: str, person_limits_text: str | None = None
    ) -> None:
        super().__init__(NAMESPACE)
        self.sio, self.app = sio, app
        self.limiter = Throttle(
            limits_text, person_limits_text or app.config["CIRCLES_LIVE_PERSON_EVENT_LIMIT"]
        )
        self.liveness = processes.Liveness(app, app.config.get("CIRCLES_REDIS_URL"))
        #: Each open socket's login (taken at the handshake), so that an event is authorised by
        #: a single query for login and membership together, without reloading the user.
        self.logins: dict[str, Login] = app.extensions.setdefault(LOGINS, {})
        self.writer = BatchWriter(sio, app)
        self.refusals = Refusals(app, _REFUSALS)
        # Sockets open in bursts (a meeting starting, a restart): each batch waits for the rest.
        self.logins_checked = GroupCommit(
            self.check_logins,
            pause=lambda: sio.sleep(0),
            linger=lambda _: True,
            wait=lambda: sio.sleep(LINGER_SECONDS),
        )

    def trigger_event(self, event: str, *args: Any) -> Any:
        if event == "connect":
            return self.on_connect(*args)
        if event == "disconnect":
            return self.on_disconnect(args[0])
        if event in _CLIENT_EVENTS:
            return self.receive(event, *args)
        with self.app.app_context():
            return refusal(
                "unknown_event",
                _l("There is no event called %(name)s.", name=repr(event[:40])),
                self.language(args[0] if args else ""),
            )

    def language(self, sid: str) -> str:
        login = self.logins.get(sid)
        return login.language if login is not None else DEFAULT

    def malformed(self, sid: str) -> dict[str, Any]:
        """The refusal of an event that is not ``[name, ...]`` (:mod:`.transport`)."""
        return self.refusals("malformed", self.language(sid))

    def on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> bool:
        # Engine.IO has already refused foreign Origins; here the login itself is checked: it
        # must be alive, and two-step sign-in not due (like every page but its set-up, the live
        # room stays closed until they set it up).
        token = login_token(self.app, environ)
        if token is None:
            return False
        login: access.SocketLogin | None = self.logins_checked.submit(hash_token(token))
        if login is None:
            return False
        self.logins[sid] = Login(login.token_hash, socket_language(login.language, environ))
        self.limiter.opened(sid, login.user_id)
        self.liveness.first_socket(self.sio.start_background_task, self.sio.sleep)
        # So that a logout reaches exactly this login's sockets, in any process.
        self.enter_room(sid, login_room(login.token_hash))
        return True

    def check_logins(self, jobs: list[Job]) -> None:
        """The logins of sockets opening together, checked with one query (a room's members
        arrive together; one database connection and round trip each would cost more than
        the rest of opening a socket)."""
        with self.app.app_context():
            try:
                found = access.socket_logins(
                    [job.payload for job in jobs], logged_in_since(), utcnow()
                )
                # Committed even when only read: ending it with a rollback would make psycopg
                # drop every statement prepared on the connection (DEALLOCATE ALL), and each
                # batch of joins that follows on it would be planned again (docs/benchmarks.md).
                db.session.commit()
            except Exception as error:
                db.session.rollback()
                log.error("live connect failed: %s", type(error).__name__)
                found = {}
        for job in jobs:
            job.result = found.get(job.payload)

    def receive(self, name: str, sid: str, payload: Any = None, *extra: Any) -> dict[str, Any]:
        login = self.logins.get(sid)
        language = login.language if login is not None else DEFAULT
        if not self.limiter.allow(sid):
            return self.refusals("rate_limited", language)
        if login is None:
            self.sio.start_background_task(self.writer.close_soon, sid)
            return self.refusals("unauthenticated", language)
        if not isinstance(payload, dict) or extra:
            return self.refusals("not_an_object", language)
        return self.writer.submit(Event(name, sid, login, payload))

    def on_disconnect(self, sid: str) -> None:
        self.limiter.closed(sid)
        self.logins.pop(sid, None)
        with self.app.app_context():
            self.writer.forget_connection(sid)


def register_live_events(
    sio: SocketIO, app: Flask, limits_text: str, person_limits_text: str | None = None
) -> LiveNamespace:
    """Register the ``/live`` namespace on the Socket.IO server itself."""
    listeners.connect()
    questions.connect()
    server = sio.server
    processes.stamp_socket_ids(server)
    if isinstance(server.manager, SteadyRedisManager):
        # Broadcasts were lost while Redis was away: this process's own sockets (never through
        # the queue) are told to join again and redraw from the database.
        server.manager.on_resync(
            lambda cause: server.emit(
                "resync", {"reason": "broadcasts_missed"}, namespace=NAMESPACE, ignore_queue=True
            )
        )
    namespace = LiveNamespace(sio, app, limits_text, person_limits_text)
    server.register_namespace(namespace)
    return namespace

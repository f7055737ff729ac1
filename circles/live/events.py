"""The ``/live`` Socket.IO namespace: thin handlers around the live services (:mod:`.access`,
:mod:`.rooms`, :mod:`.prompts`, :mod:`.facilitation`, :mod:`.support`, :mod:`.answers`,
:mod:`.opening`), looked up in :mod:`.routing`.

Every event is authorised against the database (the login session behind the cookie must still
exist; the person must still be in the circle and not removed from the session; facilitator
events need a facilitator), rate limited per connection and per person (:mod:`.throttle`), and
acknowledged ``{"ok": true, ...}`` or
``{"ok": false, "error": {"code", "message"}}``. Events that arrive together are written in one
transaction (:mod:`circles.live.batch`); nothing of a refused event is kept, and no event is
acknowledged before the commit that holds it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, current_app, request
from flask_socketio import SocketIO
from sqlalchemy.exc import DBAPIError, IntegrityError

from circles.db import begin_writing, utcnow
from circles.extensions import db
from circles.live import (
    access,
    joining,
    listeners,
    processes,
    rooms,
)
from circles.live.access import LiveError, Outcome
from circles.live.batch import GroupCommit, Job
from circles.live.handshake import login_token
from circles.live.queue import SteadyRedisManager
from circles.live.routing import BULK, CLIENT_EVENTS, EVENTS, Bulk, runs
from circles.live.sockets import (
    LOGINS,
    NAMESPACE,
    Login,
    announce,
    disconnect_sids,
    facilitators_room,
    login_room,
    room,
    tell_left,
)
from circles.live.throttle import ConnectionLimiter as ConnectionLimiter
from circles.live.throttle import Throttle
from circles.tokens import hash_token

log = logging.getLogger(__name__)


def _error(code: str, message: str) -> dict[str, Any]:
    return {"ok": False, "error": {"code": code, "message": message}}


_server_error = _error("server_error", "Something went wrong; please try again.")


def _retryable(error: Exception) -> bool:
    """A deadlock or serialization failure (PostgreSQL): the transaction may simply run again."""
    orig = getattr(error, "orig", None)
    return isinstance(error, DBAPIError) and getattr(orig, "sqlstate", None) in {"40001", "40P01"}


def _send(session_id: int, outcome: Outcome) -> None:
    announce(session_id, outcome.broadcasts)


def logged_in_since() -> datetime:
    """Logins older than this have expired."""
    return utcnow() - timedelta(days=current_app.config["CIRCLES_SESSION_MAX_DAYS"])


@dataclass(frozen=True)
class Event:
    """A client event waiting for its batch (see :mod:`circles.live.batch`)."""

    name: str
    sid: str
    login: Login
    payload: dict[str, Any]


@dataclass
class Done:
    """A handled event: what to send once its batch is committed."""

    session_id: int
    outcome: Outcome
    rooms: list[str]


def register_live_events(
    socketio: SocketIO, app: Flask, limits_text: str, person_limits_text: str | None = None
) -> None:
    """The namespace's handlers, registered on the Socket.IO server itself.

    Client events skip Flask-SocketIO's per-event request context: they are queued for a group
    commit (:mod:`circles.live.batch`), and each batch runs in one app context and one
    transaction, every event in a savepoint of its own, so that a refused or failed event
    leaves nothing behind while the others in its batch are kept.
    """
    limiter = Throttle(
        limits_text, person_limits_text or app.config["CIRCLES_LIVE_PERSON_EVENT_LIMIT"]
    )
    listeners.connect()
    processes.stamp_socket_ids(socketio.server)
    liveness = processes.Liveness(app, app.config.get("CIRCLES_REDIS_URL"))
    #: Each open socket's login (taken at the handshake), so that an event is authorised by a
    #: single query for login and membership together, without reloading the user.
    logins: dict[str, Login] = app.extensions.setdefault(LOGINS, {})
    server = socketio.server
    if isinstance(server.manager, SteadyRedisManager):
        # Broadcasts were lost while Redis was away: this process's own sockets (never through
        # the queue) are told to join again and redraw from the database.
        server.manager.on_resync(
            lambda cause: server.emit(
                "resync", {"reason": "broadcasts_missed"}, namespace=NAMESPACE, ignore_queue=True
            )
        )

    def close_soon(sid: str) -> None:
        socketio.sleep(0.2)
        server.disconnect(sid, namespace=NAMESPACE)

    def join_together(asked: list[tuple[access.Seat, Any]]) -> list[Outcome | LiveError]:
        return joining.join_many(
            asked, max_sockets=current_app.config["CIRCLES_LIVE_SOCKETS_PER_PERSON"]
        )

    def in_runs(jobs: list[Job]) -> Iterator[tuple[Bulk | None, list[Job]]]:
        """:func:`runs`, with consecutive joins handled together too: a room's members arrive
        together, and the state each is sent is mostly the same room's."""
        joins: list[Job] = []
        for bulk, run in runs(jobs):
            if bulk is None and run[0].payload.name == "join":
                joins += run
                continue
            if joins:
                yield join_together, joins
                joins = []
            yield bulk, run
        if joins:
            yield join_together, joins

    def handle(event: Event) -> tuple[dict[str, Any], Done | None]:
        """Run one event in its savepoint; the acknowledgement, and what to send after."""
        try:
            with db.session.begin_nested():
                session, actor = access.actor_for_login(
                    event.payload.get("session"), event.login.token_hash, logged_in_since()
                )
                session_id = session.id
                outcome = EVENTS[event.name](session, actor, event.payload)
        except LiveError as error:
            if error.code == "unauthenticated":
                # The login behind this socket has ended (logout, password change) and the
                # push that closes its sockets was missed: answer, then close it.
                socketio.start_background_task(close_soon, event.sid)
            return _error(error.code, error.message), None
        except Exception as error:  # never leave a half-written change
            if _retryable(error):
                raise  # the whole batch is tried again
            log.error("live event %s failed: %s", event.name, type(error).__name__)
            return _server_error, None
        return {"ok": True, **outcome.ack}, Done(session_id, outcome, [])

    def handle_together(bulk: Bulk, jobs: list[Job]) -> list[tuple[Job, Done]]:
        """A run of events handled together, in one savepoint; those done, with what to send.

        If the run fails as a whole, its events are tried again one by one, each in its own
        savepoint, so that one bad event cannot take the others with it.
        """
        results = attempt_together(bulk, jobs)
        if results is None:
            results = []
            for job in jobs:
                results += attempt_together(bulk, [job]) or [(_server_error, None)]
        handled = []
        for job, (ack, done) in zip(jobs, results, strict=True):
            job.result = ack
            if done is not None:
                handled.append((job, done))
        return handled

    def attempt_together(
        bulk: Bulk, jobs: list[Job]
    ) -> list[tuple[dict[str, Any], Done | None]] | None:
        for attempt in (1, 2):
            try:
                with db.session.begin_nested():
                    return together(bulk, [job.payload for job in jobs])
            except IntegrityError:
                # Another process stored one of these a moment ago; the second check sees it.
                if attempt == 2:
                    log.error("live %s: the same clash twice", jobs[0].payload.name)
            except Exception as error:
                if _retryable(error):
                    raise  # the whole batch is tried again
                log.error("live %s failed: %s", jobs[0].payload.name, type(error).__name__)
                return None
        return None

    def together(bulk: Bulk, events: list[Event]) -> list[tuple[dict[str, Any], Done | None]]:
        seats = access.seats(
            [(event.payload.get("session"), event.login.token_hash) for event in events],
            logged_in_since(),
        )
        asked = [
            (seat, asks(event))
            for seat, event in zip(seats, events, strict=True)
            if isinstance(seat, access.Seat)
        ]
        outcomes = iter(bulk(asked))
        results: list[tuple[dict[str, Any], Done | None]] = []
        for seat, event in zip(seats, events, strict=True):
            result = next(outcomes) if isinstance(seat, access.Seat) else seat
            if isinstance(result, LiveError):
                if result.code == "unauthenticated":
                    socketio.start_background_task(close_soon, event.sid)
                results.append((_error(result.code, result.message), None))
            else:
                assert isinstance(seat, access.Seat)
                done = Done(seat.session_id, result, rooms_entered(event, seat))
                results.append(({"ok": True, **result.ack}, done))
        return results

    def asks(event: Event) -> Any:
        """What an event handled in bulk asks for."""
        if event.name == "join":
            return joining.Joining(event.sid)
        return BULK[event.name][0](event.payload)

    def rooms_entered(event: Event, seat: access.Seat) -> list[str]:
        """The rooms a socket enters once its event is committed (a join's)."""
        if event.name != "join":
            return []
        if seat.actor.is_facilitator:
            return [room(seat.session_id), facilitators_room(seat.session_id)]
        return [room(seat.session_id)]

    def write(jobs: list[Job]) -> list[tuple[Job, Done]]:
        """Handle the batch's events in order and commit them together.

        A deadlock or serialization failure (PostgreSQL, several processes) rolls the whole
        batch back, locks and all, and the batch is tried again: nothing has been sent yet.
        """
        for attempt in range(1, 4):
            for job in jobs:
                job.result = None
            try:
                begin_writing()
                handled: list[tuple[Job, Done]] = []
                for bulk, run in in_runs(jobs):
                    if bulk is not None:
                        handled += handle_together(bulk, run)
                        continue
                    for job in run:
                        job.result, done = handle(job.payload)
                        if done is not None:
                            handled.append((job, done))
                db.session.commit()
                return handled
            except Exception as error:
                db.session.rollback()
                if not _retryable(error) or attempt == 3:
                    raise
                log.warning("live batch of %d tried again: %s", len(jobs), type(error).__name__)
        raise AssertionError("unreachable")

    def run_batch(jobs: list[Job]) -> None:
        with app.app_context():
            try:
                handled = write(jobs)
            except Exception as error:  # the lock, or the commit: nothing of the batch is kept
                db.session.rollback()
                log.error("live batch of %d failed: %s", len(jobs), type(error).__name__)
                for job in jobs:  # refusals too: they may rest on events rolled back with it
                    job.result = _server_error
                return
            gone = []
            for job, done in handled:
                try:
                    for name in done.rooms:
                        server.enter_room(job.payload.sid, name, namespace=NAMESPACE)
                except KeyError:  # the socket closed before its join was written
                    gone.append(job.payload.sid)
                try:
                    _send(done.session_id, done.outcome)
                    if done.outcome.left_reason is not None:
                        tell_left(socketio, done.session_id, done.outcome)
                    disconnect_sids(socketio, done.outcome.disconnect_sids)
                except Exception as error:  # saved; one event's messages must not stop the rest
                    log.error(
                        "sending after live event %s: %s", job.payload.name, type(error).__name__
                    )
            for sid in gone:
                forget_connection(sid)

    def forget_connection(sid: str) -> None:
        """The socket is gone: drop its connection row, tell its room who is still here."""
        try:
            dropped = rooms.drop_connection(sid)
            db.session.commit()
        except Exception as error:
            db.session.rollback()
            log.error("live disconnect failed: %s", type(error).__name__)
            return
        if dropped is not None:
            session_id, broadcasts = dropped
            _send(session_id, Outcome(broadcasts=broadcasts))

    batches = GroupCommit(run_batch, pause=lambda: socketio.sleep(0))

    def check_logins(jobs: list[Job]) -> None:
        """The logins of sockets opening together, checked with one query (a room's members
        arrive together; one database connection and round trip each would cost more than
        the rest of opening a socket)."""
        with app.app_context():
            try:
                found = access.socket_logins(
                    [job.payload for job in jobs], logged_in_since(), utcnow()
                )
                if any(login.seen for login in found.values()):
                    db.session.commit()
            except Exception as error:
                db.session.rollback()
                log.error("live connect failed: %s", type(error).__name__)
                found = {}
        for job in jobs:
            job.result = found.get(job.payload)

    logins_checked = GroupCommit(check_logins, pause=lambda: socketio.sleep(0))

    def receiver(name: str) -> Callable[..., dict[str, Any]]:
        def receive(sid: str, payload: Any = None, *extra: Any) -> dict[str, Any]:
            if not limiter.allow(sid):
                return _error("rate_limited", "Too many events; slow down a little.")
            login = logins.get(sid)
            if login is None:
                socketio.start_background_task(close_soon, sid)
                return _error("unauthenticated", "Please log in again.")
            if not isinstance(payload, dict) or extra:
                return _error("invalid", "Send one object as the event's payload.")
            result: dict[str, Any] | None = batches.submit(Event(name, sid, login, payload))
            return result or _server_error

        receive.__name__ = f"on_{name.replace('.', '_')}"
        return receive

    for name in CLIENT_EVENTS:
        server.on(name, receiver(name), namespace=NAMESPACE)

    def on_connect(sid: str, environ: dict[str, Any], auth: Any = None) -> bool:
        # Engine.IO has already refused foreign Origins; here the login itself is checked: it
        # must be alive, and two-step sign-in not due (like every page but its set-up, the live
        # room stays closed until they set it up). See circles.live.handshake: no request context.
        token = login_token(app, environ)
        if token is None:
            return False
        login: access.SocketLogin | None = logins_checked.submit(hash_token(token))
        if login is None:
            return False
        logins[sid] = Login(login.token_hash)
        limiter.opened(sid, login.user_id)
        liveness.first_socket(socketio.start_background_task, socketio.sleep)
        # So that a logout reaches exactly this login's sockets, in any process.
        server.enter_room(sid, login_room(login.token_hash), namespace=NAMESPACE)
        return True

    def on_disconnect(reason: Any = None) -> None:
        sid = request.sid  # type: ignore[attr-defined]
        limiter.closed(sid)
        logins.pop(sid, None)
        forget_connection(sid)

    def on_unknown(event: str, *args: Any) -> dict[str, Any]:
        return _error("unknown_event", f"There is no event called {event[:40]!r}.")

    server.on("connect", on_connect, namespace=NAMESPACE)
    socketio.on_event("disconnect", on_disconnect, namespace=NAMESPACE)
    socketio.on_event("*", on_unknown, namespace=NAMESPACE)

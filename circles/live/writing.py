"""Writing live events: each batch of client events in one transaction, then what it sends.

The ``/live`` namespace (:mod:`circles.live.events`) hands every client event to a
:class:`BatchWriter`, which queues it for a group commit (:mod:`circles.live.batch`). Each batch
runs in one app context and one transaction, every event in a savepoint of its own (runs of
answers, opens, reveals and joins together, see :mod:`circles.live.routing`), so that a refused
or failed event leaves nothing behind while the others in its batch are kept. Only once the
batch is committed are its sockets put in their rooms, its broadcasts sent and its events
acknowledged. The writer needs an app and a Socket.IO server, no socket: tests drive it with
:class:`Event` objects.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, current_app
from flask_socketio import SocketIO
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, IntegrityError

from circles.commit_hooks import after_commit
from circles.db import begin_writing, empty_write_ahead_log_soon, utcnow
from circles.extensions import db
from circles.i18n import speaking
from circles.live import access, joining, mixing, rooms
from circles.live.access import LiveError, Outcome
from circles.live.batch import LINGER_SECONDS, GroupCommit, Job
from circles.live.mixing import Opened
from circles.live.refusals import SOMETHING_WENT_WRONG, Refusals, refusal
from circles.live.routing import BULK, EVENTS, Bulk, runs
from circles.live.sockets import (
    NAMESPACE,
    Login,
    announce,
    disconnect_sids,
    facilitators_room,
    room,
    tell_left,
)

log = logging.getLogger(__name__)


#: At most this many prompts' revealed answers wait in memory to be written out again.
UNWRITTEN_KEPT = 1000


def _retryable(error: Exception) -> bool:
    """A deadlock or serialization failure (PostgreSQL): the transaction may simply run again."""
    orig = getattr(error, "orig", None)
    return isinstance(error, DBAPIError) and getattr(orig, "sqlstate", None) in {"40001", "40P01"}


#: Events that come in bursts, whose batch waits for the rest of theirs (see :mod:`.batch`): a
#: room's members joining together; on PostgreSQL also prompts opened or revealed in many rooms
#: at once, where the first to arrive would otherwise go alone and hold the others back for its
#: round trips to the database (docs/benchmarks.md). SQLite's batches run without waiting on
#: anything, so a batch of one costs the rest little there.
LINGERING = frozenset({"join"})
LINGERING_ON_POSTGRESQL = LINGERING | {"prompt.open", "prompt.reveal"}


def lingers_for(app: Flask) -> Callable[[Sequence[Event]], bool]:
    """Whether a batch of these events waits for the rest of its burst, on the app's database."""
    backend = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).get_backend_name()
    names = LINGERING_ON_POSTGRESQL if backend == "postgresql" else LINGERING
    return lambda events: any(event.name in names for event in events)


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


class BatchWriter:
    """Client events written a batch at a time (:meth:`submit` returns the acknowledgement)."""

    def __init__(self, socketio: SocketIO, app: Flask) -> None:
        self.socketio, self.app, self.server = socketio, app, socketio.server
        self.refusals = Refusals(app, {"server_error": ("server_error", SOMETHING_WENT_WRONG)})
        self._batches = GroupCommit(
            self.run_batch,
            pause=lambda: socketio.sleep(0),
            linger=lingers_for(app),
            wait=lambda: socketio.sleep(LINGER_SECONDS),
        )
        #: Revealed answers whose writing out failed, tried once more by the next batch.
        self.unwritten: list[Opened] = []

    def submit(self, event: Event) -> dict[str, Any]:
        result: dict[str, Any] | None = self._batches.submit(event)
        return result or self.server_error(event)

    def server_error(self, event: Event) -> dict[str, Any]:
        return self.refusals("server_error", event.login.language)

    def close_soon(self, sid: str) -> None:
        self.socketio.sleep(0.2)
        self.server.disconnect(sid, namespace=NAMESPACE)

    def join_together(self, asked: list[tuple[access.Seat, Any]]) -> list[Outcome | LiveError]:
        return joining.join_many(
            asked, max_sockets=current_app.config["CIRCLES_LIVE_SOCKETS_PER_PERSON"]
        )

    def in_runs(self, jobs: list[Job]) -> Iterator[tuple[Bulk | None, list[Job]]]:
        """:func:`runs`, with consecutive joins handled together too: a room's members arrive
        together, and the state each is sent is mostly the same room's."""
        joins: list[Job] = []
        for bulk, run in runs(jobs):
            if bulk is None and run[0].payload.name == "join":
                joins += run
                continue
            if joins:
                yield self.join_together, joins
                joins = []
            yield bulk, run
        if joins:
            yield self.join_together, joins

    def handle(self, event: Event) -> tuple[dict[str, Any], Done | None]:
        """Run one event in its savepoint; the acknowledgement, and what to send after."""
        try:
            # Anything this event puts in words itself is in its socket's language.
            with speaking(event.login.language), db.session.begin_nested():
                session, actor = access.actor_for_login(
                    event.payload.get("session"), event.login.token_hash, logged_in_since()
                )
                session_id = session.id
                outcome = EVENTS[event.name](session, actor, event.payload)
        except LiveError as error:
            if error.code == "unauthenticated":
                # The login behind this socket has ended (logout, password change) and the
                # push that closes its sockets was missed: answer, then close it.
                self.socketio.start_background_task(self.close_soon, event.sid)
            return refusal(error.code, error.message, event.login.language), None
        except Exception as error:  # never leave a half-written change
            if _retryable(error):
                raise  # the whole batch is tried again
            log.error("live event %s failed: %s", event.name, type(error).__name__)
            return self.server_error(event), None
        return {"ok": True, **outcome.ack}, Done(session_id, outcome, [])

    def handle_together(self, bulk: Bulk, jobs: list[Job]) -> list[tuple[Job, Done]]:
        """A run of events handled together, in one savepoint; those done, with what to send.

        If the run fails as a whole, its events are tried again one by one, each in its own
        savepoint, so that one bad event cannot take the others with it.
        """
        results = self.attempt_together(bulk, jobs)
        if results is None:
            results = []
            for job in jobs:
                results += self.attempt_together(bulk, [job]) or [
                    (self.server_error(job.payload), None)
                ]
        handled = []
        for job, (ack, done) in zip(jobs, results, strict=True):
            job.result = ack
            if done is not None:
                handled.append((job, done))
        return handled

    def attempt_together(
        self, bulk: Bulk, jobs: list[Job]
    ) -> list[tuple[dict[str, Any], Done | None]] | None:
        for attempt in (1, 2):
            try:
                with db.session.begin_nested():
                    return self.together(bulk, [job.payload for job in jobs])
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

    def together(self, bulk: Bulk, events: list[Event]) -> list[tuple[dict[str, Any], Done | None]]:
        seats = access.seats(
            [(event.payload.get("session"), event.login.token_hash) for event in events],
            logged_in_since(),
        )
        asked = [
            (seat, self.asks(event))
            for seat, event in zip(seats, events, strict=True)
            if isinstance(seat, access.Seat)
        ]
        outcomes = iter(bulk(asked))
        results: list[tuple[dict[str, Any], Done | None]] = []
        for seat, event in zip(seats, events, strict=True):
            result = next(outcomes) if isinstance(seat, access.Seat) else seat
            if isinstance(result, LiveError):
                if result.code == "unauthenticated":
                    self.socketio.start_background_task(self.close_soon, event.sid)
                results.append((refusal(result.code, result.message, event.login.language), None))
            else:
                assert isinstance(seat, access.Seat)
                done = Done(seat.session_id, result, self.rooms_entered(event, seat))
                results.append(({"ok": True, **result.ack}, done))
        return results

    def asks(self, event: Event) -> Any:
        """What an event handled in bulk asks for."""
        if event.name == "join":
            return joining.Joining(event.sid, event.login.language)
        return BULK[event.name][0](event.payload)

    def rooms_entered(self, event: Event, seat: access.Seat) -> list[str]:
        """The rooms a socket enters once its event is committed (a join's)."""
        if event.name != "join":
            return []
        if seat.actor.is_facilitator:
            return [room(seat.session_id), facilitators_room(seat.session_id)]
        return [room(seat.session_id)]

    def write(self, jobs: list[Job]) -> tuple[list[tuple[Job, Done]], list[Opened]]:
        """Handle the batch's events in order and commit them together; what to send, and the
        revealed answers to write out once it is sent (:meth:`write_out`).

        Answers whose writing out failed after the last batch are written out first, and
        answers revealed before the batch's last run are written out in the batch itself: the
        events after them may read them (a join's state). A deadlock or serialization failure
        (PostgreSQL, several processes) rolls the whole batch back, locks and all, and the
        batch is tried again: nothing has been sent yet.
        """
        for attempt in range(1, 4):
            for job in jobs:
                job.result = None
            try:
                begin_writing()
                # Tried once more here; if that fails too, their session's end writes them out.
                self.write_out_within(self.unwritten)
                failed: list[Opened] = []
                handled: list[tuple[Job, Done]] = []
                later: list[Opened] = []
                for bulk, run in self.in_runs(jobs):
                    if later:
                        failed += self.write_out_within(later)
                        later = []
                    done = self.handle_run(bulk, run)
                    later = [o for _, d in done for o in d.outcome.opened]
                    handled += done
                db.session.commit()
                self.unwritten = failed
                return handled, later
            except Exception as error:
                db.session.rollback()
                if not _retryable(error) or attempt == 3:
                    raise
                log.warning("live batch of %d tried again: %s", len(jobs), type(error).__name__)
        raise AssertionError("unreachable")

    def handle_run(self, bulk: Bulk | None, run: list[Job]) -> list[tuple[Job, Done]]:
        if bulk is not None:
            return self.handle_together(bulk, run)
        handled = []
        for job in run:
            job.result, done = self.handle(job.payload)
            if done is not None:
                handled.append((job, done))
        return handled

    def write_out_within(self, opened: list[Opened]) -> list[Opened]:
        """Write out revealed answers within the batch, in a savepoint of their own: a failure
        fails them alone. Returns them if it failed."""
        if not opened:
            return []
        try:
            with db.session.begin_nested():
                mixing.write_out(opened)
            return []
        except Exception as error:
            if _retryable(error):
                raise  # the whole batch is tried again
            log.error("writing out reveals failed: %s", type(error).__name__)
            # SQLite may have spilled the pages rolled back into its -wal.
            after_commit(empty_write_ahead_log_soon)
            return opened

    def write_out(self, opened: list[Opened]) -> None:
        """Write out the answers a batch revealed, now that the room has been sent them.

        Until then the database holds them sealed, as while their prompts were open. Should
        this fail, the prompts stay revealed with their seals: the next batch tries once more,
        and their session's end writes them out in any case (:func:`.mixing.write_out_shown`).
        """
        self.socketio.sleep(0)  # the sockets take the reveals first
        for attempt in range(1, 4):
            try:
                begin_writing()
                mixing.write_out(opened)
                db.session.commit()
                return
            except Exception as error:
                db.session.rollback()
                if not _retryable(error) or attempt == 3:
                    log.error("writing out reveals failed: %s", type(error).__name__)
                    # SQLite may have spilled the pages rolled back into its -wal.
                    empty_write_ahead_log_soon()
                    self.unwritten = opened[-UNWRITTEN_KEPT:]
                    return

    def run_batch(self, jobs: list[Job]) -> None:
        with self.app.app_context():
            try:
                handled, opened = self.write(jobs)
            except Exception as error:  # the lock, or the commit: nothing of the batch is kept
                db.session.rollback()
                log.error("live batch of %d failed: %s", len(jobs), type(error).__name__)
                for job in jobs:  # refusals too: they may rest on events rolled back with it
                    job.result = self.server_error(job.payload)
                return
            gone = []
            for job, done in handled:
                try:
                    for name in done.rooms:
                        self.server.enter_room(job.payload.sid, name, namespace=NAMESPACE)
                except KeyError:  # the socket closed before its join was written
                    gone.append(job.payload.sid)
                try:
                    _send(done.session_id, done.outcome)
                    if done.outcome.left_reason is not None:
                        tell_left(self.socketio, done.session_id, done.outcome)
                    disconnect_sids(self.socketio, done.outcome.disconnect_sids)
                except Exception as error:  # saved; one event's messages must not stop the rest
                    log.error(
                        "sending after live event %s: %s", job.payload.name, type(error).__name__
                    )
            for sid in gone:
                self.forget_connection(sid)
            if opened:
                self.write_out(opened)

    def forget_connection(self, sid: str) -> None:
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

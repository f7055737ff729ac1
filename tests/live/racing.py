"""Racing transactions for tests: each on a thread of its own, like a process of its own."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import Flask

from circles.db import begin_writing
from circles.extensions import db
from circles.live import access
from circles.live.access import Seat
from circles.live.models import (
    LivePrompt,
    LiveResponse,
    LiveSession,
    LiveStatus,
    LiveSubmission,
    PromptStatus,
)

WAIT = 20  # seconds: far longer than any step takes, short enough to fail rather than hang


class Step:
    """One transaction on a thread of its own, which can stop at a chosen point until let go.

    ``work(step)`` runs in its own app context and transaction and is committed (rolled back if
    it raises); inside it, ``step.stop_here()`` stops at once, ``step.stop_after_next()`` after
    the next SQL statement it runs.
    """

    def __init__(self, app: Flask, work: Callable[[Step], Any]) -> None:
        self.app, self.work = app, work
        self.result: Any = None
        self.error: BaseException | None = None
        self.pid: int | None = None
        self.armed = False
        self.stopped, self.go = threading.Event(), threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> Step:
        self.thread.start()
        return self

    def stop_here(self) -> None:
        self.stopped.set()
        assert self.go.wait(WAIT), "never let go"

    def stop_after_next(self) -> None:
        self.armed = True

    def stop_at(self, point: str | None) -> None:
        """ "seated": here, once the event is authorised; "first": after the event's first
        statement; None: nowhere."""
        if point == "seated":
            self.stop_here()
        elif point == "first":
            self.stop_after_next()

    def after_statement(self) -> None:
        if self.armed and threading.get_ident() == self.thread.ident:
            self.armed = False
            self.stop_here()

    def _run(self) -> None:
        with self.app.app_context():
            try:
                self.pid = db.session.scalar(sa.text("SELECT pg_backend_pid()"))
                begin_writing()
                self.result = self.work(self)
                db.session.commit()
            except BaseException as error:
                db.session.rollback()
                self.error = error
            finally:
                self.stopped.set()  # finished: nothing to wait for any more
                db.session.remove()

    # What the test does with it, from the main thread:

    def until_stopped(self) -> Step:
        assert self.stopped.wait(WAIT), "never reached its stopping point"
        return self

    def until_done_or_waiting(self) -> Step:
        """Until it has finished, stopped, or waits for a lock another transaction holds."""
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            if self.stopped.is_set() or not self.thread.is_alive():
                return self
            if self.pid is not None and waiting_for_a_lock(self.app, self.pid):
                return self
            time.sleep(0.02)
        raise AssertionError("neither finished nor waiting")

    def finish(self) -> Any:
        self.go.set()
        self.thread.join(WAIT)
        assert not self.thread.is_alive(), "did not finish"
        return self.result


def waiting_for_a_lock(app: Flask, pid: int) -> bool:
    with app.app_context(), db.engine.connect() as connection:
        return bool(
            connection.scalar(
                sa.text(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE pid = :pid AND wait_event_type = 'Lock'"
                ),
                {"pid": pid},
            )
        )


def left_over(app: Flask, session_id: int) -> dict[str, Any]:
    """What an ended session still holds that it should not (all of it should be empty)."""
    with app.app_context():
        prompt_ids = sa.select(LivePrompt.id).where(LivePrompt.session_id == session_id)
        found = {
            "status": db.session.scalar(
                sa.select(LiveSession.status).where(LiveSession.id == session_id)
            ),
            "open prompts": db.session.scalar(
                sa.select(sa.func.count())
                .select_from(LivePrompt)
                .where(
                    LivePrompt.session_id == session_id,
                    LivePrompt.status != PromptStatus.CLOSED,
                )
            ),
            "responses": db.session.scalar(
                sa.select(sa.func.count())
                .select_from(LiveResponse)
                .where(LiveResponse.prompt_id.in_(prompt_ids))
            ),
            "sealed answers": db.session.scalar(
                sa.select(sa.func.count())
                .select_from(LiveSubmission)
                .where(LiveSubmission.prompt_id.in_(prompt_ids), LiveSubmission.sealed.is_not(None))
            ),
        }
        db.session.remove()
    return found


ENDED_CLEANLY = {"status": LiveStatus.ENDED, "open prompts": 0, "responses": 0, "sealed answers": 0}


def seat_of(session_id: int, user: Any) -> Seat:
    """A person's seat in a session, as the writer authorises an event."""
    session, actor = access.actor_for(session_id, user.id)
    return Seat(session.id, session.circle_id, session.meeting_id, session.status, actor)

"""Group commit: live events that arrive together are written in one transaction.

When a prompt opens, every member of the room answers within a second or two, and a busy
process holds a hundred rooms. Committing each answer on its own costs more than everything
else the event does, and the answers queue behind each other's commits. Here the first event
to arrive becomes the *leader*: it takes every event waiting at that moment, runs them in one
transaction, commits once, and hands the results back. Events that arrive meanwhile wait for
the next batch, led by the oldest of them. None is acknowledged before the commit that holds it.

No event waits for a timer, except those that come in bursts and can wait a moment: sockets
opening and joining their rooms (a meeting starting, everyone reconnecting after a restart),
and on PostgreSQL prompts opened or revealed in many rooms at once (``circles.live.writing``).
A batch holding one of those waits a couple of milliseconds at a time while the burst keeps
bringing more (``linger``), so that a room's members are written in one batch rather than a
few each: each batch of joins costs a dozen statements whatever its size, and on PostgreSQL
the round trips cost more than the joins themselves (docs/benchmarks.md).

The primitives come from :mod:`threading`, which the gevent worker patches: in production the
waiters are greenlets, in tests threads.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

#: How long a batch that lingers waits each time for the rest of its burst, and how often.
LINGER_SECONDS = 0.002
LINGERS = 4


class Job:
    """One event waiting for its batch; ``result`` is what the event is acknowledged with."""

    __slots__ = ("done", "lead", "payload", "result")

    def __init__(self, payload: Any) -> None:
        self.payload = payload
        self.result: Any = None
        self.lead = False
        self.done = threading.Event()


class GroupCommit:
    """Runs ``run_batch`` over the jobs waiting together; ``run_batch`` sets each job's result.

    At most ``limit`` jobs go in one batch, so that a flood cannot hold one transaction open for
    long; the rest lead the next. ``linger``, given the waiting payloads, says whether the batch
    waits for more of its burst, ``wait`` (sleeping :data:`LINGER_SECONDS`) at a time.
    """

    def __init__(
        self,
        run_batch: Callable[[list[Job]], None],
        pause: Callable[[], object],
        limit: int = 500,
        pauses: int = 4,
        linger: Callable[[Sequence[Any]], bool] | None = None,
        wait: Callable[[], object] | None = None,
    ) -> None:
        if (linger is None) != (wait is None):
            raise ValueError("linger and wait go together")
        self._run_batch = run_batch
        self._pause = pause
        self._limit = limit
        self._pauses = pauses
        self._linger = linger
        self._wait = wait
        self._lock = threading.Lock()
        self._waiting: list[Job] = []
        self._busy = False

    def submit(self, payload: Any) -> Any:
        job = Job(payload)
        with self._lock:
            self._waiting.append(job)
            job.lead = not self._busy
            self._busy = True
        if not job.lead:
            try:
                job.done.wait()
            except BaseException:  # its greenlet was killed while it waited
                self._abandon(job)
                raise
        if job.lead:  # first in, or promoted by the batch before
            self._lead(job)
        return job.result

    def _abandon(self, job: Job) -> None:
        """A job whose waiter stopped waiting leaves the line; had it just been made the next
        leader, the lead passes on, so that no one is left waiting for it."""
        with self._lock:
            if job in self._waiting:
                self._waiting.remove(job)
            if job.lead:
                job.lead = False
                self._hand_on()

    def _hand_on(self) -> None:
        """With the lock held: the oldest waiting job leads the next batch, or no batch runs."""
        if self._waiting:
            successor = self._waiting[0]
            successor.lead = True
            successor.done.set()
        else:
            self._busy = False

    def _gather(self) -> None:
        """Let the events already received but not yet handed over join this batch.

        One pause lets every reader that has an event ready hand it over. While each pause
        brings more (a room answering, prompts opening across rooms), pause again, up to
        ``pauses`` times: a burst is written together instead of in many small batches, each
        with its own statements and commit. Without a burst this costs one pause more.

        Then a batch that lingers waits, up to :data:`LINGERS` times, while each wait brings more.
        """
        waiting = self._while_more_arrive(self._pause, self._pauses)
        if self._linger is None or self._wait is None or waiting >= self._limit:
            return
        with self._lock:
            payloads = [job.payload for job in self._waiting]
        if self._linger(payloads):
            self._while_more_arrive(self._wait, LINGERS)

    def _while_more_arrive(self, wait: Callable[[], object], times: int) -> int:
        """Call ``wait`` up to ``times`` times while each call brings more jobs; returns how
        many are waiting then."""
        seen = -1
        for _ in range(times):
            with self._lock:
                waiting = len(self._waiting)
            if waiting == seen or waiting >= self._limit:
                return waiting
            seen = waiting
            wait()
        with self._lock:
            return len(self._waiting)

    def _lead(self, job: Job) -> None:
        batch: list[Job] = []
        try:
            self._gather()
            with self._lock:
                batch = self._waiting[: self._limit]
                del self._waiting[: self._limit]
            self._run_batch(batch)
        finally:
            with self._lock:
                if job in self._waiting:  # interrupted before taking its batch: drop it
                    self._waiting.remove(job)
                self._hand_on()  # this one is done
            for done in batch:
                done.lead = False
                done.done.set()

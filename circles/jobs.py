"""Work after a request, on a Huey job queue: mail, reminders, the retention purge, releases.

Nothing slow happens inside a request or a live event: they queue a job (after the commit that
needs it, see :func:`enqueue_after_commit`) and a consumer, ``flask jobs``, runs it in an app of
its own. The queue is kept in SQLite (``instance/jobs.sqlite3``) by default and in Redis when
``CIRCLES_REDIS_URL`` (or ``CIRCLES_JOBS_URL``) is set; it keeps no results, only jobs waiting
to run, and each job's arguments are ids or sealed values (:mod:`circles.mail`), nothing
readable about anyone. Periodic work (reminders, purge, check-in release) is scheduled by the
same consumer, so cron is optional. ``CIRCLES_JOBS_IMMEDIATE`` runs every job at once, in the
process that queued it (tests).

A job that raises :class:`TryAgain` is retried later, waiting twice as long each time; a job
whose queue cannot be reached (Redis down) runs once in a background thread of the process
that queued it instead, so queueing never fails a request.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import click
from flask import Flask, current_app
from huey import Huey, RedisHuey, SqliteHuey
from huey.api import Task, TaskWrapper
from redis import ConnectionPool

from circles.commit_hooks import after_writes
from circles.redis_checks import fail_fast_options, is_redis_url

log = logging.getLogger(__name__)

#: The queue's name: its table rows in SQLite, its key prefix in Redis.
QUEUE_NAME = "circles-jobs"


class TryAgain(Exception):
    """The job failed in a way worth retrying later (a mail server away). The message says what
    failed in general terms only, never to whom: it goes to the log."""


@dataclass(frozen=True)
class JobSpec:
    """A job the queue can run: its function, how often it is retried, when it runs by itself.

    A job that raises :class:`TryAgain` on its last try is given up (logged).
    """

    run: Callable[..., object]
    #: Retries after the first try; the first waits ``retry_delay`` seconds, each next twice as
    #: long.
    retries: int = 0
    retry_delay: int = 60
    #: For periodic jobs: a Huey ``crontab(...)``, checked every minute by the consumer.
    schedule: Callable[[Any], bool] | None = None


def make_huey(config: Mapping[str, Any]) -> Huey:
    """The queue named by ``CIRCLES_JOBS_URL``: ``sqlite:///path`` or ``redis://...``."""
    url: str = config["CIRCLES_JOBS_URL"]
    immediate = bool(config["CIRCLES_JOBS_IMMEDIATE"])
    if is_redis_url(url):
        # Fail fast (a Redis away cannot hold a request), but wait longer than the consumer's
        # blocking read of the queue (one second).
        pool = ConnectionPool.from_url(url, **{**fail_fast_options(), "socket_timeout": 2.0})
        return RedisHuey(QUEUE_NAME, results=False, immediate=immediate, connection_pool=pool)
    if url.startswith("sqlite:///"):
        return SqliteHuey(
            QUEUE_NAME,
            results=False,
            immediate=immediate,
            filename=url.removeprefix("sqlite:///"),
            fsync=True,  # a queued mail survives a power cut once the request has answered
        )
    raise ValueError(f"unknown CIRCLES_JOBS_URL {url!r} (sqlite:///path or redis://...)")


class JobQueue:
    """The app's queue and the jobs registered on it (``app.extensions["circles_jobs"]``)."""

    def __init__(self, app: Flask, jobs: Mapping[str, JobSpec]) -> None:
        self.app = app
        self.huey = make_huey(app.config)
        self.specs = dict(jobs)
        self.tasks: dict[str, TaskWrapper] = {
            name: self._register(name, spec) for name, spec in jobs.items()
        }

    def _register(self, name: str, spec: JobSpec) -> TaskWrapper:
        app = self.app

        def run(*args: Any, task: Task) -> None:
            with app.app_context():
                try:
                    spec.run(*args)
                except TryAgain as error:
                    if task.retries:
                        tried = spec.retries - task.retries + 1
                        task.retry_delay = spec.retry_delay * 2 ** (tried - 1)
                        log.warning("job %s, try %d failed: %s", name, tried, error)
                        raise TryAgain(str(error)) from None  # Huey queues it again
                    log.error("job %s gave up after %d tries: %s", name, spec.retries + 1, error)

        run.__name__ = name
        options: dict[str, Any] = {
            "retries": spec.retries,
            "retry_delay": spec.retry_delay,
            "context": True,
            "name": name,
        }
        if spec.schedule is not None:
            return self.huey.periodic_task(spec.schedule, **options)(run)  # type: ignore[no-any-return]
        return self.huey.task(**options)(run)  # type: ignore[no-any-return]

    def enqueue(self, name: str, *args: Any) -> None:
        """Queue a job now; never raises (an unreachable queue runs it here, in the background)."""
        task = self.tasks[name]
        try:
            task(*args)
        except Exception as error:
            log.error(
                "job %s not queued (%s); running it in this process", name, type(error).__name__
            )
            threading.Thread(target=self.run_here, args=(name, *args), daemon=True).start()

    def run_here(self, name: str, *args: Any) -> None:
        """Run a job once in this process, in an app context of its own (no retries)."""
        with self.app.app_context():
            try:
                self.specs[name].run(*args)
            except Exception as error:
                log.error("job %s failed: %s", name, type(error).__name__)

    def consumer(self, workers: int) -> Any:
        """A Huey consumer for this queue: worker threads, and the scheduler of periodic jobs."""
        return self.huey.create_consumer(workers=workers, worker_type="thread", periodic=True)


def job_queue() -> JobQueue:
    """The running app's queue."""
    queue: JobQueue = current_app.extensions["circles_jobs"]
    return queue


def enqueue(name: str, *args: Any) -> None:
    """Queue job ``name`` now (for work that follows no write of the caller's)."""
    job_queue().enqueue(name, *args)


def enqueue_after_commit(name: str, *args: Any) -> None:
    """Queue job ``name`` once the current transaction's writes are committed; dropped if it
    rolls back; at once if it wrote nothing (:func:`circles.commit_hooks.after_writes`)."""
    queue = job_queue()
    after_writes(lambda: queue.enqueue(name, *args))


def init_app(app: Flask) -> None:
    from circles.tasks import JOBS

    app.extensions["circles_jobs"] = JobQueue(app, JOBS)

    @app.cli.command("jobs")
    @click.option(
        "--workers",
        type=click.IntRange(min=1),
        default=None,
        help="Jobs run at the same time (default: CIRCLES_JOBS_WORKERS, 2).",
    )
    def run_jobs(workers: int | None) -> None:
        """Run queued jobs (mail, reminders, purge, check-in release) until stopped."""
        if not logging.getLogger().handlers:
            logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
        queue = job_queue()
        if queue.huey.immediate:
            raise click.ClickException("CIRCLES_JOBS_IMMEDIATE is on: jobs run where queued.")
        queue.consumer(workers or app.config["CIRCLES_JOBS_WORKERS"]).run()

"""Which process holds each live socket, so that a crashed process's sockets leave presence.

Every socket id this process hands out starts with the process's own id (``<process>.<random>``),
and so does the connection row written at ``join``. A process that dies (a crash, a kill -9)
never deletes its rows; those left behind would keep people "here now" for ever. So:

- with a message queue (Redis), each process keeps a key alive in Redis while it runs; rows of a
  process whose key was missing at two beats running are stale;
- without one there is a single live process by design (broadcasts cannot cross processes), and
  every row that is not this process's own is stale.

When this process takes its first socket, and then every minute, stale rows are deleted and the
rooms they were in are told who is still here. The sweep never runs in a process that does not
serve sockets (``flask`` commands build the app too).
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask
from sqlalchemy import delete, select

from circles.extensions import db
from circles.live.access import Broadcast
from circles.live.models import LiveConnection, LiveSession, LiveStatus
from circles.live.state import presence_broadcast

log = logging.getLogger(__name__)

SEPARATOR = "."
#: How often a serving process renews its Redis key and sweeps; the key lives three times that.
BEAT_SECONDS = 60
_KEY = "circles:live:process:{}"
_ids: dict[int, str] = {}


def process_id() -> str:
    """This process's id (a new one after a fork: workers forked from one parent differ)."""
    pid = os.getpid()
    if pid not in _ids:
        _ids[pid] = secrets.token_hex(4)
    return _ids[pid]


def owner_of(sid: str) -> str | None:
    owner, separator, _ = sid.partition(SEPARATOR)
    return owner if separator else None


def stamp_socket_ids(server: Any) -> None:
    """Make every socket id of this server start with the id of the process that holds it."""
    generate = server.eio.generate_id
    server.eio.generate_id = lambda: f"{process_id()}{SEPARATOR}{generate()}"


def sweep(is_alive: Callable[[str], bool]) -> list[tuple[int, list[Broadcast]]]:
    """Delete connection rows of processes that are gone; the presence each room should get."""
    mine = process_id()
    rows = db.session.execute(select(LiveConnection.sid, LiveConnection.session_id)).all()
    owners = {owner_of(sid) for sid, _ in rows} - {mine}
    alive = {owner for owner in owners if owner is not None and is_alive(owner)}
    stale = [(sid, session_id) for sid, session_id in rows if owner_of(sid) not in alive | {mine}]
    if not stale:
        return []
    for chunk in _chunks([sid for sid, _ in stale], 500):
        db.session.execute(delete(LiveConnection).where(LiveConnection.sid.in_(chunk)))
    touched = sorted({session_id for _, session_id in stale})
    sessions = db.session.scalars(
        select(LiveSession).where(
            LiveSession.id.in_(touched), LiveSession.status != LiveStatus.ENDED
        )
    ).all()
    log.info("live: %d connection rows of gone processes deleted", len(stale))
    return [(session.id, [presence_broadcast(session)]) for session in sessions]


def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class Liveness:
    """This process's sign of life (in Redis, when there is a queue) and its sweeps."""

    def __init__(self, app: Flask, redis_url: str | None) -> None:
        self.app = app
        self.redis: Any = None
        if redis_url:
            import redis

            self.redis = redis.Redis.from_url(redis_url, socket_timeout=5)
        self.started: set[int] = set()
        #: Processes whose key was missing at the last beat.
        self.missing: set[str] = set()

    def is_alive(self, owner: str) -> bool:
        """Without a queue, never; with one, until its key has been missing at two beats running
        (so that keys lost while Redis was away do not clear the rows of processes still up)."""
        if self.redis is None:
            return False  # one live process by design: nobody else's rows can be alive
        if self.redis.exists(_KEY.format(owner)):
            self.missing.discard(owner)
            return True
        if owner in self.missing:
            return False
        self.missing.add(owner)
        return True

    def first_socket(self, start: Callable[..., object], sleep: Callable[[float], object]) -> None:
        """On each connection; the first in this process sweeps, and keeps beating with Redis."""
        if os.getpid() in self.started:
            return
        self.started.add(os.getpid())
        self.beat()  # before any row of ours exists, so that no other process sweeps it
        start(self.keep_beating, sleep)

    def beat(self) -> None:
        if self.redis is None:
            return
        try:
            self.redis.set(_KEY.format(process_id()), "1", ex=3 * BEAT_SECONDS)
        except Exception as error:  # Redis away: the next beat tries again
            log.warning("live: cannot renew this process's key: %s", type(error).__name__)

    def keep_beating(self, sleep: Callable[[float], object]) -> None:
        while True:
            self.once()
            if self.redis is None:
                return  # nobody else to outlive: one sweep at the start is all
            sleep(BEAT_SECONDS)

    def once(self) -> None:
        """Renew this process's key, delete stale rows, tell the rooms they were in."""
        from circles.live.sockets import announce

        with self.app.app_context():
            try:
                self.beat()
                refreshed = sweep(self.is_alive)
                db.session.commit()
            except Exception as error:  # a missed sweep is tried again at the next beat
                db.session.rollback()
                log.warning("live: sweeping connection rows failed: %s", type(error).__name__)
                return
            for session_id, broadcasts in refreshed:
                announce(session_id, broadcasts)

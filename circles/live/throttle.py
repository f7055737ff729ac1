"""Event limits for live sockets, per socket and per person (Flask-Limiter covers HTTP only).

One person opening many sockets must not multiply their allowance: every event counts against
its socket's limit and against its person's (across all of that person's sockets held by this
process). How many sockets a person may hold in one session is capped at ``join``
(:func:`circles.live.rooms.join`), across processes.
"""

from __future__ import annotations

import bisect
import time

from limits import parse_many


class ConnectionLimiter:
    """Moving-window event limits per key (a socket, or a person).

    The limits are written and parsed the `limits` way ("20 per second;300 per minute"); each key
    keeps its recent event times, dropped with :meth:`forget`. (The `limits` in-memory storage
    sweeps every key from a timer every 10 ms: a fifth of the server's CPU with a few hundred
    sockets open.)
    """

    def __init__(self, limits_text: str) -> None:
        self.windows = [(item.amount, item.get_expiry()) for item in parse_many(limits_text)]
        self.longest = max(expiry for _, expiry in self.windows)
        self.hits: dict[object, list[float]] = {}

    def allow(self, key: object, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        hits = self.hits.setdefault(key, [])
        del hits[: bisect.bisect_right(hits, now - self.longest)]
        for amount, expiry in self.windows:
            if len(hits) - bisect.bisect_right(hits, now - expiry) >= amount:
                return False  # refused events are not counted, as in a moving window
        hits.append(now)
        return True

    def forget(self, key: object) -> None:
        self.hits.pop(key, None)


class Throttle:
    """A socket's events, held to its own limit and to its person's."""

    def __init__(self, per_socket: str, per_person: str) -> None:
        self.sockets = ConnectionLimiter(per_socket)
        self.people = ConnectionLimiter(per_person)
        #: socket -> person, and how many sockets each person holds here (to forget them).
        self.owner: dict[str, int] = {}
        self.held: dict[int, int] = {}

    def opened(self, sid: str, person: int) -> None:
        if sid not in self.owner:
            self.owner[sid] = person
            self.held[person] = self.held.get(person, 0) + 1

    def allow(self, sid: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        if not self.sockets.allow(sid, now):
            return False
        person = self.owner.get(sid)
        return person is None or self.people.allow(person, now)

    def closed(self, sid: str) -> None:
        self.sockets.forget(sid)
        person = self.owner.pop(sid, None)
        if person is None:
            return
        self.held[person] -= 1
        if self.held[person] <= 0:
            del self.held[person]
            self.people.forget(person)

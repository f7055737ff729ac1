"""Redis as the app uses it: clients that fail fast when it is away, and whether it answers now.

redis-py's clients retry a failed command ten times with a growing pause (up to a second each)
and wait as long as the operating system lets a connection hang: with Redis stopped, a login
waited seconds for the rate limiter before failing. Every client the app makes (the rate
limiter's storage, the live message queue, the health check) therefore gets short timeouts and
no retries of its own; the callers decide what a failure means (the limiter counts in memory,
the queue tries again and tells rooms to catch up, ``/health`` says "degraded").
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeGuard

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

#: How long a Redis command or connection may take (seconds) before it counts as failed.
REDIS_TIMEOUT = 0.5
#: How long ``/health`` reuses its answer about Redis (seconds), so that it stays cheap.
PROBE_TTL = 2.0

_SCHEMES = ("redis://", "rediss://", "unix://", "redis+unix://")


def is_redis_url(url: object) -> TypeGuard[str]:
    return isinstance(url, str) and url.startswith(_SCHEMES)


def fail_fast_options(timeout: float = REDIS_TIMEOUT) -> dict[str, Any]:
    """Keyword arguments for a redis-py client: short timeouts, no retries inside redis-py."""
    return {
        "socket_connect_timeout": timeout,
        "socket_timeout": timeout,
        "retry": Retry(NoBackoff(), 0),
    }


class RedisProbe:
    """Whether one Redis answers a PING, asked at most once every ``ttl`` seconds."""

    def __init__(
        self, url: str, ttl: float = PROBE_TTL, clock: Callable[[], float] = time.monotonic
    ) -> None:
        # limits writes a Redis socket as redis+unix://; redis-py as unix://
        url = url.replace("redis+unix://", "unix://", 1)
        self.client = redis.Redis.from_url(url, **fail_fast_options())
        self.ttl = ttl
        self.clock = clock
        self.lock = threading.Lock()
        self.checked_at: float | None = None
        self.answer = False

    def reachable(self) -> bool:
        now = self.clock()
        with self.lock:
            if self.checked_at is not None and now - self.checked_at < self.ttl:
                return self.answer
            # Requests arriving during the check reuse the last answer rather than pile up.
            self.checked_at = now
        try:
            answer = bool(self.client.ping())
        except (redis.RedisError, OSError):
            answer = False
        with self.lock:
            self.answer = answer
        return answer


def probes_for(config: Mapping[str, Any]) -> dict[str, RedisProbe]:
    """The Redis servers the app relies on, by what ``/health`` calls them.

    ``redis`` is ``CIRCLES_REDIS_URL`` (the live queue, and the rate limits unless they have a
    storage of their own); ``rate_limit_storage`` is a separate Redis for the limits, if any.
    """
    probes: dict[str, RedisProbe] = {}
    queue_url = config.get("CIRCLES_REDIS_URL")
    limits_url = config.get("RATELIMIT_STORAGE_URI")
    if is_redis_url(queue_url):
        probes["redis"] = RedisProbe(queue_url)
    if is_redis_url(limits_url) and limits_url != queue_url:
        probes["rate_limit_storage"] = RedisProbe(limits_url)
    return probes

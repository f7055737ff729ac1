"""The Redis message queue between server processes, with publishing kept apart from listening.

python-socketio's ``RedisManager`` publishes and subscribes through one Redis client; after a
failed publish it builds a new client, which replaces the one the subscriber is reading from.
The subscriber's connection then closes, it waits a second before subscribing again, and Redis
delivers nothing published in that second to it: broadcasts are lost under load. Here publishing
has its own client (its own connection pool, which reconnects by itself) and a failed publish is
retried on it, so the subscriber is never disturbed.

The publishing client's pool *waits* for a free connection: redis-py's default pool holds at most
100 connections and raises ``MaxConnectionsError`` at once when a burst of broadcasts (hundreds of
greenlets under gevent) wants more, which is what lost broadcasts in the benchmark.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import socketio

log = logging.getLogger(__name__)

#: Attempts at publishing one message, and the pause before the next one (seconds).
PUBLISH_ATTEMPTS = 4
PUBLISH_BACKOFF = 0.05
#: Connections one process publishes on at most, and how long a publish waits for one (seconds).
PUBLISH_CONNECTIONS = 32
PUBLISH_WAIT = 10


class SteadyRedisManager(socketio.RedisManager):  # type: ignore[misc]
    """``RedisManager`` with a publishing client of its own."""

    def __init__(
        self, url: str, *, publish_connections: int = PUBLISH_CONNECTIONS, **kwargs: Any
    ) -> None:
        super().__init__(url, **kwargs)
        self.publish_connections = publish_connections
        self.publisher: Any = None

    def _publisher(self) -> Any:
        if self.publisher is None:
            module = self._get_redis_module()
            pool = module.BlockingConnectionPool.from_url(
                self.redis_url,
                max_connections=self.publish_connections,
                timeout=PUBLISH_WAIT,
                **self.redis_options,
            )
            self.publisher = module.Redis(connection_pool=pool)
        return self.publisher

    def _publish(self, data: Any) -> Any:
        message = self.json.dumps(data)
        for attempt in range(1, PUBLISH_ATTEMPTS + 1):
            try:
                return self._publisher().publish(self.channel, message)
            except Exception as error:  # redis raises several kinds; all are retried alike
                log.warning(
                    "publishing to Redis failed (attempt %d of %d): %s: %s",
                    attempt,
                    PUBLISH_ATTEMPTS,
                    type(error).__name__,
                    error,
                )
                if attempt < PUBLISH_ATTEMPTS:
                    time.sleep(PUBLISH_BACKOFF * attempt)  # cooperative under gevent
        log.error("a broadcast was not published to Redis after %d attempts", PUBLISH_ATTEMPTS)
        return None


def client_manager(url: str | None, channel: str = "flask-socketio") -> Any:
    """The manager for ``CIRCLES_REDIS_URL`` (None: this process alone, no queue)."""
    if not url:
        return None
    if url.startswith(("redis://", "rediss://", "unix://")):
        return SteadyRedisManager(url, channel=channel)
    raise ValueError("CIRCLES_REDIS_URL must be a redis://, rediss:// or unix:// URL.")

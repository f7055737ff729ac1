"""The Redis message queue between server processes: publishing kept apart from listening, and
rooms told to catch up on whatever an outage of Redis cost them.

python-socketio's ``RedisManager`` publishes and subscribes through one Redis client; after a
failed publish it builds a new client, which replaces the one the subscriber is reading from.
The subscriber's connection then closes, it waits a second before subscribing again, and Redis
delivers nothing published in that second to it: broadcasts are lost under load. Here publishing
has its own client (its own connection pool, which reconnects by itself) and a failed publish is
retried on it, so the subscriber is never disturbed.

The publishing client's pool *waits* for a free connection: redis-py's default pool holds at most
100 connections and raises ``MaxConnectionsError`` at once when a burst of broadcasts (hundreds of
greenlets under gevent) wants more, which is what lost broadcasts in the benchmark.

**When Redis goes away** nothing published meanwhile reaches the other processes, and Redis
keeps nothing for a subscriber that was not there. So:

- every client fails fast (:func:`circles.redis_checks.fail_fast_options`), and after a publish
  is given up further ones are skipped for :data:`PUBLISH_PAUSE` instead of each holding up the
  live batch that sends it;
- the subscriber notices a dropped connection at once, and a silent one by a ping it sends after
  :data:`PING_EVERY` seconds without a message; it subscribes again every few seconds (the
  stock manager waits up to a minute between attempts);
- once subscribed again, it runs the :meth:`SteadyRedisManager.on_resync` hooks: the live
  namespace tells this process's own sockets to join again (``resync``), and they redraw from
  the database, which missed nothing;
- a process that gave a publish up asks the others, once Redis answers again, to do the same
  for their sockets (one message on the queue; each process then tells its own sockets).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

import socketio
from redis.connection import parse_url

from circles.redis_checks import fail_fast_options

log = logging.getLogger(__name__)

#: Attempts at publishing one message, and the pause before the next one (seconds).
PUBLISH_ATTEMPTS = 4
PUBLISH_BACKOFF = 0.05
#: Connections one process publishes on at most, and how long a publish waits for one (seconds).
PUBLISH_CONNECTIONS = 32
PUBLISH_WAIT = 10
#: How long a Redis command may take on the queue's clients (seconds).
QUEUE_TIMEOUT = 1.0
#: After a publish is given up, publishes are skipped (and counted as lost) for this long.
PUBLISH_PAUSE = 2.0
#: The subscriber waits this long for a message at a time; pings Redis after PING_EVERY seconds
#: without one, and gives the connection up when no answer comes within PONG_WAIT.
LISTEN_STEP = 1.0
PING_EVERY = 5.0
PONG_WAIT = 3.0
#: Pauses before subscribing again after a failure: the first, doubled up to the last (seconds).
RESUBSCRIBE_FIRST = 0.25
RESUBSCRIBE_MOST = 2.0
#: The queue message by which a process asks the others to resynchronise their sockets.
RESYNC_METHOD = "circles.resync"
_PING = "circles-queue"

ResyncHook = Callable[[str], None]


class SteadyRedisManager(socketio.RedisManager):  # type: ignore[misc]
    """``RedisManager`` with a publishing client of its own, that recovers from outages."""

    def __init__(
        self, url: str, *, publish_connections: int = PUBLISH_CONNECTIONS, **kwargs: Any
    ) -> None:
        kwargs.setdefault("redis_options", fail_fast_options(QUEUE_TIMEOUT))
        super().__init__(url, **kwargs)
        self.publish_connections = publish_connections
        self.publisher: Any = None
        self.resync_hooks: list[ResyncHook] = []
        #: A publish was given up since the other processes were last asked to resynchronise.
        self.publishing_lost = False
        self.paused_until = 0.0

    def on_resync(self, hook: ResyncHook) -> None:
        """Run ``hook(cause)`` whenever this process's sockets may have missed broadcasts."""
        self.resync_hooks.append(hook)

    def _resync(self, cause: str) -> None:
        log.warning("live rooms on this process are told to resynchronise (%s)", cause)
        for hook in self.resync_hooks:
            try:
                hook(cause)
            except Exception as error:  # one hook must not keep the others from running
                log.error("resynchronising after %s failed: %s", cause, type(error).__name__)

    # Publishing -----------------------------------------------------------------------------

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
        if time.monotonic() < self.paused_until:
            self.publishing_lost = True  # Redis failed a moment ago: do not wait on it again
            return None
        message = self.json.dumps(data)
        for attempt in range(1, PUBLISH_ATTEMPTS + 1):
            try:
                result = self._publisher().publish(self.channel, message)
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
                continue
            if self.publishing_lost:
                self._ask_others_to_resync()
            return result
        log.error("a broadcast was not published to Redis after %d attempts", PUBLISH_ATTEMPTS)
        self.publishing_lost = True
        self.paused_until = time.monotonic() + PUBLISH_PAUSE
        return None

    def _ask_others_to_resync(self) -> None:
        """Tell the other processes that broadcasts of this one were lost (Redis is back)."""
        self.publishing_lost = False
        request = {"method": RESYNC_METHOD, "host_id": self.host_id}
        try:
            self._publisher().publish(self.channel, self.json.dumps(request))
        except Exception:
            self.publishing_lost = True  # still away; asked again on the next occasion
            return
        self.paused_until = 0.0

    # Listening ------------------------------------------------------------------------------

    def _listen(self) -> Iterator[Any]:
        """The queue's messages, decoded; a request to resynchronise is handled here."""
        channel = self.channel.encode("utf-8")
        for message in self._redis_listen_with_retries():
            if message["channel"] != channel or message["type"] != "message":
                continue
            try:
                data = self.json.loads(message["data"])
            except ValueError:
                continue
            if not isinstance(data, dict):
                continue
            if data.get("method") == RESYNC_METHOD:
                if data.get("host_id") != self.host_id:
                    self._resync("another process could not publish")
                continue
            yield data

    def _redis_listen_with_retries(self) -> Iterator[dict[str, Any]]:
        pause = RESUBSCRIBE_FIRST
        lost = False
        while True:
            try:
                self._redis_connect()
                self.pubsub.subscribe(self.channel)
                pause = RESUBSCRIBE_FIRST
                yield from self._messages(resync_when_confirmed=lost)
            except Exception as error:
                if not lost:
                    log.error(
                        "the Redis subscription was lost: %s: %s", type(error).__name__, error
                    )
                lost = True
            self._close_subscriber()
            time.sleep(pause)  # cooperative under gevent
            pause = min(pause * 2, RESUBSCRIBE_MOST)

    def _messages(self, *, resync_when_confirmed: bool) -> Iterator[dict[str, Any]]:
        """Messages on the subscription, until its connection fails (an exception).

        A ping goes out first and whenever the channel has been quiet for a while: Redis answers
        in order, so its answer confirms the subscription, and no answer means a dead link.
        """
        pubsub = self.pubsub
        pubsub.ping(_PING)
        pinged_at = heard_at = time.monotonic()
        awaiting = True
        while True:
            message = pubsub.get_message(timeout=LISTEN_STEP)
            now = time.monotonic()
            if message is not None:
                heard_at = now
                if message["type"] == "pong":
                    awaiting = False
                    if resync_when_confirmed:
                        resync_when_confirmed = False
                        log.warning("the Redis subscription is back")
                        self._resync("the subscription to Redis was lost")
                else:
                    yield message
            if self.publishing_lost and not awaiting:
                self._ask_others_to_resync()
            if awaiting and now - pinged_at > PONG_WAIT:
                raise ConnectionError("Redis did not answer a ping")  # untranslated: internal error
            if not awaiting and now - heard_at > PING_EVERY:
                pubsub.ping(_PING)
                pinged_at, awaiting = now, True

    def _close_subscriber(self) -> None:
        for client in (self.pubsub, self.redis):
            if client is not None:
                try:
                    client.close()
                except Exception as error:  # already broken; nothing more to release
                    log.debug("closing the Redis subscriber: %s", type(error).__name__)


def client_manager(url: str | None) -> Any:
    """The manager for ``CIRCLES_REDIS_URL`` (None: this process alone, no queue)."""
    if not url:
        return None
    if url.startswith(("redis://", "rediss://", "unix://")):
        return SteadyRedisManager(url, channel=channel_for(url))
    raise ValueError("CIRCLES_REDIS_URL must be a redis://, rediss:// or unix:// URL.")


def channel_for(url: str) -> str:
    """The pub/sub channel of the installation using this Redis URL.

    Redis shares its pub/sub channels among all its numbered databases. Two installations on
    one Redis server, each given a database of its own (their rate limits and jobs are kept
    apart that way), would otherwise hear each other's rooms: the channel is named after the
    database.
    """
    options = parse_url(url)  # type: ignore[no-untyped-call]  # redis-py's own URL reading
    return f"circles-live-db{options.get('db', 0)}"

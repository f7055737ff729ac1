"""``/health``: what a load balancer and monitoring read about the app and what it relies on."""

from __future__ import annotations

import time

from circles.redis_checks import RedisProbe, probes_for
from tests.live.test_restart import free_port


def test_all_well_is_ok(client):
    response = client.get("/health")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


def test_an_unreachable_redis_is_degraded_not_down_and_named_without_its_address(another_app):
    nowhere = f"redis://:secret@127.0.0.1:{free_port()}/0"
    started = time.monotonic()
    response = another_app(CIRCLES_REDIS_URL=nowhere).test_client().get("/health")
    # Pages and logins still work without Redis: the app stays in rotation.
    assert response.status_code == 200
    assert response.get_json() == {"status": "degraded", "unreachable": ["redis"]}
    assert time.monotonic() - started < 5


def test_redis_is_asked_at_most_once_in_a_while():
    now = [100.0]
    probe = RedisProbe("redis://127.0.0.1:1/0", ttl=2.0, clock=lambda: now[0])
    pings = []

    class Answering:
        def ping(self) -> bool:
            pings.append(now[0])
            return True

    probe.client = Answering()
    assert probe.reachable() and probe.reachable()
    now[0] += 1.5
    assert probe.reachable()
    now[0] += 1.0
    assert probe.reachable()
    assert pings == [100.0, 102.5]


def test_the_redis_servers_checked_are_the_queue_and_a_separate_limit_storage():
    queue = "redis://127.0.0.1:6379/0"
    assert probes_for({"CIRCLES_REDIS_URL": None, "RATELIMIT_STORAGE_URI": "memory://"}) == {}
    assert list(probes_for({"CIRCLES_REDIS_URL": queue, "RATELIMIT_STORAGE_URI": queue})) == [
        "redis"
    ]
    both = probes_for(
        {"CIRCLES_REDIS_URL": queue, "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6380/1"}
    )
    assert list(both) == ["redis", "rate_limit_storage"]

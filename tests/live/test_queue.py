"""The Redis queue: a publish that fails is retried on the publishing client alone."""

from __future__ import annotations

import json
import os
import socket
import threading
import time
import uuid

import pytest
import redis

from circles.live.queue import SteadyRedisManager, channel_for, client_manager

REDIS = os.environ.get("TEST_REDIS_URL")


def test_no_url_means_no_queue_and_other_schemes_are_refused():
    assert client_manager(None) is None
    assert isinstance(client_manager("redis://127.0.0.1:6379/0"), SteadyRedisManager)
    with pytest.raises(ValueError, match="CIRCLES_REDIS_URL"):
        client_manager("amqp://127.0.0.1")


def test_installations_on_different_redis_databases_do_not_hear_each_other():
    """Pub/sub channels ignore the database number: the channel carries it instead."""
    assert channel_for("redis://127.0.0.1:6379") == "circles-live-db0"
    assert channel_for("redis://127.0.0.1:6379/2") == "circles-live-db2"
    assert channel_for("rediss://user:pw@cache.example:6380/7") == "circles-live-db7"
    assert channel_for("unix:///run/redis.sock?db=3") == "circles-live-db3"
    manager = client_manager("redis://127.0.0.1:6379/4")
    assert manager.channel == "circles-live-db4"


@pytest.mark.skipif(not REDIS, reason="needs TEST_REDIS_URL")
def test_a_dropped_publishing_connection_loses_nothing_and_leaves_the_subscriber_alone(caplog):
    channel = f"circles-test-{uuid.uuid4().hex}"
    manager = SteadyRedisManager(REDIS, channel=channel)
    manager.json = json
    manager._redis_connect()  # the subscriber's client, as the listening thread makes it
    subscriber = manager.pubsub
    subscriber.subscribe(channel)
    assert subscriber.get_message(timeout=1) is None  # the confirmation, ignored as in use

    admin = redis.Redis.from_url(REDIS)
    manager._publish({"n": 1})
    admin.client_kill_filter(_id=manager._publisher().client_id())
    manager._publish({"n": 2})

    received = []
    deadline = time.monotonic() + 5
    while len(received) < 2 and time.monotonic() < deadline:
        message = subscriber.get_message(ignore_subscribe_messages=True, timeout=0.5)
        if message:
            received.append(json.loads(message["data"]))
    assert received == [{"n": 1}, {"n": 2}]
    assert manager.pubsub is subscriber  # never replaced by a publish
    subscriber.close()
    manager.redis.close()
    manager.publisher.connection_pool.disconnect()
    admin.close()


@pytest.mark.skipif(not REDIS, reason="needs TEST_REDIS_URL")
def test_a_burst_larger_than_the_pool_waits_for_connections_instead_of_failing(caplog):
    channel = f"circles-test-{uuid.uuid4().hex}"
    manager = SteadyRedisManager(REDIS, channel=channel, publish_connections=2)
    manager.json = json
    client = redis.Redis.from_url(REDIS)
    listener = client.pubsub(ignore_subscribe_messages=True)
    listener.subscribe(channel)
    listener.get_message(timeout=1)
    start = threading.Barrier(40)

    def publish(n: int) -> None:
        start.wait()
        manager._publish({"n": n})

    threads = [threading.Thread(target=publish, args=(n,)) for n in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    received = set()
    deadline = time.monotonic() + 5
    while len(received) < 40 and time.monotonic() < deadline:
        message = listener.get_message(timeout=0.5)
        if message:
            received.add(json.loads(message["data"])["n"])
    assert received == set(range(40))
    assert "publishing to Redis failed" not in caplog.text  # waited; never refused
    listener.close()
    client.close()
    manager.publisher.connection_pool.disconnect()


@pytest.mark.skipif(not REDIS, reason="needs TEST_REDIS_URL")
def test_a_publish_given_up_makes_the_other_processes_resynchronise(monkeypatch):
    monkeypatch.setattr("circles.live.queue.PUBLISH_PAUSE", 0)
    channel = f"circles-test-{uuid.uuid4().hex}"
    other = SteadyRedisManager(REDIS, channel=channel)
    other.json = json
    causes: list[str] = []
    other.on_resync(causes.append)
    received = []

    def listen() -> None:
        for data in other._listen():
            received.append(data)
            if data.get("n") == 3:
                break
        other._close_subscriber()

    listener = threading.Thread(target=listen)
    listener.start()
    deadline = time.monotonic() + 5
    while not (other.pubsub and other.pubsub.subscribed) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.2)

    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        nowhere = f"redis://127.0.0.1:{unused.getsockname()[1]}/0"
    this = SteadyRedisManager(nowhere, channel=channel)
    this.json = json
    this._publish({"n": 1})  # Redis unreachable: given up
    this.redis_url, this.publisher = REDIS, None  # and back
    this._publish({"n": 2})
    this._publish({"n": 3})
    listener.join(timeout=10)

    assert received == [{"n": 2}, {"n": 3}]
    assert causes == ["another process could not publish"]
    this.publisher.connection_pool.disconnect()

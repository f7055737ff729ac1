"""Two server processes sharing the database: with the Redis queue every broadcast crosses over;
without it, members on the other process miss them (which is why production needs the queue)."""

from __future__ import annotations

import os

import pytest

from tests.live.conftest import TEXT_PROMPT
from tests.live.test_restart import free_port, start_server

REDIS = os.environ.get("TEST_REDIS_URL")


def run_prompt_across_two_processes(app, connect, room, tmp_path, redis_url):
    port_a, port_b = free_port(), free_port()
    servers = [
        start_server(app, port_a, tmp_path / "a", redis_url),
        start_server(app, port_b, tmp_path / "b", redis_url),
    ]
    try:
        s = room["session"].id
        fran = connect(room["fran"], url=f"http://127.0.0.1:{port_a}")
        members = [connect(room[n], url=f"http://127.0.0.1:{port_b}") for n in ("mo", "nic", "ola")]
        for client in (fran, *members):
            assert client.call("join", {"session": s})["ok"]
        prompt = fran.call("prompt.open", {"session": s, "prompt": TEXT_PROMPT})["prompt"]
        submit = {"session": s, "prompt_id": prompt["id"], "value": "Here", "client_id": "1"}
        members[0].call("response.submit", submit)
        fran.call("prompt.reveal", {"session": s, "prompt_id": prompt["id"]})
        return {
            "opened": [len(m.received("prompt.opened", within=1.5)) for m in members],
            "revealed": [len(m.received("prompt.revealed", within=0.5)) for m in members],
            "counts": len(fran.received("response.count", within=0.5)),
        }
    finally:
        for server in servers:
            server.kill()
            server.wait(timeout=10)


@pytest.mark.skipif(not REDIS, reason="needs TEST_REDIS_URL")
def test_with_the_redis_queue_every_broadcast_reaches_every_member(app, connect, room, tmp_path):
    delivered = run_prompt_across_two_processes(app, connect, room, tmp_path, REDIS)
    assert delivered == {"opened": [1, 1, 1], "revealed": [1, 1, 1], "counts": 1}


def test_without_a_queue_members_on_the_other_process_miss_the_broadcasts(
    app, connect, room, tmp_path
):
    delivered = run_prompt_across_two_processes(app, connect, room, tmp_path, None)
    assert delivered["opened"] == [0, 0, 0] and delivered["revealed"] == [0, 0, 0]

"""Two server processes sharing the database and the Redis queue, every room split across both:
members and facilitators on each. Whichever process stores an answer, every facilitator's count
reaches the true number once the answers are acknowledged. (On PostgreSQL two processes write
the same prompt's answers at the same moment; a count taken inside either transaction misses
the other's rows.)"""

from __future__ import annotations

import os

import pytest

from tests.live.conftest import TEXT_PROMPT, answer_all_at_once
from tests.live.test_restart import free_port, start_server

REDIS = os.environ.get("TEST_REDIS_URL")
MEMBERS = 10
ROUNDS = 8


@pytest.mark.skipif(not REDIS, reason="needs TEST_REDIS_URL")
def test_every_facilitator_counts_every_answer_wherever_it_was_written(
    app, make, connect, tmp_path, monkeypatch
):
    for limit in ("CIRCLES_LIVE_EVENT_LIMIT", "CIRCLES_LIVE_PERSON_EVENT_LIMIT"):
        monkeypatch.setenv(limit, "1000 per second")  # for the servers
    fran, gil = make.create_user("Fran"), make.create_user("Gil")
    circle = make.create_circle(make.create_org(owner=fran), fran, "Split circle", capacity=20)
    make.add_facilitator(circle, gil, "Gil")
    people = [make.create_user(f"Member {n}") for n in range(MEMBERS)]
    for person in people:
        make.add_member(circle, person)
    session_id = make.live_session(circle, fran).id
    ports = free_port(), free_port()
    servers = [start_server(app, port, tmp_path / str(port), REDIS) for port in ports]
    try:
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        facilitators = [connect(fran, url=urls[0]), connect(gil, url=urls[1])]
        members = [connect(person, url=urls[n % 2]) for n, person in enumerate(people)]
        for client in (*facilitators, *members):
            assert client.call("join", {"session": session_id})["ok"]
        wrong = []
        for round_ in range(ROUNDS):
            opened = facilitators[round_ % 2].call(
                "prompt.open", {"session": session_id, "prompt": TEXT_PROMPT}
            )
            prompt_id = opened["prompt"]["id"]
            acks = answer_all_at_once(members, session_id, prompt_id)
            assert all(ack["ok"] for ack in acks), acks
            for name, facilitator in zip(("Fran", "Gil"), facilitators, strict=True):
                counts = [
                    data["count"]
                    for data in facilitator.received("response.count", within=1.0)
                    if data["prompt_id"] == prompt_id
                ]
                # What the page shows: the highest count received for the prompt.
                if max(counts, default=0) != MEMBERS:
                    wrong.append((round_, name, counts))
        assert wrong == []
    finally:
        for server in servers:
            server.kill()
            server.wait(timeout=10)

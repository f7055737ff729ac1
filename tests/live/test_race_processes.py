"""Two real server processes on one PostgreSQL database: a facilitator ends the room through one
while prompts open and members answer through the other. Round after round, whatever wins,
an ended room stays ended with no prompt open and nothing of what people answered kept.
(The same races, one interleaving at a time: tests/live/test_races.py.)"""

from __future__ import annotations

import os
import random
import threading
import time
from typing import Any

import pytest

from tests.live.conftest import TEXT_PROMPT
from tests.live.racing import ENDED_CLEANLY, left_over
from tests.live.test_restart import free_port, start_server

ROUNDS = 12
NAMED_PROMPT = {**TEXT_PROMPT, "anonymous": False}


@pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL"), reason="needs TEST_DATABASE_URL (row-level races)"
)
def test_an_ended_room_stays_ended_whatever_two_processes_race(
    app, make, connect, room, tmp_path, monkeypatch
):
    for limit in ("CIRCLES_LIVE_EVENT_LIMIT", "CIRCLES_LIVE_PERSON_EVENT_LIMIT"):
        monkeypatch.setenv(limit, "1000 per second")  # for the servers
    ports = free_port(), free_port()
    servers = [start_server(app, port, tmp_path / str(port)) for port in ports]
    try:
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        ender = connect(room["fran"], url=urls[0])
        opener = connect(room["fran"], url=urls[1])
        members = [
            connect(room[name], url=urls[n % 2]) for n, name in enumerate(("mo", "nic", "ola"))
        ]
        outcomes: dict[str, int] = {}
        session_id = room["session"].id
        for round_ in range(ROUNDS):
            if round_:
                session_id = make.live_session(room["circle"], room["fran"]).id
            race(session_id, ender, opener, members, outcomes, round_)
            assert left_over(app, session_id) == ENDED_CLEANLY, f"round {round_}"
        # The races did happen: opens and answers were both written and refused on the way.
        assert outcomes.get("open ok", 0) > ROUNDS and outcomes.get("answer ok", 0) > ROUNDS
    finally:
        for server in servers:
            server.kill()
            server.wait(timeout=10)


def race(
    session_id: int,
    ender: Any,
    opener: Any,
    members: list[Any],
    outcomes: dict[str, int],
    round_: int,
) -> None:
    """Prompts open through one process and members answer each at once (half of them through
    the other process), until the room, ended through the first process, refuses them."""
    latest: list[int] = []
    over = threading.Event()
    lock = threading.Lock()
    failures: list[BaseException] = []

    def checked(work: Any, *args: Any) -> threading.Thread:
        def run() -> None:
            try:
                work(*args)
            except BaseException as error:
                failures.append(error)
                over.set()

        return threading.Thread(target=run)

    def count(what: str, ack: dict[str, Any]) -> None:
        key = f"{what} {'ok' if ack.get('ok') else ack['error']['code']}"
        with lock:
            outcomes[key] = outcomes.get(key, 0) + 1

    def open_prompts() -> None:
        for _ in range(40):
            ack = opener.call("prompt.open", {"session": session_id, "prompt": NAMED_PROMPT})
            count("open", ack)
            if not ack["ok"]:
                assert ack["error"]["code"] == "ended", ack
                return
            latest.append(ack["prompt"]["id"])
        over.set()

    def answer(member: Any, index: int) -> None:
        answered: set[int] = set()
        while not over.is_set():
            prompt_id = latest[-1] if latest else None
            if prompt_id is None or prompt_id in answered:
                time.sleep(0.001)
                continue
            answered.add(prompt_id)
            submit = {
                "session": session_id,
                "prompt_id": prompt_id,
                "value": "Here",
                "client_id": f"{index}-{prompt_id}",
            }
            ack = member.call("response.submit", submit)
            count("answer", ack)
            if not ack["ok"]:
                assert ack["error"]["code"] in {"ended", "closed"}, ack
                if ack["error"]["code"] == "ended":
                    return

    threads = [checked(open_prompts)]
    threads += [checked(answer, m, n) for n, m in enumerate(members)]
    for thread in threads:
        thread.start()
    # End while prompts open and answers arrive: a little later each round.
    deadline = time.monotonic() + 10
    while len(latest) < 2 + round_ % 4 and not over.is_set() and time.monotonic() < deadline:
        time.sleep(0.001)
    time.sleep(random.uniform(0, 0.02))
    ended = ender.call("session.end", {"session": session_id})
    over.set()
    for thread in threads:
        thread.join(30)
    assert not failures, (round_, outcomes, failures)
    assert ended == {"ok": True}, ended

"""Kill the server mid-prompt, start it again: clients come back to exactly where they were."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.live.conftest import TEXT_PROMPT

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(app, port, tmp_path, redis_url=None) -> subprocess.Popen:
    env = {
        **os.environ,
        "CIRCLES_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "CIRCLES_SECRET_KEY": app.secret_key,
        "CIRCLES_BASE_URL": app.config["CIRCLES_BASE_URL"],
        "CIRCLES_INSTANCE_PATH": str(tmp_path),
        "CIRCLES_MAIL_BACKEND": "memory",
        "CIRCLES_ARGON2_MEMORY_COST": "64",
        "CIRCLES_ARGON2_TIME_COST": "1",
    }
    env.pop("CIRCLES_REDIS_URL", None)
    if redis_url:
        env["CIRCLES_REDIS_URL"] = redis_url
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.live.serve", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1) as r:
                if r.status == 200:
                    return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the server did not start")


def joined_state(client, timeout=15):
    ack = client.wait_for("joined", timeout=timeout)
    assert ack["ok"], ack
    return ack["state"]


def test_a_restart_loses_nothing_and_duplicates_nothing(app, connect, room, tmp_path):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = start_server(app, port, tmp_path)
    try:
        s = room["session"].id
        fran = connect(room["fran"], url=url, reconnection=True, rejoin=s)
        mo = connect(room["mo"], url=url, reconnection=True, rejoin=s)
        nic = connect(room["nic"], url=url, reconnection=True, rejoin=s)
        for client in (fran, mo, nic):
            joined_state(client)
        opened = fran.call("prompt.open", {"session": s, "prompt": {**TEXT_PROMPT, "seconds": 600}})
        prompt_id = opened["prompt"]["id"]
        submit = {"session": s, "prompt_id": prompt_id, "value": "Still here", "client_id": "m-1"}
        assert mo.call("response.submit", submit) == {"ok": True}
        before = {
            name: c.call("join", {"session": s})["state"]
            for name, c in (("fran", fran), ("mo", mo), ("nic", nic))
        }

        server.send_signal(signal.SIGKILL)  # mid-prompt, no goodbye
        server.wait(timeout=10)
        server = start_server(app, port, tmp_path)

        after = {
            name: joined_state(c, timeout=20)
            for name, c in (("fran", fran), ("mo", mo), ("nic", nic))
        }
        for name in after:
            assert after[name]["prompt"] == before[name]["prompt"]
            assert after[name]["timer"] == before[name]["timer"]
            assert after[name]["status"] == "open"
            assert after[name]["you"] == before[name]["you"]
        assert after["mo"]["you"]["answered"] is True and after["nic"]["you"]["answered"] is False
        assert after["fran"]["count"] == 1

        # The client never saw its acknowledgement, so it sends the same answer again.
        assert mo.call("response.submit", submit) == {"ok": True, "duplicate": True}
        assert nic.call("response.submit", {**submit, "client_id": "n-1", "value": "Tired"})["ok"]
        assert fran.call("prompt.reveal", {"session": s, "prompt_id": prompt_id})["ok"]
        revealed = mo.wait_for("prompt.revealed", timeout=10)
        assert sorted(r["value"] for r in revealed["responses"]) == ["Still here", "Tired"]
    finally:
        server.kill()
        server.wait(timeout=10)

"""The servers a live benchmark measures: started under gunicorn on the server's CPU, and the
CPU and memory they (and PostgreSQL, for the app on it) use, read from ``/proc``."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SERVER_CPU = {0}
LOAD_CPU = {1}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# Servers -------------------------------------------------------------------------------------


def _server_log() -> Any:
    path = os.environ.get("BENCH_SERVER_LOG")
    return open(path, "a") if path else None  # the child process keeps the file open


def start_gunicorn(target: str, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-k",
            "gevent",
            "-w",
            "1",
            # gunicorn's gevent worker takes 1,000 connections by default; a live room needs more.
            "--worker-connections",
            "10000",
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            target,
        ],
        cwd=ROOT,
        env=env,
        preexec_fn=lambda: os.sched_setaffinity(0, SERVER_CPU),
        stderr=_server_log(),
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(
                f"http://127.0.0.1:{port}/socket.io/?EIO=4&transport=polling", timeout=1
            )
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"{target} did not start")


def worker_pid(master: subprocess.Popen[bytes]) -> int:
    children = Path(f"/proc/{master.pid}/task/{master.pid}/children").read_text().split()
    return int(children[0]) if children else master.pid


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def database_processes(database_url: str) -> list[int] | None:
    """The PostgreSQL processes whose CPU the app's work costs: the backends of the benchmark's
    database (and its autovacuum workers) and the cluster's own helpers (WAL writer,
    checkpointer, background writer), not other databases' backends. None for SQLite, which
    runs inside the app's worker and is counted with it."""
    if not database_url.startswith("postgresql"):
        return None
    name = database_url.rsplit("/", 1)[1].split("?", 1)[0]
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "comm").read_text().strip() != "postgres":
                continue
            words = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode().split()
        except OSError:  # gone meanwhile, or not ours to read
            continue
        backend = any((w.endswith(")") and "(" in w) or w == "[local]" for w in words)
        autovacuum = "autovacuum" in words and "worker" in words
        if name in words or not (backend or autovacuum):
            found.append(int(entry.name))
    return found


def database_cpu_seconds(database_url: str | None) -> float:
    """CPU-seconds used so far by the database's processes (0 without PostgreSQL). Backends
    are found anew each time: one that starts meanwhile counts from zero, one that ended is
    lost (the app's pool keeps its connections, so neither happens during a window)."""
    pids = database_processes(database_url) if database_url else None
    total = 0.0
    for pid in pids or []:
        with contextlib.suppress(OSError):
            total += cpu_seconds(pid)
    return total


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0

"""The production shape on one machine: nginx, configured as docs/operations.md shows, in front of
the documented number of gunicorn/gevent processes sharing PostgreSQL and Redis.

Everything runs unprivileged inside one directory (configuration, logs, nginx's temporary files),
so the test needs no root and leaves nothing behind. TLS is left out: nginx listens on a free
port of 127.0.0.1 with plain HTTP, the rest of the documented server block is used as written.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OPERATIONS = ROOT / "docs" / "operations.md"
UPSTREAM_SERVER = re.compile(r"^(\s*)server 127\.0\.0\.1:\d+;", re.MULTILINE)
TLS_LISTEN = re.compile(r"listen 443 ssl[^;]*;")
#: nginx's access log (the test's own, outside the documented blocks): who, which process, what.
LOG_FORMAT = "log_format routed '$remote_addr $upstream_addr \"$request\" $status';"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def documented_nginx_server() -> str:
    """The nginx configuration shown in docs/operations.md (upstream and server blocks)."""
    found = re.findall(r"```nginx\n(.*?)```", OPERATIONS.read_text(encoding="utf-8"), re.DOTALL)
    assert len(found) == 1, "docs/operations.md should show exactly one nginx configuration"
    return str(found[0])


def nginx_config(documented: str, listen: int, backends: list[int], workdir: Path) -> str:
    """The documented configuration on 127.0.0.1:``listen`` without TLS, with ``backends`` as its
    upstream servers, wrapped so that nginx runs in the foreground inside ``workdir``."""
    ports = iter(backends)
    server, replaced = UPSTREAM_SERVER.subn(
        lambda m: f"{m.group(1)}server 127.0.0.1:{next(ports)};", documented
    )
    assert replaced == len(backends), f"the docs list {replaced} upstream servers"
    server, listens = TLS_LISTEN.subn(f"listen 127.0.0.1:{listen};", server)
    assert listens == 1, "the documented server block should listen on 443 with TLS"
    # As root, nginx's workers would become "nobody" and could not use the temporary directory.
    user = "user root;\n" if os.geteuid() == 0 else ""
    temp = "\n".join(
        f"    {kind}_temp_path {workdir / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return (
        f"{user}daemon off;\n"
        "worker_processes 1;\n"
        f"pid {workdir / 'nginx.pid'};\n"
        f"error_log {workdir / 'nginx-error.log'} notice;\n"
        "events { worker_connections 1024; }\n"
        "http {\n"
        f"    {LOG_FORMAT}\n"
        f"    access_log {workdir / 'nginx-access.log'} routed;\n"
        f"{temp}\n"
        f"{server}"
        "}\n"
    )


@dataclass
class Backend:
    """One gunicorn process with one gevent worker, as `make serve` runs it."""

    port: int
    process: subprocess.Popen[bytes]
    error_log: Path


@dataclass
class Stack:
    url: str
    backends: list[Backend]
    access_log: Path

    def routed(self) -> list[tuple[str, int, str]]:
        """Each request nginx has answered: client address, backend (index), request line."""
        ports = {f"127.0.0.1:{b.port}": n for n, b in enumerate(self.backends)}
        found = []
        for line in self.access_log.read_text(encoding="utf-8").splitlines():
            address, upstreams, request = line.split(" ", 2)
            # Several upstreams (comma-separated) if nginx had to try another: none may.
            assert upstreams in ports, f"nginx did not send this to one process: {line}"
            found.append((address, ports[upstreams], request))
        return found


def wait_until_healthy(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    detail = log.read_text(encoding="utf-8")[-3000:] if log.exists() else "(no log)"
    if process.poll() is not None:
        detail += f"\n(exited with {process.returncode}; gunicorn and gevent are the prod extras)"
    raise RuntimeError(f"{url} did not come up:\n{detail}")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def start_backend(port: int, workdir: Path, env: dict[str, str]) -> Backend:
    workdir.mkdir(parents=True)
    error_log = workdir / "error.log"
    command = [
        *(sys.executable, "-m", "gunicorn", "-k", "gevent", "-w", "1"),
        *("--worker-connections", "1000", "-b", f"127.0.0.1:{port}"),
        *("--error-logfile", str(error_log)),
        "circles.wsgi:app",
    ]
    backend_env = {**env, "CIRCLES_ASYNC_MODE": "gevent", "CIRCLES_INSTANCE_PATH": str(workdir)}
    process = subprocess.Popen(command, cwd=ROOT, env=backend_env, stdin=subprocess.DEVNULL)
    return Backend(port, process, error_log)


@contextlib.contextmanager
def production_stack(nginx: str, workdir: Path, env: dict[str, str]) -> Iterator[Stack]:
    """nginx on a free port in front of the documented upstream's processes, all stopped after."""
    documented = documented_nginx_server()
    count = len(UPSTREAM_SERVER.findall(documented))
    assert count >= 2, "the documented upstream should name at least two processes"
    processes: list[subprocess.Popen[bytes]] = []
    try:
        backends = []
        for n in range(count):
            backend = start_backend(free_port(), workdir / f"backend-{n}", env)
            processes.append(backend.process)
            backends.append(backend)
        listen = free_port()
        conf = workdir / "nginx.conf"
        conf.write_text(
            nginx_config(documented, listen, [b.port for b in backends], workdir), encoding="utf-8"
        )
        error_log = workdir / "nginx-error.log"
        nginx_process = subprocess.Popen(
            [nginx, "-p", str(workdir), "-c", str(conf), "-e", str(error_log)],
            stdin=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        processes.append(nginx_process)
        for backend in backends:
            backend_url = f"http://127.0.0.1:{backend.port}"
            wait_until_healthy(backend_url, backend.process, backend.error_log)
        url = f"http://127.0.0.1:{listen}"
        wait_until_healthy(url, nginx_process, error_log)
        yield Stack(url, backends, workdir / "nginx-access.log")
    finally:
        for process in reversed(processes):
            stop(process)

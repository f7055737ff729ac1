"""Live-room benchmark: the app under its production server against a bare python-socketio server.

Both servers run as ``gunicorn -k gevent -w 1`` pinned to CPU 0; the load generator (this
process, asyncio + python-socketio AsyncClients over WebSocket) runs on CPU 1. Each run connects
``--members`` members in ``--sessions`` live sessions (plus one facilitator per session), then for
``--rounds`` rounds every facilitator opens a prompt at the same moment and every member answers
it as soon as it arrives; once every answer is counted, every facilitator reveals. Measured, per
server:

- prompt fan-out latency (facilitator's send -> each member's receipt), p50/p95/p99;
- response delivery latency (member's send -> the facilitator's count reaching that answer),
  p50/p95/p99;
- reveal fan-out latency (facilitator's reveal -> each member's receipt of the answers),
  p50/p95/p99;
- deliveries per second, server CPU-seconds per 10k deliveries (over the rounds), memory per
  connection;
- server CPU per connection for connecting and joining (before the rounds, reported apart);
- delivered / expected.

``--runs`` runs of every server are measured in turn (the order rotating from run to run, each
app run on a fresh copy of the seeded database), after ``--warmup`` unmeasured rounds; the report
gives medians over the runs and the targets' ratios run by run. A second baseline, the bare
server with the app's own process settings (``--tuned-bare``, on by default), shows how much of
the difference is the app's own work.

``--two-processes REDIS_URL`` adds a run of two app processes sharing the database and Redis,
every room split across both (facilitators and members alike), and reports delivered / expected
for it, and in how many rooms and rounds a facilitator's highest count was not the number of
answers.

Usage: ``make bench`` or ``.venv/bin/python bench/live_bench.py [--members 1000 --sessions 100]``.
``BENCH_SERVER_LOG=/path`` appends the servers' own logs to that file.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import itertools
import json
import os
import shutil
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import socketio
from live_servers import (
    LOAD_CPU,
    SERVER_CPU,
    cpu_seconds,
    database_cpu_seconds,
    free_port,
    rss_bytes,
    start_gunicorn,
    worker_pid,
)

SECRET = "benchmark-secret-key-that-is-long-enough-0123456789"


# Seeding the app's database ------------------------------------------------------------------


@dataclass
class Seed:
    database_url: str
    #: per live session: (session id, facilitator cookie, [member cookies])
    sessions: list[tuple[int, str, list[str]]]


def app_env(
    database_url: str, base_url: str, instance: Path, redis_url: str | None
) -> dict[str, str]:
    env = {
        **os.environ,
        "CIRCLES_DATABASE_URL": database_url,
        "CIRCLES_SECRET_KEY": SECRET,
        "CIRCLES_BASE_URL": base_url,
        "CIRCLES_INSTANCE_PATH": str(instance),
        "CIRCLES_MAIL_BACKEND": "memory",
        "CIRCLES_ASYNC_MODE": "gevent",
        "CIRCLES_LIVE_EVENT_LIMIT": "1000 per second",
        "CIRCLES_ARGON2_MEMORY_COST": "64",
        "CIRCLES_ARGON2_TIME_COST": "1",
    }
    env.pop("CIRCLES_REDIS_URL", None)
    if redis_url:
        env["CIRCLES_REDIS_URL"] = redis_url
    return env


def seed(database_url: str, instance: Path, sessions: int, members_per_session: int) -> Seed:
    """Migrate, then create one organisation, its circles, people, logins and open live rooms."""
    os.environ.update(app_env(database_url, "http://127.0.0.1", instance, None))
    os.environ["CIRCLES_ASYNC_MODE"] = "threading"
    from flask_migrate import upgrade

    from circles import create_app
    from circles.accounts.models import AuthSession, User
    from circles.accounts.services import hash_password
    from circles.db import utcnow
    from circles.extensions import db
    from circles.groups.models import Circle, CircleMember, CircleRole
    from circles.live.models import LiveSession, LiveStatus
    from circles.orgs.models import Organisation
    from circles.tokens import hash_token, new_token

    app = create_app()
    out: list[tuple[int, str, list[str]]] = []
    with app.app_context():
        upgrade()
        serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
        cookie_name = app.config["SESSION_COOKIE_NAME"]
        password = hash_password("benchmark password")
        org = Organisation(name="Benchmark practice")
        db.session.add(org)
        db.session.flush()

        def person(n: str) -> tuple[User, str]:
            user = User(email=f"{n}@bench.example.org", password_hash=password, display_name=n)
            db.session.add(user)
            db.session.flush()
            token = new_token()
            db.session.add(AuthSession(token_hash=hash_token(token), user_id=user.id))
            cookie = serializer.dumps({"_user_id": token, "_fresh": True})
            return user, f"{cookie_name}={cookie}"

        now = utcnow()
        for s in range(sessions):
            circle = Circle(org_id=org.id, name=f"Circle {s}", agreement="-", capacity=50)
            db.session.add(circle)
            db.session.flush()
            facilitator, fac_cookie = person(f"f{s}")
            db.session.add(
                CircleMember(
                    circle_id=circle.id,
                    user_id=facilitator.id,
                    role=CircleRole.FACILITATOR,
                    display_name=f"F{s}",
                    name_key=f"f{s}",
                    agreed_at=now,
                )
            )
            cookies = []
            for m in range(members_per_session):
                member, cookie = person(f"m{s}-{m}")
                db.session.add(
                    CircleMember(
                        circle_id=circle.id,
                        user_id=member.id,
                        role=CircleRole.MEMBER,
                        display_name=f"M{m}",
                        name_key=f"m{m}",
                        agreed_at=now,
                    )
                )
                cookies.append(cookie)
            live = LiveSession(circle_id=circle.id, status=LiveStatus.LOBBY)
            db.session.add(live)
            db.session.flush()
            out.append((live.id, fac_cookie, cookies))
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            # A database in use has statistics (autovacuum gathers them as tables grow); a
            # freshly seeded one has none until autovacuum's next pass, which would otherwise
            # land in the middle of a run and change the plans of statements prepared before.
            with db.engine.connect() as connection:
                connection.exec_driver_sql("ANALYZE")
                connection.commit()
            # Write the seeding's pages out now, so that the checkpoint does not land in a
            # measured window and count as the app's database CPU (needs a superuser; the
            # benchmark's windows are then noisier without it).
            with contextlib.suppress(Exception), db.engine.connect() as connection:
                connection.exec_driver_sql("CHECKPOINT")
        db.engine.dispose()
    return Seed(database_url, out)


# Load ----------------------------------------------------------------------------------------


@dataclass
class Measures:
    fanout: list[float] = field(default_factory=list)
    delivery: list[float] = field(default_factory=list)
    reveal: list[float] = field(default_factory=list)
    delivered: int = 0
    expected: int = 0
    elapsed: float = 0.0
    #: Rooms and rounds whose facilitator's highest count was not the number of answers.
    counts_wrong: int = 0
    counts_checked: int = 0


async def connect(url: str, cookie: str, origin: str) -> socketio.AsyncClient:
    client = socketio.AsyncClient(reconnection=False, request_timeout=60)
    await client.connect(
        url,
        headers={"Cookie": cookie, "Origin": origin},
        namespaces=["/live"],
        transports=["websocket"],
        wait_timeout=30,
    )
    return client


async def run_load(
    fac_url: str,
    member_url: str,
    seed: Seed,
    rounds: int,
    warmup: int = 0,
    mark: Callable[[str], None] = lambda _: None,
    spread: list[str] | None = None,
) -> tuple[Measures, list[socketio.AsyncClient]]:
    """Connect and join everyone (then ``mark("joined")``), run ``warmup`` rounds that are not
    measured, ``mark("measuring")``, then run the measured rounds. With ``spread``, every room
    is split across those servers: facilitators and members alike, in turn."""
    measures = Measures()
    sent_at: dict[tuple[int, int], float] = {}
    revealed_at: dict[tuple[int, int], float] = {}
    prompt_of: dict[int, int] = {}
    submits: dict[int, list[float]] = defaultdict(list)
    counts_seen: dict[int, int] = defaultdict(int)
    #: The highest count each room's facilitator has been sent this round (what the page shows).
    highest: dict[int, int] = defaultdict(int)
    turn = itertools.count()
    round_no = 0
    done = asyncio.Event()
    clients: list[socketio.AsyncClient] = []
    semaphore = asyncio.Semaphore(20)

    async def open_client(url: str, cookie: str) -> socketio.AsyncClient:
        async with semaphore:
            origin = url
            return await connect(url, cookie, origin)

    def check_done() -> None:
        if measures.delivered >= measures.expected:
            done.set()

    def url_for(default: str) -> str:
        return spread[next(turn) % len(spread)] if spread else default

    for session_id, fac_cookie, member_cookies in seed.sessions:
        facilitator = await open_client(url_for(fac_url), fac_cookie)
        clients.append(facilitator)

        def on_count(data: dict[str, Any], sid: int = session_id) -> None:
            # A count of n delivers the prompt's first n answers to the facilitator: the app
            # sends one count for the answers it stores together, the bare server one each.
            now = time.perf_counter()
            highest[sid] = max(highest[sid], data["count"])
            covered = min(data["count"], len(submits[sid]))
            for index in range(counts_seen[sid], covered):
                measures.delivery.append(now - submits[sid][index])
                measures.delivered += 1
            counts_seen[sid] = max(counts_seen[sid], covered)
            check_done()

        facilitator.on("response.count", on_count, namespace="/live")
        join = {"session": session_id, "role": "facilitator"}
        assert (await facilitator.call("join", join, namespace="/live"))["ok"]

        async def join_member(cookie: str, sid: int = session_id) -> socketio.AsyncClient:
            member = await open_client(url_for(member_url), cookie)

            async def on_prompt(
                prompt: dict[str, Any], client: socketio.AsyncClient = member
            ) -> None:
                now = time.perf_counter()
                measures.fanout.append(now - sent_at[(sid, round_no)])
                measures.delivered += 1
                submits[sid].append(time.perf_counter())
                await client.emit(
                    "response.submit",
                    {
                        "session": sid,
                        "prompt_id": prompt["id"],
                        "value": "ok",
                        "client_id": f"{id(client)}-{round_no}",
                    },
                    namespace="/live",
                )
                check_done()

            async def on_revealed(data: dict[str, Any]) -> None:
                measures.reveal.append(time.perf_counter() - revealed_at[(sid, round_no)])
                measures.delivered += 1
                check_done()

            member.on("prompt.opened", on_prompt, namespace="/live")
            member.on("prompt.revealed", on_revealed, namespace="/live")
            assert (await member.call("join", {"session": sid}, namespace="/live"))["ok"]
            return member

        clients += await asyncio.gather(*(join_member(c) for c in member_cookies))

    members = sum(len(m) for _, _, m in seed.sessions)
    facilitators = _facilitators(clients, seed)
    mark("joined")
    start = time.perf_counter()
    for round_no in range(warmup + rounds):  # the handlers above read round_no
        if round_no == warmup:
            # The warm-up rounds are over: measure from here.
            measures.fanout.clear()
            measures.delivery.clear()
            measures.reveal.clear()
            measures.delivered = measures.expected = 0
            mark("measuring")
            start = time.perf_counter()
        done.clear()
        for sid in submits:
            submits[sid].clear()
            counts_seen[sid] = 0
        highest.clear()
        measures.expected += 2 * members  # every member gets the prompt; every answer a count
        rooms = list(zip(seed.sessions, facilitators, strict=True))
        await asyncio.gather(
            *(
                _open(facilitator, session_id, round_no, sent_at, prompt_of)
                for (session_id, _, _), facilitator in rooms
            )
        )
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(done.wait(), timeout=30)
        for session_id, _, member_cookies in seed.sessions:
            measures.counts_checked += 1
            measures.counts_wrong += highest[session_id] != len(member_cookies)
        done.clear()
        measures.expected += members  # every member gets the answers revealed
        await asyncio.gather(
            *(
                _reveal(facilitator, session_id, prompt_of[session_id], round_no, revealed_at)
                for (session_id, _, _), facilitator in rooms
            )
        )
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(done.wait(), timeout=30)
        await asyncio.sleep(0.2)
    measures.elapsed = time.perf_counter() - start
    return measures, clients


def _facilitators(clients: list[socketio.AsyncClient], seed: Seed) -> list[socketio.AsyncClient]:
    found, index = [], 0
    for _, _, members in seed.sessions:
        found.append(clients[index])
        index += 1 + len(members)
    return found


async def _open(
    client: socketio.AsyncClient,
    session_id: int,
    round_no: int,
    sent_at: dict[tuple[int, int], float],
    prompt_of: dict[int, int],
) -> None:
    sent_at[(session_id, round_no)] = time.perf_counter()
    prompt = {"kind": "text", "text": f"Round {round_no}: what is here for you?", "anonymous": True}
    ack = await client.call(
        "prompt.open", {"session": session_id, "prompt": prompt}, namespace="/live", timeout=30
    )
    if not ack.get("ok"):
        raise RuntimeError(f"prompt.open refused: {ack}")
    prompt_of[session_id] = ack["prompt"]["id"]


async def _reveal(
    client: socketio.AsyncClient,
    session_id: int,
    prompt_id: int,
    round_no: int,
    revealed_at: dict[tuple[int, int], float],
) -> None:
    revealed_at[(session_id, round_no)] = time.perf_counter()
    ack = await client.call(
        "prompt.reveal",
        {"session": session_id, "prompt_id": prompt_id},
        namespace="/live",
        timeout=30,
    )
    if not ack.get("ok"):
        raise RuntimeError(f"prompt.reveal refused: {ack}")


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


@dataclass
class Result:
    name: str
    measures: Measures
    #: CPU-seconds of the rounds (prompts out, answers in, counts out, reveals out)
    cpu: float
    #: CPU-seconds of connecting and joining everyone, before the rounds
    cpu_joining: float
    connections: int
    rss_per_connection: float
    #: PostgreSQL's CPU-seconds over the same two windows (0 for SQLite and the bare servers)
    database_cpu: float = 0.0
    database_cpu_joining: float = 0.0

    @property
    def deliveries_per_second(self) -> float:
        return self.measures.delivered / self.measures.elapsed if self.measures.elapsed else 0.0

    @property
    def cpu_per_10k(self) -> float:
        return self.cpu / self.measures.delivered * 10_000 if self.measures.delivered else 0.0

    @property
    def cpu_with_database_per_10k(self) -> float:
        cpu = self.cpu + self.database_cpu
        return cpu / self.measures.delivered * 10_000 if self.measures.delivered else 0.0


async def measure_server(
    name: str,
    url: str,
    pid: int,
    seed: Seed,
    rounds: int,
    warmup: int,
    database_url: str | None = None,
) -> Result:
    """Measure one server; with ``database_url`` (the app on PostgreSQL) the database's CPU
    over the same windows too."""
    rss_before = rss_bytes(pid)
    connections = sum(1 + len(m) for _, _, m in seed.sessions)
    cpu_at = {"start": cpu_seconds(pid)}
    db_at = {"start": database_cpu_seconds(database_url)}
    rss_joined: list[int] = []

    def mark(moment: str) -> None:
        cpu_at[moment] = cpu_seconds(pid)
        db_at[moment] = database_cpu_seconds(database_url)
        if moment == "joined":
            rss_joined.append(rss_bytes(pid))

    measures, clients = await run_load(url, url, seed, rounds, warmup, mark)
    mark("end")
    await asyncio.gather(*(c.disconnect() for c in clients), return_exceptions=True)
    return Result(
        name,
        measures,
        cpu=cpu_at["end"] - cpu_at["measuring"],
        cpu_joining=cpu_at["joined"] - cpu_at["start"],
        connections=connections,
        rss_per_connection=(rss_joined[0] - rss_before) / connections,
        database_cpu=db_at["end"] - db_at["measuring"],
        database_cpu_joining=db_at["joined"] - db_at["start"],
    )


#: What the report shows of one run, by label.
MEASURES: list[tuple[str, Callable[[Result], float]]] = [
    ("fan-out p50 (ms)", lambda r: statistics.median(r.measures.fanout) * 1000),
    ("fan-out p95 (ms)", lambda r: percentile(r.measures.fanout, 95) * 1000),
    ("fan-out p99 (ms)", lambda r: percentile(r.measures.fanout, 99) * 1000),
    ("response p50 (ms)", lambda r: statistics.median(r.measures.delivery) * 1000),
    ("response p95 (ms)", lambda r: percentile(r.measures.delivery, 95) * 1000),
    ("response p99 (ms)", lambda r: percentile(r.measures.delivery, 99) * 1000),
    ("reveal p50 (ms)", lambda r: statistics.median(r.measures.reveal) * 1000),
    ("reveal p95 (ms)", lambda r: percentile(r.measures.reveal, 95) * 1000),
    ("reveal p99 (ms)", lambda r: percentile(r.measures.reveal, 99) * 1000),
    ("deliveries / s", lambda r: r.deliveries_per_second),
    ("CPU-s / 10k deliveries", lambda r: r.cpu_per_10k),
    ("CPU-s / 10k deliveries, database counted", lambda r: r.cpu_with_database_per_10k),
    ("CPU-ms / connection (connect + join)", lambda r: r.cpu_joining / r.connections * 1000),
    (
        "CPU-ms / connection (connect + join), database counted",
        lambda r: (r.cpu_joining + r.database_cpu_joining) / r.connections * 1000,
    ),
    ("memory / connection (KiB)", lambda r: r.rss_per_connection / 1024),
    ("delivered / expected", lambda r: r.measures.delivered / r.measures.expected),
]
#: The targets' measures, shown run by run as well.
PER_RUN = (
    "fan-out p99 (ms)",
    "response p99 (ms)",
    "reveal p99 (ms)",
    "CPU-s / 10k deliveries",
    "CPU-s / 10k deliveries, database counted",
    "CPU-ms / connection (connect + join)",
    "CPU-ms / connection (connect + join), database counted",
)
#: The like-for-like baseline, reported first when it was measured.
TUNED_BARE = "bare, app's settings"


def report(runs: list[dict[str, Result]], extra: dict[str, str]) -> str:
    """Each measure's median over the runs for each server and its ratio to the app's, then the
    targets' ratios run by run (the servers of one run were measured one after the other)."""
    app, *baselines = list(runs[0])
    baselines.sort(key=lambda name: name != TUNED_BARE)
    head = ["measure", app] + [f"{b} | app / {b}" for b in baselines]
    lines = ["| " + " | ".join(head) + " |", "|---" * (1 + 1 + 2 * len(baselines)) + "|"]
    for label, get in MEASURES:
        a = statistics.median(get(run[app]) for run in runs)
        cells = [label, f"{a:.2f}"]
        for name in baselines:
            b = statistics.median(get(run[name]) for run in runs)
            cells += [f"{b:.2f}", f"{a / b:.2f}" if b else "nan"]
        lines.append("| " + " | ".join(cells) + " |")
    for label, value in extra.items():
        lines.append(f"| {label} | {value} |")
    for name in baselines:
        lines += [
            "",
            f"| app / {name}, run by run | "
            + " | ".join(f"run {i + 1}" for i in range(len(runs)))
            + " |",
        ]
        lines.append("|---|" + "---|" * len(runs))
        for label, get in MEASURES:
            if label in PER_RUN:
                ratios = [get(run[app]) / get(run[name]) for run in runs]
                lines.append(f"| {label} | " + " | ".join(f"{r:.2f}" for r in ratios) + " |")
    return "\n".join(lines)


def measure(
    name: str,
    target: str,
    env: dict[str, str],
    data: Seed,
    rounds: int,
    warmup: int,
    database_url: str | None = None,
) -> Result:
    """Start a server, measure it, stop it."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = start_gunicorn(target, port, {**env, "CIRCLES_BASE_URL": url})
    # The load generator's own collector would pause every client at once now and then, and
    # add its pauses to whichever server is being measured: off while measuring.
    gc.collect()
    gc.disable()
    try:
        print(f"measuring the {name} ...", flush=True)
        return asyncio.run(
            measure_server(name, url, worker_pid(server), data, rounds, warmup, database_url)
        )
    finally:
        gc.enable()
        server.terminate()
        server.wait(timeout=20)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--sessions", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=10, help="measured rounds per run")
    parser.add_argument("--warmup", type=int, default=1, help="rounds before measuring")
    parser.add_argument(
        "--runs", type=int, default=3, help="runs of each server, the servers in turn"
    )
    parser.add_argument(
        "--tuned-bare",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also measure the bare server with the app's process settings",
    )
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    parser.add_argument(
        "--two-processes", metavar="REDIS_URL", default=os.environ.get("BENCH_REDIS_URL")
    )
    parser.add_argument(
        "--json", metavar="PATH", default=None, help="also write every run's measures there"
    )
    args = parser.parse_args()
    os.sched_setaffinity(0, LOAD_CPU)

    tmp = Path(tempfile.mkdtemp(prefix="circles-bench-"))
    database_url = args.database_url or f"sqlite:///{tmp / 'bench.sqlite3'}"
    print(
        f"seeding {args.sessions} sessions x {args.members // args.sessions} members ...",
        flush=True,
    )
    data = seed(database_url, tmp, args.sessions, args.members // args.sessions)

    servers = [
        ("app", "circles.wsgi:app", app_env(database_url, "", tmp, None)),
        ("bare", "bench.bare_server:app", {**os.environ, "BENCH_BARE_TUNED": "0"}),
    ]
    if args.tuned_bare:
        servers.append(
            (
                "bare, app's settings",
                "bench.bare_server:app",
                {**os.environ, "BENCH_BARE_TUNED": "1"},
            )
        )
    pristine = tmp / "seeded.sqlite3"
    if args.database_url is None:
        shutil.copyfile(tmp / "bench.sqlite3", pristine)
    runs = []
    for number in range(args.runs):
        # In turn, so that a slower minute of this machine touches every server alike, and in
        # a rotating order, so that no server is always the first or the last of a run.
        turn = servers[number % len(servers) :] + servers[: number % len(servers)]
        run: dict[str, Result] = {}
        for name, target, env in turn:
            if name == "app" and pristine.exists():
                # Every app run starts from the database as seeded, not after earlier runs.
                shutil.copyfile(pristine, tmp / "bench.sqlite3")
                for leftover in ("bench.sqlite3-wal", "bench.sqlite3-shm"):
                    (tmp / leftover).unlink(missing_ok=True)
            run[name] = measure(
                name,
                target,
                env,
                data,
                args.rounds,
                args.warmup,
                database_url if name == "app" else None,
            )
        runs.append({name: run[name] for name, _, _ in servers})

    extra: dict[str, str] = {}
    if args.two_processes:
        print("measuring two app processes with the Redis queue ...", flush=True)
        ports = free_port(), free_port()
        urls = [f"http://127.0.0.1:{p}" for p in ports]
        env_a = app_env(database_url, urls[0], tmp, args.two_processes)
        env_a["CIRCLES_ALLOWED_ORIGINS"] = ",".join(urls)
        env_b = {**env_a, "CIRCLES_BASE_URL": urls[1]}
        processes = [
            start_gunicorn("circles.wsgi:app", ports[0], env_a),
            start_gunicorn("circles.wsgi:app", ports[1], env_b),
        ]
        try:
            measures, _clients = asyncio.run(_two(urls, data, args.rounds))
            extra["two processes + Redis, rooms split: delivered / expected"] = (
                f"{measures.delivered / measures.expected:.3f}"
            )
            extra["two processes + Redis, rooms split: counts wrong"] = (
                f"{measures.counts_wrong} of {measures.counts_checked} rooms x rounds"
            )
        finally:
            for process in processes:
                process.terminate()
                process.wait(timeout=20)

    print()
    print(
        f"{args.members} members in {args.sessions} sessions; {args.runs} runs of each server, "
        f"each {args.rounds} measured rounds after {args.warmup} warm-up; medians over the runs; "
        f"servers on CPU {sorted(SERVER_CPU)}, load on CPU {sorted(LOAD_CPU)}"
    )
    print(report(runs, extra))
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                [
                    {
                        name: {label: get(result) for label, get in MEASURES}
                        for name, result in run.items()
                    }
                    for run in runs
                ],
                indent=1,
            )
        )


async def _two(
    urls: list[str], data: Seed, rounds: int
) -> tuple[Measures, list[socketio.AsyncClient]]:
    measures, clients = await run_load(urls[0], urls[1], data, rounds, spread=urls)
    await asyncio.gather(*(c.disconnect() for c in clients), return_exceptions=True)
    return measures, clients


if __name__ == "__main__":
    main()

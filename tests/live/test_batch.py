"""Group commit (circles.live.batch): events that arrive together run together, one batch at a
time, each with its own result; neither a failing batch nor a waiter that stops leaves anyone
waiting."""

from __future__ import annotations

import contextlib
import ctypes
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from types import SimpleNamespace

from circles.live import answers, opening, revealing, routing
from circles.live.batch import LINGERS, GroupCommit, Job
from circles.live.events import Event, Login
from circles.live.writing import BatchWriter, lingers_for
from tests.live.conftest import eventually


def test_events_waiting_together_form_one_batch_and_each_gets_its_own_result():
    batches: list[list[int]] = []
    running = threading.Semaphore(1)  # taken while a batch runs: never two at once
    overlapped = []
    first_started = threading.Event()
    release_first = threading.Event()

    def run_batch(jobs: list[Job]) -> None:
        if not running.acquire(blocking=False):
            overlapped.append(True)
        batches.append([job.payload for job in jobs])
        if len(batches) == 1:
            first_started.set()
            release_first.wait(5)  # the first batch is slow: the others arrive meanwhile
        for job in jobs:
            job.result = job.payload * 10
        running.release()

    group = GroupCommit(run_batch, pause=lambda: time.sleep(0))
    with ThreadPoolExecutor(max_workers=20) as pool:
        first = pool.submit(group.submit, 0)
        assert first_started.wait(5)
        rest = [pool.submit(group.submit, n) for n in range(1, 20)]
        time.sleep(0.3)  # all nineteen are waiting now
        release_first.set()
        results = [first.result(5)] + [future.result(5) for future in rest]

    assert results == [n * 10 for n in range(20)]
    assert not overlapped
    assert batches[0] == [0]
    assert sorted(batches[1]) == list(range(1, 20))  # the nineteen waiting went in together
    assert len(batches) == 2


def test_a_batch_is_at_most_limit_events_and_the_rest_lead_the_next():
    batches: list[int] = []
    gate = threading.Event()

    def run_batch(jobs: list[Job]) -> None:
        batches.append(len(jobs))
        gate.wait(5)
        for job in jobs:
            job.result = "done"

    group = GroupCommit(run_batch, pause=lambda: None, limit=4)
    with ThreadPoolExecutor(max_workers=12) as pool:
        futures = [pool.submit(group.submit, n) for n in range(11)]
        time.sleep(0.3)
        gate.set()
        assert [future.result(5) for future in futures] == ["done"] * 11
    assert max(batches) <= 4 and sum(batches) == 11


def test_a_batch_that_fails_wakes_everyone_and_the_next_oneruns():
    calls = []
    started = threading.Event()
    release = threading.Event()

    def run_batch(jobs: list[Job]) -> None:
        calls.append(len(jobs))
        if len(calls) == 1:
            started.set()
            release.wait(5)
        if len(calls) <= 2:
            raise RuntimeError("the database went away")
        for job in jobs:
            job.result = "fine"

    group = GroupCommit(run_batch, pause=lambda: None)
    with ThreadPoolExecutor(max_workers=6) as pool:
        first = pool.submit(group.submit, 0)
        assert started.wait(5)
        waiting = [pool.submit(group.submit, n) for n in range(1, 5)]
        time.sleep(0.2)
        release.set()
        for future in [first, *waiting]:
            with contextlib.suppress(RuntimeError):  # a failed batch's leader sees the error
                assert future.result(5) is None
    assert group.submit(9) == "fine"  # not stuck busy


def test_a_batch_runs_in_order_with_answers_opens_and_reveals_together_one_open_per_session():
    def job(name: str, session: object) -> Job:
        return Job(Event(name, "sid", Login("hash"), {"session": session}))

    jobs = [
        job("response.submit", 1),
        job("response.pass", 2),
        job("response.submit", 1),
        job("prompt.open", 1),
        job("prompt.open", 2),
        job("prompt.open", 1),  # the same room again: the next run
        job("prompt.reveal", 1),
        job("prompt.reveal", 2),
        job("hand.raise", 2),
        job("response.submit", 3),
    ]
    runs = [(bulk, [jobs.index(j) for j in run]) for bulk, run in routing.runs(jobs)]
    assert runs == [
        (answers.record, [0, 1, 2]),
        (opening.open_prompts, [3, 4]),
        (opening.open_prompts, [5]),
        (revealing.reveal_prompts, [6, 7]),
        (None, [8]),
        (answers.record, [9]),
    ]


def test_a_burst_still_arriving_while_the_leader_pauses_is_written_together():
    batches: list[list[int]] = []
    pauses: list[int] = []
    arriving: list[Future[object]] = []

    def run_batch(jobs: list[Job]) -> None:
        batches.append(sorted(job.payload for job in jobs))
        for job in jobs:
            job.result = job.payload

    with ThreadPoolExecutor(max_workers=8) as pool:

        def pause() -> None:
            pauses.append(1)
            if len(pauses) <= 2:  # during each of the first two pauses, two more arrive
                for _ in range(2):
                    arriving.append(pool.submit(group.submit, len(arriving) + 1))
                deadline = time.monotonic() + 5
                while len(group._waiting) < 1 + len(arriving) and time.monotonic() < deadline:
                    time.sleep(0.001)

        group = GroupCommit(run_batch, pause=pause)
        assert group.submit(0) == 0  # this thread leads
        assert [future.result(5) for future in arriving] == [1, 2, 3, 4]

    assert batches == [[0, 1, 2, 3, 4]]
    assert len(pauses) == 3  # the third brought nobody new: the batch went


def test_a_lone_event_waits_for_one_pause_only():
    pauses: list[int] = []

    def run_batch(jobs: list[Job]) -> None:
        for job in jobs:
            job.result = "done"

    group = GroupCommit(run_batch, pause=lambda: pauses.append(1))
    assert group.submit("alone") == "done"
    assert pauses == [1]


def lingering_group(
    run_batch, linger, arrivals: list[int], pool: ThreadPoolExecutor, arriving: list[Future[object]]
):
    """A group whose n-th linger wait brings ``arrivals[n]`` more events (none after)."""
    waits: list[int] = []

    def wait() -> None:
        waits.append(1)
        coming = arrivals[len(waits) - 1] if len(waits) <= len(arrivals) else 0
        for _ in range(coming):
            arriving.append(pool.submit(group.submit, len(arriving) + 1))
        deadline = time.monotonic() + 5
        while len(group._waiting) < 1 + len(arriving) and time.monotonic() < deadline:
            time.sleep(0.001)

    group = GroupCommit(run_batch, pause=lambda: None, linger=linger, wait=wait)
    return group, waits


def test_a_batch_that_lingers_waits_while_its_burst_keeps_arriving():
    batches: list[list[int]] = []
    lingered_over: list[list[object]] = []

    def run_batch(jobs: list[Job]) -> None:
        batches.append(sorted(job.payload for job in jobs))
        for job in jobs:
            job.result = job.payload

    def linger(payloads) -> bool:
        lingered_over.append(list(payloads))
        return True

    arriving: list[Future[object]] = []
    with ThreadPoolExecutor(max_workers=8) as pool:
        group, waits = lingering_group(run_batch, linger, [2, 1], pool, arriving)
        assert group.submit(0) == 0  # this thread leads
        assert [future.result(5) for future in arriving] == [1, 2, 3]

    assert batches == [[0, 1, 2, 3]]  # the burst went in one batch
    assert len(waits) == 3  # the third wait brought nobody: the batch went
    assert lingered_over == [[0]]  # asked once, with what was waiting


def lingering_while_one_arrives_each_wait(limit: int = 500) -> tuple[list[int], list[int]]:
    """One leader, and one more event arriving during each of its waits: (batch sizes, waits)."""
    batches: list[int] = []

    def run_batch(jobs: list[Job]) -> None:
        batches.append(len(jobs))
        for job in jobs:
            job.result = "done"

    arriving: list[Future[object]] = []
    with ThreadPoolExecutor(max_workers=16) as pool:
        group, waits = lingering_group(run_batch, lambda _: True, [1] * 10, pool, arriving)
        group._limit = limit
        group.submit(0)
        for future in arriving:
            future.result(5)
    return batches, waits


def test_lingering_stops_after_a_few_waits_however_many_keep_coming():
    batches, waits = lingering_while_one_arrives_each_wait()

    assert len(waits) == LINGERS
    assert batches == [1 + LINGERS]  # it went after the last wait, with everyone who had come


def test_lingering_stops_once_the_batch_is_full():
    batches, waits = lingering_while_one_arrives_each_wait(limit=3)

    assert len(waits) == 2  # three were waiting: no more can join this batch
    assert batches == [3]


def test_a_lingering_leader_that_fails_hands_the_lead_on():
    batches: list[list[int]] = []
    waits: list[int] = []
    arriving: list[Future[object]] = []

    def run_batch(jobs: list[Job]) -> None:
        batches.append([job.payload for job in jobs])
        for job in jobs:
            job.result = job.payload

    with ThreadPoolExecutor(max_workers=4) as pool:

        def wait() -> None:
            waits.append(1)
            if len(waits) == 1:  # someone arrives, then the leader's wait fails
                arriving.append(pool.submit(group.submit, 1))
                deadline = time.monotonic() + 5
                while len(group._waiting) < 2 and time.monotonic() < deadline:
                    time.sleep(0.001)
                raise RuntimeError("interrupted")

        group = GroupCommit(run_batch, pause=lambda: None, linger=lambda _: True, wait=wait)
        with contextlib.suppress(RuntimeError):
            group.submit(0)
        assert arriving[0].result(5) == 1  # the one waiting led the next batch
        assert group.submit(2) == 2  # and the group still works

    assert batches == [[1], [2]]


class Killed(BaseException):
    """What gevent raises in a greenlet it kills (GreenletExit is a BaseException too)."""


def _interrupt(thread: threading.Thread) -> None:
    """Raise :class:`Killed` in ``thread`` the next time it runs Python code (a waiting thread:
    as soon as it wakes), as gevent's ``kill`` does in a greenlet."""
    assert thread.ident is not None
    done = ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(thread.ident), ctypes.py_object(Killed)
    )
    assert done == 1


def test_a_waiter_stopped_as_it_is_made_leader_hands_the_lead_on():
    batches: list[list[object]] = []
    first_started, release_first = threading.Event(), threading.Event()

    def run_batch(jobs: list[Job]) -> None:
        batches.append([job.payload for job in jobs])
        if len(batches) == 1:
            first_started.set()
            release_first.wait(5)
        for job in jobs:
            job.result = job.payload

    group = GroupCommit(run_batch, pause=lambda: None)
    outcome: dict[object, object] = {}

    def submit(payload: object) -> None:
        try:
            outcome[payload] = group.submit(payload)
        except Killed:
            outcome[payload] = "killed"

    def start(payload: object) -> threading.Thread:
        thread = threading.Thread(target=submit, args=(payload,), daemon=True)
        thread.start()
        return thread

    first = start(0)
    assert first_started.wait(5)
    doomed = start("doomed")  # the oldest waiting: the one made leader next
    assert eventually(lambda: len(group._waiting) == 1)
    after = start(2)
    assert eventually(lambda: len(group._waiting) == 2)
    time.sleep(0.05)  # both are blocked in their wait
    _interrupt(doomed)  # raised as it wakes to lead
    release_first.set()
    for thread in (first, doomed, after):
        thread.join(5)

    assert outcome == {0: 0, "doomed": "killed", 2: 2}  # the one after it was not left waiting
    assert batches == [[0], [2]]
    assert group.submit(3) == 3  # and the group still works


def test_linger_and_wait_go_together():
    for linger, wait in [(lambda _: True, None), (None, lambda: None)]:
        try:
            GroupCommit(lambda jobs: None, pause=lambda: None, linger=linger, wait=wait)
        except ValueError:
            continue
        raise AssertionError("a linger without its wait (or the reverse) was accepted")


def test_a_batch_that_does_not_linger_never_waits():
    waits: list[int] = []

    def run_batch(jobs: list[Job]) -> None:
        for job in jobs:
            job.result = "done"

    group = GroupCommit(
        run_batch, pause=lambda: None, linger=lambda _: False, wait=lambda: waits.append(1)
    )
    assert group.submit("an answer") == "done"
    assert waits == []


def test_the_writer_lingers_for_joins_and_on_postgresql_for_opens_and_reveals(app):
    writer = BatchWriter(app.extensions["socketio"], app)
    linger = writer._batches._linger
    login = Login("token")
    on_postgresql = app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")

    def event(name: str) -> Event:
        return Event(name, "sid", login, {})

    assert linger([event("response.submit"), event("join")])
    assert not linger([event("response.submit"), event("response.pass")])
    assert linger([event("prompt.open")]) is on_postgresql
    assert linger([event("prompt.reveal")]) is on_postgresql
    for database, lingering in [("sqlite:///x.sqlite3", False), ("postgresql+psycopg://h/d", True)]:
        ask = lingers_for(SimpleNamespace(config={"SQLALCHEMY_DATABASE_URI": database}))
        assert ask([event("prompt.open")]) is lingering
        assert ask([event("join")])

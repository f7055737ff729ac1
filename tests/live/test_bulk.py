"""Answers and opens handled a batch at a time: each event is judged on its own, the batch is
written together, and events arriving together over real sockets are written together."""

from __future__ import annotations

import os
import threading
import time
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from circles.db import utcnow
from circles.extensions import db
from circles.live import access, answers, opening, revealing
from circles.live.access import LiveError, Outcome, Seat
from circles.live.answers import Answer
from circles.live.models import (
    LiveConnection,
    LivePrompt,
    LiveResponse,
    LiveSession,
    LiveStatus,
    LiveSubmission,
    PromptStatus,
)
from circles.live.opening import Opening
from circles.live.revealing import Reveal
from tests.live.conftest import TEXT_PROMPT, joined


def seat(session_id: int, user) -> Seat:
    session, actor = access.actor_for(session_id, user.id)
    return Seat(session.id, session.circle_id, session.meeting_id, session.status, actor)


def judged(results: list[Outcome | LiveError]) -> list[object]:
    return [r.code if isinstance(r, LiveError) else r.ack for r in results]


def rooms(make, count: int) -> list[dict]:
    """``count`` circles, each with its facilitator, two members and an open live room."""
    made = []
    for n in range(count):
        facilitator = make.create_user(f"Facilitator {n}")
        org = make.create_org(owner=facilitator)
        circle = make.create_circle(org, facilitator, f"Circle {n}")
        members = [make.create_user(f"Member {n}-{m}") for m in range(2)]
        for m, member in enumerate(members):
            make.add_member(circle, member, f"M{n}{m}")
        made.append(
            {
                "session": make.live_session(circle, facilitator).id,
                "facilitator": facilitator,
                "members": members,
            }
        )
    return made


def test_a_batch_of_answers_is_judged_answer_by_answer(app, make):
    a, b = rooms(make, 2)
    with app.app_context():
        fac_a, fac_b = seat(a["session"], a["facilitator"]), seat(b["session"], b["facilitator"])
        mo, nic = (seat(a["session"], m) for m in a["members"])
        pat = seat(b["session"], b["members"][0])
        (opened_a,) = opening.open_prompts([(fac_a, Opening(TEXT_PROMPT))])
        (opened_b,) = opening.open_prompts([(fac_b, Opening(TEXT_PROMPT))])
        assert isinstance(opened_a, Outcome) and isinstance(opened_b, Outcome)
        pa, pb = opened_a.ack["prompt"]["id"], opened_b.ack["prompt"]["id"]

        results = answers.record(
            [
                (mo, Answer(pa, "Calm", "m1")),
                (mo, Answer(pa, "Calm", "m1")),  # the same again: a repeat
                (mo, Answer(pa, "Other", "m2")),  # another answer: refused
                (nic, Answer(pa, 7, "n1")),  # not text
                (nic, Answer(pb, "Hello", "n2")),  # another room's prompt
                (fac_a, Answer(pa, "Mine", "f1")),  # facilitators hold the space
                (nic, Answer(pa, "Tired", "")),  # no client id
                (pat, Answer(pb, None, None, passing=True)),
                (nic, Answer(pa, "Tired", "n3")),
            ]
        )
        db.session.commit()

        assert judged(results) == [
            {},
            {"duplicate": True},
            "already_answered",
            "invalid",
            "not_found",
            "forbidden",
            "invalid",
            {},
            {},
        ]
        # One count per prompt for the whole batch, with its total, on its last answer.
        counts = [b.data for r in results if isinstance(r, Outcome) for b in r.broadcasts]
        assert counts == [{"prompt_id": pb, "count": 1}, {"prompt_id": pa, "count": 2}]
        stored = db.session.execute(
            select(LiveSubmission.prompt_id, func.count()).group_by(LiveSubmission.prompt_id)
        ).all()
        assert dict(stored) == {pa: 2, pb: 1}
        # Anonymous: nothing readable until the reveal, then the two answers (the pass: none).
        assert db.session.scalar(select(func.count()).select_from(LiveResponse)) == 0
        for room_, prompt_id in ((a, pa), (b, pb)):
            session, facilitator = access.actor_for(room_["session"], room_["facilitator"].id)
            revealing.reveal_prompt(session, facilitator, prompt_id)
        db.session.commit()
        values = db.session.scalars(select(LiveResponse.value).where(LiveResponse.prompt_id == pa))
        assert sorted(values) == ["Calm", "Tired"]
        assert db.session.scalar(select(func.count()).select_from(LiveResponse)) == 2  # no pass


def test_a_batch_of_opens_puts_each_room_its_prompt_and_refuses_the_rest(app, make):
    a, b, c, d = rooms(make, 4)
    with app.app_context():
        fac = {
            name: seat(r["session"], r["facilitator"])
            for name, r in zip("abcd", (a, b, c, d), strict=True)
        }
        (earlier,) = opening.open_prompts([(fac["a"], Opening(TEXT_PROMPT))])
        assert isinstance(earlier, Outcome)
        live_d = db.session.get(LiveSession, d["session"])
        live_d.status = LiveStatus.ENDED
        db.session.commit()
        fac["d"] = seat(d["session"], d["facilitator"])
        now = utcnow()

        results = opening.open_prompts(
            [
                (fac["a"], Opening({**TEXT_PROMPT, "seconds": 60})),
                (seat(b["session"], b["members"][0]), Opening(TEXT_PROMPT)),
                (fac["b"], Opening({"kind": "scale", "text": "How steady?", "min": 1, "max": 5})),
                (fac["c"], Opening({"kind": "nonsense", "text": "?"})),
                (fac["d"], Opening(TEXT_PROMPT)),
                (fac["c"], Opening(None, plan_item=424242)),
            ],
            now,
        )
        db.session.commit()

        assert [r.code for r in results if isinstance(r, LiveError)] == [
            "forbidden",
            "invalid",
            "ended",
            "not_found",
        ]
        opened_a, opened_b = (r.broadcasts[0].data for r in results if isinstance(r, Outcome))
        assert opened_a["closes"] == earlier.ack["prompt"]["id"]
        assert opened_a["timer"] == {"ends_at": (now + timedelta(seconds=60)).isoformat()}
        assert "closes" not in opened_b and opened_b["timer"] == {"ends_at": None}
        assert opened_b["min"] == 1 and opened_b["max"] == 5
        statuses = dict(
            db.session.execute(
                select(LivePrompt.id, LivePrompt.status).where(
                    LivePrompt.session_id == a["session"]
                )
            ).all()
        )
        assert statuses == {
            earlier.ack["prompt"]["id"]: PromptStatus.CLOSED,
            opened_a["id"]: PromptStatus.OPEN,
        }
        for r, status in ((a, LiveStatus.OPEN), (b, LiveStatus.OPEN), (c, LiveStatus.LOBBY)):
            assert db.session.get(LiveSession, r["session"]).status == status
        assert db.session.get(LiveSession, a["session"]).timer_ends_at is not None
        assert (
            db.session.scalar(select(func.count()).where(LivePrompt.session_id == c["session"]))
            == 0
        )


@contextmanager
def writing_held(app):
    """Hold the database's write lock (SQLite) or lock the logins table (PostgreSQL), so that
    the live server's next batch waits while more events arrive behind it."""
    with app.app_context():
        connection = db.engine.connect()
        if db.engine.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("LOCK TABLE auth_sessions IN ACCESS EXCLUSIVE MODE")
        try:
            yield
        finally:
            connection.rollback()
            connection.close()


def test_answers_arriving_together_are_written_together_and_judged_one_by_one(
    app, connect, room, make
):
    for name in ("Pia", "Quin", "Rue"):
        user = make.create_user(name)
        make.add_member(room["circle"], user, name)
        room[name.lower()] = user
    c = joined(connect, room, "fran", "mo", "nic", "ola", "pia", "quin", "rue")
    s = room["session"].id
    prompt_id = c["fran"].call("prompt.open", {"session": s, "prompt": TEXT_PROMPT})["prompt"]["id"]

    def answer(name: str, value: object, client_id: str) -> dict:
        submit = {"session": s, "prompt_id": prompt_id, "value": value, "client_id": client_id}
        return c[name].call("response.submit", submit, timeout=15)

    sends = [
        ("mo", "Calm", "m1"),
        ("mo", "Calm", "m1"),
        ("nic", "Here", "n1"),
        ("ola", 42, "o1"),
        ("pia", "Rested", "p1"),
        ("quin", "Unsure", "q1"),
    ]
    acks: dict[int, dict] = {}
    with writing_held(app):
        # The first answer leads a batch that waits for the lock; the rest queue behind it.
        first = threading.Thread(target=lambda: acks.update({-1: answer("rue", "First", "r1")}))
        first.start()
        time.sleep(0.3)
        threads = [
            threading.Thread(target=lambda i=i, a=a: acks.update({i: answer(*a)}))
            for i, a in enumerate(sends)
        ]
        for thread in threads:
            thread.start()
        time.sleep(0.5)
        assert not acks  # nothing is acknowledged before its commit
    for thread in [first, *threads]:
        thread.join(15)

    assert acks[-1] == {"ok": True}
    mo_acks = sorted((acks[0], acks[1]), key=len)
    assert mo_acks == [{"ok": True}, {"ok": True, "duplicate": True}]
    assert acks[3]["error"]["code"] == "invalid"
    assert acks[2] == acks[4] == acks[5] == {"ok": True}
    # Five answers stored; the facilitator's count reaches 5 in fewer than five updates.
    counts = [data["count"] for data in c["fran"].received("response.count", within=1)]
    assert counts[-1] == 5 and len(counts) < 5 and counts == sorted(counts)
    with app.app_context():
        assert (
            db.session.scalar(select(func.count()).where(LiveSubmission.prompt_id == prompt_id))
            == 5
        )


@contextmanager
def refusing_value(app, user_id: int):
    """A database trigger that fails any insert of this person's answer: a real failure of the
    database in the middle of a batch's insert, on SQLite or PostgreSQL."""
    with app.app_context():
        with db.engine.begin() as connection:
            if db.engine.dialect.name == "sqlite":
                connection.exec_driver_sql(
                    "CREATE TRIGGER refuse_value BEFORE INSERT ON live_submissions "
                    f"WHEN NEW.user_id = {int(user_id)} BEGIN SELECT RAISE(ABORT, 'refused'); END"
                )
            else:
                connection.exec_driver_sql(
                    "CREATE FUNCTION refuse_value() RETURNS trigger AS $$ BEGIN "
                    f"IF NEW.user_id = {int(user_id)} THEN RAISE EXCEPTION 'refused'; END IF; "
                    "RETURN NEW; END $$ LANGUAGE plpgsql"
                )
                connection.exec_driver_sql(
                    "CREATE TRIGGER refuse_value BEFORE INSERT ON live_submissions "
                    "FOR EACH ROW EXECUTE FUNCTION refuse_value()"
                )
        try:
            yield
        finally:
            with db.engine.begin() as connection:
                if db.engine.dialect.name == "sqlite":
                    connection.exec_driver_sql("DROP TRIGGER refuse_value")
                else:
                    connection.exec_driver_sql("DROP TRIGGER refuse_value ON live_submissions")
                    connection.exec_driver_sql("DROP FUNCTION refuse_value()")


def send_together(leader, followers, wait: float = 0.5) -> tuple[dict, list[threading.Thread]]:
    """Send ``leader()`` while the database is held, then the ``followers`` behind it, and
    release: the followers are written in one batch. The acknowledgements arrive in the dict,
    by key, once the threads are joined."""
    acks: dict = {}
    threads = [threading.Thread(target=lambda: acks.update({"leader": leader()}))]
    threads[0].start()
    time.sleep(0.3)
    for key, send in followers.items():
        thread = threading.Thread(target=lambda k=key, f=send: acks.update({k: f()}))
        thread.start()
        threads.append(thread)
    time.sleep(wait)
    return acks, threads


def test_when_the_database_fails_one_answer_of_a_batch_the_others_are_kept(app, connect, room):
    c = joined(connect, room, "fran", "mo", "nic", "ola")
    s = room["session"].id
    prompt_id = c["fran"].call("prompt.open", {"session": s, "prompt": TEXT_PROMPT})["prompt"]["id"]

    def answer(name: str, value: str, client_id: str | None = None):
        submit = {
            "session": s,
            "prompt_id": prompt_id,
            "value": value,
            "client_id": client_id or name,
        }
        return lambda: c[name].call("response.submit", submit, timeout=15)

    with refusing_value(app, room["mo"].id):
        with writing_held(app):
            acks, threads = send_together(
                lambda: c["fran"].call("hand.raise", {"session": s}, timeout=15),
                {
                    "mo": answer("mo", "boom"),
                    "nic": answer("nic", "Fine"),
                    "ola": answer("ola", "Ok"),
                },
            )
        for thread in threads:
            thread.join(15)

    assert acks["mo"]["error"]["code"] == "server_error"
    assert acks["nic"] == acks["ola"] == {"ok": True}
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LiveSubmission)) == 2
    # Mo's answer left nothing behind: Mo can answer again.
    assert answer("mo", "Calmer")() == {"ok": True}
    assert c["fran"].call("prompt.reveal", {"session": s, "prompt_id": prompt_id})["ok"]
    with app.app_context():
        values = db.session.scalars(select(LiveResponse.value)).all()
        assert sorted(values) == ["Calmer", "Fine", "Ok"]


def test_a_socket_that_leaves_before_its_join_is_written_is_not_left_present(app, connect, room):
    c = joined(connect, room, "fran", "mo")
    s = room["session"].id
    nic = connect(room["nic"])
    sid = nic.sio.get_sid(namespace="/live")

    def join_and_vanish():
        nic.sio.emit("join", {"session": s}, namespace="/live")
        time.sleep(0.2)
        nic.close()
        return "sent"

    with writing_held(app):
        acks, threads = send_together(
            lambda: c["fran"].call("hand.raise", {"session": s}, timeout=15),
            {"nic": join_and_vanish, "mo": lambda: c["mo"].call("hand.raise", {"session": s})},
            wait=0.8,
        )
    for thread in threads:
        thread.join(15)

    assert acks["mo"] == {"ok": True}  # the batch went on
    with app.app_context():
        deadline = time.monotonic() + 5
        while db.session.get(LiveConnection, sid) is not None and time.monotonic() < deadline:
            db.session.rollback()
            time.sleep(0.05)
        assert db.session.get(LiveConnection, sid) is None
    names = [p["name"] for p in c["fran"].call("join", {"session": s})["state"]["participants"]]
    assert "Nic" not in names


@pytest.mark.skipif(
    "postgresql" not in os.environ.get("TEST_DATABASE_URL", ""),
    reason="needs TEST_DATABASE_URL (PostgreSQL: row locks and deadlocks)",
)
def test_a_batch_that_deadlocks_with_another_process_runs_again(app, connect, room, make, caplog):
    other = rooms(make, 1)[0]
    c = joined(connect, room, "fran", "mo")
    gil = connect(other["facilitator"])
    assert gil.call("join", {"session": other["session"]})["ok"]
    s1, s2 = room["session"].id, other["session"]

    with app.app_context():
        # Another process's transaction: it holds room 2's row and will want room 1's.
        rival = db.engine.connect()
        rival.exec_driver_sql("SET deadlock_timeout = '10s'")  # so that the batch is the victim
        rival.exec_driver_sql(f"UPDATE live_sessions SET timer_ends_at = NULL WHERE id = {s2}")
        with writing_held(app):
            acks, threads = send_together(
                lambda: c["mo"].call("hand.raise", {"session": s1}, timeout=20),
                {
                    "fran": lambda: c["fran"].call(
                        "timer.start", {"session": s1, "seconds": 60}, timeout=20
                    ),
                },
                wait=0.2,
            )
            time.sleep(0.2)
            gil_thread = threading.Thread(
                target=lambda: acks.update(
                    {"gil": gil.call("timer.start", {"session": s2, "seconds": 60}, timeout=20)}
                )
            )
            gil_thread.start()
            time.sleep(0.3)
        # The batch [room 1's timer, room 2's timer] now waits for room 2; the rival asks for
        # room 1: a deadlock, which PostgreSQL breaks by failing the batch.
        time.sleep(0.3)
        rival.exec_driver_sql(f"UPDATE live_sessions SET timer_ends_at = NULL WHERE id = {s1}")
        rival.rollback()
        rival.close()
    for thread in [*threads, gil_thread]:
        thread.join(20)

    assert acks["fran"]["ok"] is True and acks["gil"]["ok"] is True, acks
    assert "tried again" in caplog.text


def test_a_batch_of_reveals_is_judged_reveal_by_reveal(app, make):
    a, b = rooms(make, 2)
    with app.app_context():
        fac_a, fac_b = seat(a["session"], a["facilitator"]), seat(b["session"], b["facilitator"])
        mo = seat(a["session"], a["members"][0])
        pat = seat(b["session"], b["members"][0])
        named = {**TEXT_PROMPT, "anonymous": False}
        (opened_a,) = opening.open_prompts([(fac_a, Opening(TEXT_PROMPT))])
        (opened_b,) = opening.open_prompts([(fac_b, Opening(named))])
        assert isinstance(opened_a, Outcome) and isinstance(opened_b, Outcome)
        pa, pb = opened_a.ack["prompt"]["id"], opened_b.ack["prompt"]["id"]
        answers.record([(mo, Answer(pa, "Calm", "m1")), (pat, Answer(pb, "Here", "p1"))])
        results = revealing.reveal_prompts(
            [
                (mo, Reveal(pa)),  # members answer; facilitators reveal
                (fac_a, Reveal(pb)),  # another room's prompt
                (fac_a, Reveal("1")),  # not an id
                (fac_a, Reveal(pa)),
                (fac_b, Reveal(pb)),
                (fac_a, Reveal(pa)),  # revealed a moment ago, in this very batch
            ]
        )
        db.session.commit()
        assert judged(results) == ["forbidden", "not_found", "invalid", {}, {}, "closed"]
        payloads = [o.broadcasts[0].data for o in results if isinstance(o, Outcome)]
        assert payloads[0]["responses"][0]["value"] == "Calm"
        assert "author" not in payloads[0]["responses"][0]
        assert payloads[1]["responses"][0] == {
            "id": payloads[1]["responses"][0]["id"],
            "value": "Here",
            "author": "M10",
        }
        statuses = db.session.scalars(select(LivePrompt.status).order_by(LivePrompt.id)).all()
        assert statuses == [PromptStatus.REVEALED, PromptStatus.REVEALED]

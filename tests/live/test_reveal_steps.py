"""A reveal in two steps: its transaction shows the answers, the next one writes them out.

The reveal's own transaction marks its prompts revealed and opens their seals; the room is sent
the answers once it commits, and only then are they written out (circles.live.mixing). These
tests drive the live writer itself (circles.live.writing), with the events a socket would send,
on the test database: what is committed after each step, and what a join handled in the same
batch is told.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from circles.accounts.models import User
from circles.accounts.services import start_session
from circles.extensions import db
from circles.live import mixing
from circles.live.batch import Job
from circles.live.models import Commitment, LivePrompt, LiveResponse, LiveSubmission
from circles.live.sockets import Login
from circles.live.writing import BatchWriter, Event
from circles.orgs.models import Organisation
from tests.live.conftest import TEXT_PROMPT

COMMITMENT = {"kind": "commitment", "text": "One small step for this week?", "anonymous": True}


class Room:
    """Fran and her members, each with a login, sending events to one writer."""

    def __init__(self, app: Flask, room: dict[str, Any]) -> None:
        self.app, self.session = app, room["session"].id
        self.writer = BatchWriter(app.extensions["socketio"], app)
        with app.app_context():
            self.logins = {
                name: Login(start_session(db.session.get(User, room[name].id)).token_hash)
                for name in ("fran", "mo", "nic", "ola")
            }
            db.session.commit()

    def job(self, name: str, event: str, **payload: Any) -> Job:
        sid = f"{name}-{secrets.token_hex(4)}"
        return Job(Event(event, sid, self.logins[name], {"session": self.session, **payload}))

    def write(self, *jobs: Job) -> list[mixing.Opened]:
        """One batch, committed; the answers it leaves to write out."""
        with self.app.app_context():
            _, later = self.writer.write(list(jobs))
        for job in jobs:
            assert job.result["ok"], job.result
        return later

    def send(self, name: str, event: str, **payload: Any) -> dict[str, Any]:
        """One event, as the writer runs it: written, then its answers written out."""
        job = self.job(name, event, **payload)
        later = self.write(job)
        if later:
            with self.app.app_context():
                self.writer.write_out(later)
        return job.result  # type: ignore[no-any-return]

    def answered(self, prompt: dict[str, Any]) -> tuple[int, dict[str, str]]:
        """Everyone joins, Fran opens the prompt, and each member answers a word of their own."""
        for name in self.logins:
            self.send(name, "join")
        prompt_id = self.send("fran", "prompt.open", prompt=prompt)["prompt"]["id"]
        words = {name: f"words-{secrets.token_hex(6)}" for name in ("mo", "nic", "ola")}
        for name, value in words.items():
            self.send(name, "response.submit", prompt_id=prompt_id, value=value, client_id=name)
        return prompt_id, words


@pytest.fixture
def writer_room(app: Flask, room: dict[str, Any]) -> Room:
    return Room(app, room)


def stored(app: Flask, prompt_id: int) -> dict[str, Any]:
    with app.app_context():
        return {
            "status": db.session.get(LivePrompt, prompt_id).status.value,
            "responses": {
                row.id: row.value
                for row in db.session.execute(
                    sa.select(LiveResponse.id, LiveResponse.value).where(
                        LiveResponse.prompt_id == prompt_id
                    )
                )
            },
            "seals": [
                sealed is not None
                for sealed in db.session.scalars(
                    sa.select(LiveSubmission.sealed).where(LiveSubmission.prompt_id == prompt_id)
                )
            ],
        }


def submissions(app: Flask, prompt_id: int) -> list[tuple[Any, ...]]:
    """A prompt's submissions as stored, in the order the database holds them."""
    with app.app_context():
        columns = [LiveSubmission.id, LiveSubmission.user_id, LiveSubmission.client_id]
        query = sa.select(*columns, LiveSubmission.sealed).where(
            LiveSubmission.prompt_id == prompt_id
        )
        if db.engine.dialect.name == "postgresql":
            query = query.add_columns(sa.literal_column("xmin::text"))
        return [tuple(row) for row in db.session.execute(query)]


def keeps_answers_a_week(app: Flask) -> None:
    """The organisation keeps what its sessions' members answered for a week after each end."""
    with app.app_context():
        db.session.execute(sa.update(Organisation).values(live_retention_days=7))
        db.session.commit()


def database_bytes(app: Flask) -> bytes:
    """SQLite: the file and its write-ahead log as a copy of them would hold them."""
    path = Path(sa.engine.make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database or "")
    wal = Path(f"{path}-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def test_a_reveal_commits_holding_no_answer_in_the_clear_then_writes_them_out(
    app: Flask, writer_room: Room
) -> None:
    prompt_id, words = writer_room.answered(TEXT_PROMPT)
    before = submissions(app, prompt_id)
    reveal = writer_room.job("fran", "prompt.reveal", prompt_id=prompt_id)

    later = writer_room.write(reveal)

    # Committed and about to be sent: the prompt is revealed, its answers still sealed, and not
    # one submission touched (nothing about any one person is written yet).
    assert [o.prompt.id for o in later] == [prompt_id]
    assert submissions(app, prompt_id) == before
    shown = {r["id"]: r["value"] for r in later[0].responses}
    assert sorted(shown.values()) == sorted(words.values())
    assert stored(app, prompt_id) == {"status": "revealed", "responses": {}, "seals": [True] * 3}
    with app.app_context():
        sqlite = db.engine.dialect.name == "sqlite"
    if sqlite:
        copy = database_bytes(app)
        assert not any(value.encode() in copy for value in words.values())

    with app.app_context():
        writer_room.writer.write_out(later)

    # Written out as the room was shown them: the same keys (a facilitator hides one by its key).
    after = stored(app, prompt_id)
    assert after == {"status": "revealed", "responses": shown, "seals": [False] * 3}
    hidden = next(iter(shown))
    assert writer_room.send("fran", "response.hide", response_id=hidden)["ok"]


def test_a_join_in_the_reveals_batch_after_it_is_told_the_answers(
    app: Flask, writer_room: Room
) -> None:
    prompt_id, words = writer_room.answered(TEXT_PROMPT)
    reveal = writer_room.job("fran", "prompt.reveal", prompt_id=prompt_id)
    join = writer_room.job("nic", "join")

    later = writer_room.write(reveal, join)

    # Written out within the batch, before the join read the room's state.
    assert later == []
    state = join.result["state"]
    assert sorted(r["value"] for r in state["revealed"]) == sorted(words.values())
    assert stored(app, prompt_id)["responses"] == {r["id"]: r["value"] for r in state["revealed"]}


def test_a_join_in_the_reveals_batch_before_it_sees_the_prompt_open(
    app: Flask, writer_room: Room
) -> None:
    prompt_id, _ = writer_room.answered(TEXT_PROMPT)
    join = writer_room.job("nic", "join")
    reveal = writer_room.job("fran", "prompt.reveal", prompt_id=prompt_id)

    later = writer_room.write(join, reveal)

    # The joiner enters the room before the reveal is sent, and receives it.
    state = join.result["state"]
    assert state["prompt"]["id"] == prompt_id and state["revealed"] is None
    assert [o.prompt.id for o in later] == [prompt_id]


def test_answers_shown_but_never_written_out_are_written_when_the_session_ends(
    app: Flask, writer_room: Room
) -> None:
    keeps_answers_a_week(app)
    prompt_id, words = writer_room.answered(COMMITMENT)
    later = writer_room.write(writer_room.job("fran", "prompt.reveal", prompt_id=prompt_id))
    assert later  # ... and its writing out fails, or its process stops

    assert writer_room.send("fran", "session.end")["ok"]

    # The organisation keeps answers a while: these are kept, as any others; no seal is left.
    after = stored(app, prompt_id)
    assert sorted(after["responses"].values()) == sorted(words.values())
    assert after["seals"] == [False] * 3
    with app.app_context():
        kept = db.session.scalar(
            sa.select(sa.func.count()).where(Commitment.session_id == writer_room.session)
        )
    assert kept == 3  # every member's commitment reached them


def test_answers_are_written_out_once_however_often_asked(app: Flask, writer_room: Room) -> None:
    prompt_id, words = writer_room.answered(TEXT_PROMPT)
    later = writer_room.write(writer_room.job("fran", "prompt.reveal", prompt_id=prompt_id))

    with app.app_context():
        assert mixing.write_out(later) == [prompt_id]
        assert mixing.write_out(later) == []
        db.session.commit()

    assert len(stored(app, prompt_id)["responses"]) == len(words)


def test_answers_left_unwritten_are_written_before_the_next_batchs_events(
    app: Flask, writer_room: Room
) -> None:
    prompt_id, words = writer_room.answered(TEXT_PROMPT)
    later = writer_room.write(writer_room.job("fran", "prompt.reveal", prompt_id=prompt_id))
    writer_room.writer.unwritten = later  # as a failed writing out leaves them
    join = writer_room.job("nic", "join")

    assert writer_room.write(join) == []

    assert sorted(r["value"] for r in join.result["state"]["revealed"]) == sorted(words.values())
    assert writer_room.writer.unwritten == []


def test_a_revealed_prompt_closed_before_its_answers_were_written_keeps_them_at_the_end(
    app: Flask, writer_room: Room
) -> None:
    keeps_answers_a_week(app)
    prompt_id, words = writer_room.answered(TEXT_PROMPT)
    assert writer_room.write(writer_room.job("fran", "prompt.reveal", prompt_id=prompt_id))
    # ... its writing out fails, its process stops; in another, Fran shares the next prompt.
    writer_room.send("fran", "prompt.open", prompt={**TEXT_PROMPT, "text": "And now?"})
    assert stored(app, prompt_id)["status"] == "closed"

    assert writer_room.send("fran", "session.end")["ok"]

    after = stored(app, prompt_id)
    assert sorted(after["responses"].values()) == sorted(words.values())
    assert after["seals"] == [False] * 3

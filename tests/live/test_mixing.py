"""Anonymous answers wait sealed and come out together at the reveal, leaving no order behind."""

from __future__ import annotations

import time
from pathlib import Path

import sqlalchemy as sa

from circles.extensions import db
from circles.live.models import Commitment, LiveResponse, LiveSubmission
from circles.rights import export
from tests.live.conftest import TEXT_PROMPT, joined

COMMITMENT = {"kind": "commitment", "text": "One small step for this week?", "anonymous": True}


def submit(client, session, prompt_id, value, client_id):
    payload = {"session": session, "prompt_id": prompt_id, "value": value, "client_id": client_id}
    assert client.call("response.submit", payload)["ok"]


def wal_size(app) -> int:
    path = Path(sa.engine.make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database or "")
    return Path(f"{path}-wal").stat().st_size


def test_after_the_reveal_nothing_says_who_answered_first(app, connect, room):
    c = joined(connect, room, "fran", "mo", "nic", "ola")
    s = room["session"].id
    prompt_id = c["fran"].call("prompt.open", {"session": s, "prompt": TEXT_PROMPT})["prompt"]["id"]
    for name in ("mo", "nic", "ola"):
        submit(c[name], s, prompt_id, f"{name} here", f"{int(time.time() * 1000)}-{name}")
    with app.app_context():
        before = db.session.execute(sa.select(LiveSubmission.id, LiveSubmission.client_id)).all()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LiveResponse)) == 0
    # Client ids (the page's carry a time) are kept only as keyed hashes.
    assert all(len(client) == 64 and "-" not in client for _, client in before)

    assert c["fran"].call("prompt.reveal", {"session": s, "prompt_id": prompt_id})["ok"]
    with app.app_context():
        after = db.session.execute(
            sa.select(LiveSubmission.id, LiveSubmission.client_id, LiveSubmission.sealed)
        ).all()
        # Written anew in a random order (the order itself: tests/privacy), every seal gone.
        assert {client for _, client, _ in after} == {client for _, client in before}
        assert [sealed for _, _, sealed in after] == [None, None, None]
        if db.engine.dialect.name == "postgresql":
            xmins = db.session.scalars(sa.text("SELECT DISTINCT xmin::text FROM live_submissions"))
            assert len(xmins.all()) == 1  # all three rewritten by the reveal's transaction
        sqlite = db.engine.dialect.name == "sqlite"
    if sqlite:
        # The -wal, which still holds the pages as they were before, is emptied a moment later.
        deadline = time.monotonic() + 5
        while wal_size(app) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert wal_size(app) == 0
    # Answering again with the same client id is still recognised as the same submission.
    again = {"session": s, "prompt_id": prompt_id, "value": "x", "client_id": "y"}
    assert c["mo"].call("response.submit", again)["error"]["code"] == "closed"


def test_a_pass_on_an_anonymous_commitment_prompt_leaves_the_same_trace_as_an_answer(
    app, make, connect, room
):
    c = joined(connect, room, "fran", "mo", "nic")
    s = room["session"].id
    prompt_id = c["fran"].call("prompt.open", {"session": s, "prompt": COMMITMENT})["prompt"]["id"]
    submit(c["mo"], s, prompt_id, "Walk every morning", "m1")
    assert c["nic"].call("response.pass", {"session": s, "prompt_id": prompt_id})["ok"]
    with app.app_context():
        # Nothing is kept for either of them before the answers come out.
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Commitment)) == 0
        sealed = db.session.scalars(sa.select(LiveSubmission.sealed)).all()
        assert len(sealed) == 2 and len({len(blob) for blob in sealed}) == 1
    assert c["fran"].call("prompt.reveal", {"session": s, "prompt_id": prompt_id})["ok"]
    [revealed] = c["nic"].wait_for("prompt.revealed")["responses"]
    assert revealed["value"] == "Walk every morning"
    with app.app_context():
        kept = db.session.scalars(sa.select(Commitment)).all()
        assert sorted(k.user_id for k in kept) == sorted([room["mo"].id, room["nic"].id])
        assert len({len(k.sealed) for k in kept}) == 1 and len({k.created_at for k in kept}) == 1
        nic = export.personal_data(
            db.session.get(type(room["nic"]), room["nic"].id), kept[0].created_at
        )
        assert nic["commitments"] == []  # a pass is not a commitment
    c["fran"].call("session.end", {"session": s})

    following = make.live_session(room["circle"], room["fran"])
    mo_state = connect(room["mo"]).call("join", {"session": following.id})["state"]
    assert [x["text"] for x in mo_state["commitments"]] == ["Walk every morning"]
    nic_state = connect(room["nic"]).call("join", {"session": following.id})["state"]
    assert nic_state["commitments"] == []


def test_commitments_never_revealed_reach_their_members_when_the_session_ends(
    app, make, connect, room
):
    c = joined(connect, room, "fran", "mo")
    s = room["session"].id
    prompt_id = c["fran"].call("prompt.open", {"session": s, "prompt": COMMITMENT})["prompt"]["id"]
    submit(c["mo"], s, prompt_id, "Call my sister", "m1")
    c["fran"].call("prompt.open", {"session": s, "prompt": TEXT_PROMPT})  # closes it, unrevealed
    assert c["fran"].call("session.end", {"session": s})["ok"]
    with app.app_context():
        assert db.session.scalars(sa.select(LiveSubmission.sealed)).all() == [None]
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LiveResponse)) == 0
    following = make.live_session(room["circle"], room["fran"])
    mo_state = connect(room["mo"]).call("join", {"session": following.id})["state"]
    assert [x["text"] for x in mo_state["commitments"]] == ["Call my sister"]

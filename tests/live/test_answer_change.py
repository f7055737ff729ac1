"""Changing an answer before the reveal: the receipt only the answering page holds."""

from __future__ import annotations

from sqlalchemy import select

from circles.extensions import db
from circles.live.models import LiveSubmission
from tests.live.conftest import TEXT_PROMPT, joined


def _open(c, room, prompt=TEXT_PROMPT):
    ack = c["fran"].call("prompt.open", {"session": room["session"].id, "prompt": prompt})
    assert ack["ok"] is True, ack
    return ack["prompt"]["id"]


def _event(room, prompt_id, **fields):
    return {"session": room["session"].id, "prompt_id": prompt_id, **fields}


def test_a_member_changes_their_answer_and_only_the_new_one_is_revealed(app, connect, room):
    c = joined(connect, room, "fran", "mo", "nic")
    prompt_id = _open(c, room)
    assert c["mo"].call(
        "response.submit", _event(room, prompt_id, value="Tired", client_id="mo-1")
    ) == {"ok": True}
    c["nic"].call("response.submit", _event(room, prompt_id, value="Open", client_id="nic-1"))
    with app.app_context():
        before = db.session.execute(
            select(LiveSubmission.user_id, LiveSubmission.sealed).where(
                LiveSubmission.prompt_id == prompt_id
            )
        ).all()

    changed = c["mo"].call(
        "response.change", _event(room, prompt_id, value="Hopeful", client_id="mo-1")
    )
    assert changed == {"ok": True}
    # The count stays the same: a change is not a second answer.
    assert [c["fran"].wait_for("response.count")["count"] for _ in range(2)] == [1, 2]
    assert c["fran"].received("response.count") == []

    with app.app_context():
        after = dict(
            db.session.execute(
                select(LiveSubmission.user_id, LiveSubmission.sealed).where(
                    LiveSubmission.prompt_id == prompt_id
                )
            ).all()
        )
    mo = room["mo"].id
    old = dict(before)[mo]
    # Still sealed, at the same size as every other answer: the row says nothing new.
    assert after[mo] != old and len(after[mo]) == len(old) == len(after[room["nic"].id])
    assert b"Hopeful" not in after[mo]

    c["fran"].call("prompt.reveal", {"session": room["session"].id, "prompt_id": prompt_id})
    values = sorted(r["value"] for r in c["mo"].wait_for("prompt.revealed")["responses"])
    assert values == ["Hopeful", "Open"]


def test_only_the_receipt_of_the_first_answer_changes_it(connect, room):
    c = joined(connect, room, "fran", "mo")
    prompt_id = _open(c, room)
    nothing = c["mo"].call("response.change", _event(room, prompt_id, value="x", client_id="a"))
    assert nothing["error"]["code"] == "not_answered"
    c["mo"].call("response.submit", _event(room, prompt_id, value="First", client_id="mine"))
    wrong = c["mo"].call("response.change", _event(room, prompt_id, value="x", client_id="guess"))
    assert wrong["ok"] is False and wrong["error"]["code"] == "wrong_receipt"
    bad = c["mo"].call("response.change", _event(room, prompt_id, value="", client_id="mine"))
    assert bad["error"]["code"] == "invalid"
    assert (
        c["fran"].call("response.change", _event(room, prompt_id, value="x", client_id="m"))[
            "error"
        ]["code"]
        == "forbidden"
    )


def test_a_pass_can_become_an_answer_and_an_answer_a_pass(connect, room):
    c = joined(connect, room, "fran", "mo", "nic")
    prompt_id = _open(c, room)
    c["mo"].call("response.pass", _event(room, prompt_id, client_id="mo-pass"))
    c["nic"].call("response.submit", _event(room, prompt_id, value="Sorry", client_id="nic-1"))
    assert c["mo"].call(
        "response.change", _event(room, prompt_id, value="Actually: grateful", client_id="mo-pass")
    )["ok"]
    assert c["nic"].call("response.change", _event(room, prompt_id, value=None, client_id="nic-1"))[
        "ok"
    ]
    c["fran"].call("prompt.reveal", {"session": room["session"].id, "prompt_id": prompt_id})
    responses = c["mo"].wait_for("prompt.revealed")["responses"]
    assert [r["value"] for r in responses] == ["Actually: grateful"]


def test_no_change_after_the_reveal_nor_on_a_named_prompt(connect, room):
    c = joined(connect, room, "fran", "mo")
    prompt_id = _open(c, room)
    c["mo"].call("response.submit", _event(room, prompt_id, value="One", client_id="k"))
    c["fran"].call("prompt.reveal", {"session": room["session"].id, "prompt_id": prompt_id})
    late = c["mo"].call("response.change", _event(room, prompt_id, value="Two", client_id="k"))
    assert late["error"]["code"] == "closed"

    named = _open(c, room, {**TEXT_PROMPT, "anonymous": False})
    c["mo"].call("response.submit", _event(room, named, value="Mine", client_id="n"))
    refused = c["mo"].call("response.change", _event(room, named, value="Other", client_id="n"))
    assert refused["error"]["code"] == "not_changeable"


def test_a_change_to_a_scale_is_checked_like_an_answer(connect, room):
    c = joined(connect, room, "fran", "mo")
    prompt_id = _open(c, room, {"kind": "scale", "text": "How?", "min": 0, "max": 4})
    c["mo"].call("response.submit", _event(room, prompt_id, value=1, client_id="s"))
    out = c["mo"].call("response.change", _event(room, prompt_id, value=9, client_id="s"))
    assert out["error"]["code"] == "invalid"
    assert c["mo"].call("response.change", _event(room, prompt_id, value=3, client_id="s"))["ok"]
    c["fran"].call("prompt.reveal", {"session": room["session"].id, "prompt_id": prompt_id})
    revealed = c["mo"].wait_for("prompt.revealed")
    assert revealed["summary"] == {"n": 1, "counts": [0, 0, 0, 1, 0], "mean": 3.0}

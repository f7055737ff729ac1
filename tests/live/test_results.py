"""Results at a glance: summaries of a reveal, one-word and pick prompts, over a real server."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from circles.extensions import db
from circles.live.mixing import sealed_answer_size
from circles.live.models import LiveResponse, LiveSubmission, PromptKind
from tests.live.conftest import joined, new_client_id

MEMBERS = ("mo", "nic", "ola")


def _open(c, room, prompt):
    ack = c["fran"].call("prompt.open", {"session": room["session"].id, "prompt": prompt})
    assert ack["ok"] is True, ack
    for name in MEMBERS:
        if name in c:
            c[name].wait_for("prompt.opened")
    return ack["prompt"]["id"]


def _answer(client, room, prompt_id, value):
    return client.call(
        "response.submit",
        {
            "session": room["session"].id,
            "prompt_id": prompt_id,
            "value": value,
            "client_id": new_client_id(),
        },
    )


def _reveal(c, room, prompt_id):
    assert c["fran"].call("prompt.reveal", {"session": room["session"].id, "prompt_id": prompt_id})[
        "ok"
    ]
    return c["mo"].wait_for("prompt.revealed")


def test_a_scale_reveal_carries_counts_for_each_value_and_the_mean(connect, room):
    c = joined(connect, room, "fran", *MEMBERS)
    prompt_id = _open(
        c, room, {"kind": "scale", "text": "How settled do you feel?", "min": 1, "max": 5}
    )
    for name, value in zip(MEMBERS, (2, 4, 4), strict=True):
        assert _answer(c[name], room, prompt_id, value) == {"ok": True}
    revealed = _reveal(c, room, prompt_id)
    assert revealed["summary"] == {"n": 3, "counts": [0, 1, 0, 2, 0], "mean": 3.3}
    # A late joiner gets the same summary in the state.
    state = connect(room["ola"]).call("join", {"session": room["session"].id})["state"]
    assert state["summary"] == revealed["summary"]
    assert state["revealed"] == revealed["responses"]


def test_a_choice_reveal_counts_each_option_and_a_pass_counts_nowhere(connect, room):
    c = joined(connect, room, "fran", *MEMBERS)
    prompt_id = _open(c, room, {"kind": "choice", "text": "Today?", "options": ["Calm", "Raw"]})
    _answer(c["mo"], room, prompt_id, 1)
    _answer(c["nic"], room, prompt_id, 1)
    c["ola"].call("response.pass", {"session": room["session"].id, "prompt_id": prompt_id})
    summary = _reveal(c, room, prompt_id)["summary"]
    assert summary == {"n": 2, "counts": [0, 2]}


def test_a_text_reveal_has_no_summary(connect, room):
    c = joined(connect, room, "fran", "mo")
    prompt_id = _open(c, room, {"kind": "text", "text": "Anything?"})
    _answer(c["mo"], room, prompt_id, "Quiet")
    assert "summary" not in _reveal(c, room, prompt_id)


def test_one_word_answers_are_words_counted_for_a_cloud(app, connect, room):
    c = joined(connect, room, "fran", *MEMBERS)
    prompt_id = _open(c, room, {"kind": "word", "text": "One word for now?"})
    refused = _answer(c["mo"], room, prompt_id, "two words")
    assert refused["ok"] is False and refused["error"]["code"] == "invalid"
    assert _answer(c["mo"], room, prompt_id, "x" * 31)["error"]["code"] == "invalid"
    assert _answer(c["mo"], room, prompt_id, "Hope")["ok"]
    assert _answer(c["nic"], room, prompt_id, "hope")["ok"]
    assert _answer(c["ola"], room, prompt_id, "self-care")["ok"]
    revealed = _reveal(c, room, prompt_id)
    assert sorted(r["value"] for r in revealed["responses"]) == ["hope", "hope", "self-care"]
    assert revealed["summary"] == {"n": 3, "words": ["hope", "self-care"], "counts": [2, 1]}

    # Hiding an answer takes it out of the cloud for everyone.
    with app.app_context():
        hidden = db.session.scalar(
            select(LiveResponse.id).where(
                LiveResponse.prompt_id == prompt_id, LiveResponse.value == "self-care"
            )
        )
    assert c["fran"].call("response.hide", {"session": room["session"].id, "response_id": hidden})[
        "ok"
    ]
    event = c["nic"].wait_for("response.hidden")
    assert event == {
        "response_id": hidden,
        "prompt_id": prompt_id,
        "summary": {"n": 2, "words": ["hope"], "counts": [2]},
    }


def test_pick_prompts_take_up_to_max_picks_distinct_options(connect, room):
    c = joined(connect, room, "fran", *MEMBERS)
    session = room["session"].id
    options = ["Sleep", "Walks", "Journal", "Calls"]
    no_limit = c["fran"].call(
        "prompt.open",
        {"session": session, "prompt": {"kind": "pick", "text": "?", "options": options}},
    )
    assert no_limit["ok"] is False and "max_picks" in no_limit["error"]["message"]
    too_many = {"kind": "pick", "text": "?", "options": options, "max_picks": 5}
    assert c["fran"].call("prompt.open", {"session": session, "prompt": too_many})["ok"] is False

    prompt = {"kind": "pick", "text": "What helped?", "options": options, "max_picks": 2}
    opened = c["fran"].call("prompt.open", {"session": session, "prompt": prompt})
    assert opened["prompt"]["max_picks"] == 2 and opened["prompt"]["options"] == options
    prompt_id = opened["prompt"]["id"]
    assert c["mo"].wait_for("prompt.opened")["max_picks"] == 2
    for bad in ([0, 1, 2], [], [1, 1], [4], 1, ["1"]):
        error = _answer(c["mo"], room, prompt_id, bad)
        assert error["ok"] is False and error["error"]["code"] == "invalid", bad
    assert _answer(c["mo"], room, prompt_id, [3, 1])["ok"]
    assert _answer(c["nic"], room, prompt_id, [1])["ok"]
    assert _answer(c["ola"], room, prompt_id, [0, 1])["ok"]
    revealed = _reveal(c, room, prompt_id)
    assert revealed["summary"] == {"n": 3, "counts": [1, 3, 0, 1]}
    picks = sorted((r["value"], r["label"]) for r in revealed["responses"])
    assert picks == [
        ([0, 1], ["Sleep", "Walks"]),
        ([1], ["Walks"]),
        ([1, 3], ["Walks", "Calls"]),
    ]


@pytest.mark.parametrize(
    ("prompt", "value"),
    [
        ({"kind": "word", "text": "?"}, "hope"),
        ({"kind": "pick", "text": "?", "options": ["a", "b"], "max_picks": 2}, [0, 1]),
    ],
)
def test_named_new_kinds_show_the_name_with_the_answer(connect, room, prompt, value):
    c = joined(connect, room, "fran", "mo")
    prompt_id = _open(c, room, {**prompt, "anonymous": False})
    assert _answer(c["mo"], room, prompt_id, value)["ok"]
    (response,) = _reveal(c, room, prompt_id)["responses"]
    assert response["author"] == "Mo" and response["value"] == value


@pytest.mark.parametrize(
    ("prompt", "short", "long"),
    [
        ({"kind": "word", "text": "?"}, "a", "ü" * 30),
        (
            {"kind": "pick", "text": "?", "options": list("abcdefgh"), "max_picks": 8},
            [0],
            list(range(8)),
        ),
    ],
)
def test_word_and_pick_answers_wait_sealed_at_one_size_with_passes(
    app, connect, room, prompt, short, long
):
    """A database copy taken before the reveal tells neither the answer nor its length, nor a
    pass from an answer (docs/privacy.md, rule 8)."""
    c = joined(connect, room, "fran", *MEMBERS)
    prompt_id = _open(c, room, prompt)
    assert _answer(c["mo"], room, prompt_id, short)["ok"]
    assert _answer(c["nic"], room, prompt_id, long)["ok"]
    c["ola"].call("response.pass", {"session": room["session"].id, "prompt_id": prompt_id})
    with app.app_context():
        sealed = db.session.scalars(
            select(LiveSubmission.sealed).where(LiveSubmission.prompt_id == prompt_id)
        ).all()
    assert len(sealed) == 3
    assert {len(blob) for blob in sealed} == {sealed_answer_size(PromptKind(prompt["kind"]))}
    plain = (",".join(map(str, long)) if isinstance(long, list) else long).encode()
    assert all(plain not in blob for blob in sealed)

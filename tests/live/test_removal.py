"""Removal from a session: the removed person can no longer act, and is told why they left."""

from __future__ import annotations

import time

from tests.live.conftest import TEXT_PROMPT, joined


def member_id(clients, name):
    return next(p["id"] for p in clients["fran"].state["participants"] if p["name"] == name)


def remove(clients, session_id, name):
    ack = clients["fran"].call(
        "participant.remove", {"session": session_id, "user": member_id(clients, name)}
    )
    assert ack["ok"], ack


def test_a_removed_participant_cannot_act_from_a_new_socket_without_joining(connect, room):
    c = joined(connect, room, "mo", "nic", "fran")
    s = room["session"].id
    prompt_id = c["fran"].call("prompt.open", {"session": s, "prompt": TEXT_PROMPT})["prompt"]["id"]
    remove(c, s, "Mo")

    again = connect(room["mo"])  # a fresh socket, and no `join`
    acks = {
        "response.submit": again.call(
            "response.submit",
            {"session": s, "prompt_id": prompt_id, "value": "Still here", "client_id": "x1"},
        ),
        "response.pass": again.call("response.pass", {"session": s, "prompt_id": prompt_id}),
        "reaction.send": again.call("reaction.send", {"session": s, "kind": "heart"}),
        "hand.raise": again.call("hand.raise", {"session": s}),
        "support.request": again.call("support.request", {"session": s, "message": "hello"}),
    }
    for event, ack in acks.items():
        assert ack["ok"] is False and ack["error"]["code"] == "removed", (event, ack)

    assert c["nic"].call(
        "response.submit",
        {"session": s, "prompt_id": prompt_id, "value": "Here", "client_id": "n1"},
    )["ok"]
    c["fran"].call("prompt.reveal", {"session": s, "prompt_id": prompt_id})
    revealed = c["fran"].wait_for("prompt.revealed")["responses"]
    assert [r["value"] for r in revealed] == ["Here"]
    # Nobody saw a reaction or a raised hand from the removed person.
    assert c["nic"].received("reaction", within=0.3) == []
    assert all(
        not p["hand"] for p in c["fran"].call("join", {"session": s})["state"]["participants"]
    )


def test_each_socket_of_a_removed_participant_is_told_before_it_closes(connect, room):
    c = joined(connect, room, "mo", "nic", "fran")
    s = room["session"].id
    second = joined(connect, room, "mo")["mo"]  # Mo's other device
    remove(c, s, "Mo")
    for socket in (c["mo"], second):
        assert socket.wait_for("session.left") == {"session": s, "reason": "removed"}
    deadline = time.monotonic() + 5
    while (c["mo"].sio.connected or second.sio.connected) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not c["mo"].sio.connected and not second.sio.connected
    # Others are not told anything of the kind.
    assert c["nic"].received("session.left", within=0.3) == []

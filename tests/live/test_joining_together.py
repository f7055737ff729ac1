"""Joins that arrive together are handled together (circles.live.joining): each joiner still
gets the full state, the room learns of everyone, and every check holds within the batch."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from tests.live.conftest import cookie_for


def join_at_once(clients, payload):
    with ThreadPoolExecutor(len(clients)) as pool:
        return list(pool.map(lambda client: client.call("join", payload), clients))


def test_a_room_joining_at_once_each_gets_the_state_and_all_are_present(connect, room):
    s = room["session"].id
    names = ("fran", "mo", "nic", "ola")
    clients = [connect(room[name]) for name in names]

    acks = join_at_once(clients, {"session": s})

    assert all(ack["ok"] for ack in acks), acks
    for name, ack in zip(names, acks, strict=True):
        state = ack["state"]
        assert state["session"] == s and state["status"] == "lobby"
        assert state["you"]["role"] == ("facilitator" if name == "fran" else "member")
        assert ("plan" in state) == (name == "fran")
        assert ("commitments" in state) == (name != "fran")
    everyone = {"Fran", "Mo", "Nic", "Ola"}
    for client in clients:
        # The last presence each socket receives lists the whole room.
        while True:
            present = {p["name"] for p in client.wait_for("presence")["participants"]}
            if present >= everyone - {"Fran"}:
                break
    assert {
        p["name"] for p in clients[0].call("join", {"session": s})["state"]["participants"]
    } >= {
        "Mo",
        "Nic",
        "Ola",
    }


def test_the_socket_cap_counts_the_sockets_joining_in_the_same_batch(app, connect, room):
    s = room["session"].id
    cap = app.config["CIRCLES_LIVE_SOCKETS_PER_PERSON"]
    cookie = cookie_for(app, room["mo"])
    sockets = [connect(cookie=cookie) for _ in range(cap + 2)]

    acks = join_at_once(sockets, {"session": s})

    assert sum(ack["ok"] for ack in acks) == cap
    refused = [ack for ack in acks if not ack["ok"]]
    assert {ack["error"]["code"] for ack in refused} == {"too_many_connections"}


def test_a_removed_participant_joining_with_others_is_refused_alone(app, connect, room):
    s = room["session"].id
    fran = connect(room["fran"])
    assert fran.call("join", {"session": s})["ok"]
    mo = connect(room["mo"])
    mo_state = mo.call("join", {"session": s})["state"]
    member_id = next(p["id"] for p in mo_state["participants"] if p["name"] == "Mo")
    assert fran.call("participant.remove", {"session": s, "user": member_id})["ok"]

    again, nic = connect(room["mo"]), connect(room["nic"])
    acks = join_at_once([again, nic], {"session": s})

    assert acks[0]["ok"] is False and acks[0]["error"]["code"] == "removed"
    assert acks[1]["ok"] is True

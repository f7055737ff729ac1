"""An erased account's open live sockets close at once, and the room goes on without them."""

from __future__ import annotations

import time

import pytest
import socketio

from tests.conftest import client_for
from tests.factories import PASSWORD
from tests.live.conftest import cookie_for, joined
from tests.live.test_room import eventually_disconnected


def test_erasing_an_account_closes_its_sockets_and_the_room_moves_on(app, connect, room):
    c = joined(connect, room, "fran", "mo", "nic")
    s = room["session"].id
    assert c["fran"].call("round.start", {"session": s})["ok"]
    assert c["nic"].wait_for("round")["round"]["order"] == ["Mo", "Nic"]
    other_login = cookie_for(app, room["mo"])  # Mo is logged in on another device too

    browser = client_for(app, room["mo"])
    erased = browser.post("/account/delete", data={"password": PASSWORD, "understood": "y"})
    assert erased.status_code == 200
    assert eventually_disconnected(c["mo"])

    # The round and the presence list go on without Mo, at once.
    assert c["nic"].wait_for("round")["round"] == {"order": ["Nic"], "current": 0, "speaker": "Nic"}
    time.sleep(0.2)
    last = c["nic"].received("presence")[-1]
    assert [p["name"] for p in last["participants"]] == ["Fran", "Nic"]
    # No login of Mo's opens a socket again.
    with pytest.raises(socketio.exceptions.ConnectionError):
        connect(cookie=other_login)

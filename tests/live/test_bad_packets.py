"""What a client that does not follow the protocol gets: an answer, never silence or a traceback.

These speak Engine.IO's long-polling transport by hand (a real client never sends such things),
against the real server on 127.0.0.1.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
import requests

from tests.live.conftest import ORIGIN, cookie_for


class Polling:
    """A raw long-polling Engine.IO connection, opened on the ``/live`` namespace."""

    def __init__(self, app: Any, server_url: str, user: Any) -> None:
        self.http = requests.Session()
        self.http.headers.update({"Cookie": cookie_for(app, user), "Origin": ORIGIN})
        self.base = f"{server_url}/socket.io/?EIO=4&transport=polling"
        opened = self.http.get(self.base, timeout=5)
        assert opened.status_code == 200, opened.text
        self.sid = json.loads(opened.text[1:])["sid"]
        self.url = f"{self.base}&sid={self.sid}"
        assert self.post("40/live,").status_code == 200
        assert self.receive().startswith("40/live,")

    def post(self, body: str | bytes) -> requests.Response:
        return self.http.post(self.url, data=body, timeout=5)

    def receive(self) -> str:
        return self.http.get(self.url, timeout=5).text

    def close(self) -> None:
        self.http.close()


@pytest.fixture
def polling(app, server_url):
    made: list[Polling] = []

    def open_as(user: Any) -> Polling:
        made.append(Polling(app, server_url, user))
        return made[-1]

    yield open_as
    for conn in made:
        conn.close()


@pytest.mark.parametrize("size", [65 * 1024, 900 * 1024, 5 * 1024 * 1024])
def test_an_oversized_long_polling_post_gets_an_answer(polling, room, size):
    conn = polling(room["mo"])
    try:
        response = conn.post("4" + "x" * size)
    except requests.ConnectionError:  # the server may close while a very large body is sent
        assert size > 1024 * 1024
        return
    assert response.status_code == 413


def test_a_post_within_the_limit_is_still_read(polling, room):
    conn = polling(room["mo"])
    event = json.dumps(["hand.raise", {"session": room["session"].id, "pad": "x" * 60_000}])
    assert conn.post(f"42/live,1{event}").status_code == 200
    assert conn.receive().startswith("43/live,1[")


@pytest.mark.parametrize(
    "packet",
    [
        '42/live,1["hand.raise"]',  # no payload, an ack asked for
        '42/live,2["hand.raise","text"]',
        '42/live,3["hand.raise",{"session":1},{"extra":1}]',
        '42/live,4["hand.raise",{"session":[[[[1]]]]}]',
        '42/live,5["hand.raise",{"session":1e999}]',
        '42/live,6[{"not":"a name"},{}]',
        "42/live,7[]",
    ],
)
def test_a_malformed_event_is_answered_invalid_without_a_traceback(polling, room, packet, caplog):
    conn = polling(room["mo"])
    with caplog.at_level(logging.WARNING):
        assert conn.post(packet).status_code == 200
        answer = conn.receive()
    ack_id = packet.split(",", 1)[1].split("[", 1)[0]
    assert answer.startswith(f"43/live,{ack_id}["), answer
    (ack,) = json.loads(answer.split(",", 1)[1][len(ack_id) :])
    assert ack["ok"] is False and ack["error"]["code"] in {"invalid", "unknown_event"}, ack
    assert not [r for r in caplog.records if r.exc_info], caplog.text


@pytest.mark.parametrize(
    "packet",
    [
        '42/live,["hand.raise",',  # not JSON, and no acknowledgement asked for
        '42/live,["hand.raise",{"session":1' + "0" * 200 + "}]",
        "42/live,1" + "9" * 120 + '["hand.raise",{}]',  # an id of too many digits
        '40/live,{"auth":',  # a connect whose data is not JSON
        "47/live,",  # no such packet type
        "9junk",  # no such Engine.IO packet type
        "\x1e\x1e",  # empty packets
    ],
)
def test_a_packet_that_cannot_be_read_is_dropped_without_a_traceback(polling, room, packet, caplog):
    conn = polling(room["mo"])
    with caplog.at_level(logging.WARNING):
        conn.post(packet)
        # The connection still works, and answers the next event.
        event = json.dumps(["hand.raise", {"session": room["session"].id}])
        assert conn.post(f"42/live,9{event}").status_code == 200
        answer = conn.receive()
    assert "43/live,9[" in answer, answer
    assert not [r for r in caplog.records if r.exc_info], caplog.text

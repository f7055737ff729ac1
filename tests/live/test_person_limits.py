"""One person cannot multiply their allowance by opening more sockets."""

from __future__ import annotations

import queue
import time

from circles.live.throttle import Throttle
from tests.live.conftest import cookie_for


def test_a_persons_sockets_share_one_allowance():
    throttle = Throttle("3 per second", "4 per second")
    for sid in ("a", "b", "c"):
        throttle.opened(sid, person=7)
    throttle.opened("d", person=8)
    now = 100.0
    allowed = [throttle.allow(sid, now) for sid in ("a", "b", "c", "a", "b", "c")]
    assert allowed == [True, True, True, True, False, False]
    assert throttle.allow("d", now)  # another person has their own allowance
    assert throttle.allow("a", now + 1.01)  # a moving window: a second later there is room


def test_a_persons_allowance_is_forgotten_with_their_last_socket():
    throttle = Throttle("9 per second", "1 per second")
    throttle.opened("a", 7)
    throttle.opened("b", 7)
    assert throttle.allow("a", 5.0)
    throttle.closed("a")
    assert not throttle.allow("b", 5.0)  # still one socket of theirs: still counted
    throttle.closed("b")
    assert throttle.people.hits == {} and throttle.held == {}


def test_many_sockets_of_one_person_are_rate_limited_together(app, connect, room):
    s = room["session"].id
    cookie = cookie_for(app, room["mo"])
    sockets = [connect(cookie=cookie) for _ in range(4)]
    acks: queue.Queue = queue.Queue()
    # 4 sockets x 12 reactions, sent at once: each socket stays under its own 20 a second,
    # the person goes over their 30 a second.
    for _ in range(12):
        for client in sockets:
            client.sio.emit(
                "reaction.send",
                {"session": s, "kind": "heart"},
                namespace="/live",
                callback=acks.put,
            )
    got = [acks.get(timeout=10) for _ in range(48)]
    refused = [a for a in got if not a["ok"]]
    assert refused and all(a["error"]["code"] == "rate_limited" for a in refused)
    assert sum(1 for a in got if a["ok"]) <= 30
    nic = connect(room["nic"])  # someone else is not held back by Mo's sockets
    assert nic.call("reaction.send", {"session": s, "kind": "heart"})["ok"]
    # The next test's people have the same ids (a fresh database): let Mo's second pass.
    time.sleep(1.1)


def test_a_person_may_hold_only_a_few_sockets_in_one_session(app, connect, room):
    s = room["session"].id
    cap = app.config["CIRCLES_LIVE_SOCKETS_PER_PERSON"]
    cookie = cookie_for(app, room["mo"])
    held = [connect(cookie=cookie) for _ in range(cap)]
    for client in held:
        ack = client.call("join", {"session": s})
        assert ack["ok"], ack
    one_more = connect(cookie=cookie)
    refused = one_more.call("join", {"session": s})
    assert refused["ok"] is False and refused["error"]["code"] == "too_many_connections"
    assert held[0].call("join", {"session": s})["ok"]  # joining again on one held is fine
    held[0].close()
    for _ in range(50):  # its row goes when the server sees the socket close
        again = one_more.call("join", {"session": s})
        if again["ok"]:
            break
        time.sleep(0.1)
    assert again["ok"]

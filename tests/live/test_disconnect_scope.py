"""Ending a login or a membership closes exactly the sockets concerned, and no others."""

from __future__ import annotations

import time

from sqlalchemy import select

from circles.extensions import db
from circles.groups.models import CircleMember
from tests.conftest import client_for


def eventually_disconnected(client, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not client.sio.connected:
            return True
        time.sleep(0.05)
    return False


def device(app, connect, user):
    """A browser logged in as ``user`` (a login of its own) and its live socket."""
    browser = client_for(app, user)
    cookie = browser.get_cookie(app.config["SESSION_COOKIE_NAME"])
    return browser, connect(cookie=f"{cookie.key}={cookie.value}")


def test_logging_out_on_one_device_leaves_the_other_devices_in_the_room(app, connect, room):
    s = room["session"].id
    phone, on_phone = device(app, connect, room["mo"])
    _laptop, on_laptop = device(app, connect, room["mo"])
    assert on_phone.call("join", {"session": s})["ok"]
    assert on_laptop.call("join", {"session": s})["ok"]

    phone.post("/logout")

    assert eventually_disconnected(on_phone)
    assert on_laptop.sio.connected
    assert on_laptop.call("hand.raise", {"session": s})["ok"]


def test_leaving_one_circle_closes_only_that_circles_room(app, make, connect, room):
    fran, mo = room["fran"], room["mo"]
    other = make.create_circle(make.create_org(owner=fran), fran, "Morning circle")
    make.add_member(other, mo, "Mo")
    elsewhere = make.live_session(other, fran)
    _browser, in_evening = device(app, connect, mo)
    _browser2, in_morning = device(app, connect, mo)
    assert in_evening.call("join", {"session": room["session"].id})["ok"]
    assert in_morning.call("join", {"session": elsewhere.id})["ok"]

    with app.app_context():
        member_id = db.session.scalar(
            select(CircleMember.id).where(
                CircleMember.user_id == mo.id, CircleMember.circle_id == room["circle"].id
            )
        )
    client_for(app, fran).post(f"/circles/{room['circle'].id}/members/{member_id}/remove")

    assert eventually_disconnected(in_evening)
    assert in_morning.sio.connected
    assert in_morning.call("hand.raise", {"session": elsewhere.id})["ok"]

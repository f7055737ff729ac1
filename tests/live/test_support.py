"""Support requests from the live room: by name, to the facilitators only, never into the room."""

from __future__ import annotations

import time

from sqlalchemy import select

from circles.extensions import db
from circles.safety.models import MAX_MESSAGE, SupportRequest, SupportStatus
from tests.conftest import client_for
from tests.live.conftest import eventually, joined


def test_a_member_asks_and_only_facilitators_hear_that_someone_did(app, connect, room, outbox):
    clients = joined(connect, room, "fran", "mo", "nic")
    assert clients["fran"].state["support"] == {"new": 0}
    assert clients["mo"].state["support"] == []

    ack = clients["mo"].call(
        "support.request", {"session": room["session"].id, "message": "It is a lot today."}
    )
    assert ack["ok"] is True, ack
    assert ack["support"]["status"] == "new" and ack["support"]["label"] == "New"

    notice = clients["fran"].wait_for("support.requested")
    assert notice == {"new": 1}  # how many wait, never who or what
    assert clients["nic"].received("support.requested") == []
    assert clients["mo"].received("support.requested") == []
    assert eventually(lambda: len(outbox) == 1)  # mailed after the commit, in the background
    assert [m.to for m in outbox] == [room["fran"].email]
    assert "It is a lot today." not in outbox[0].body and "Mo" not in outbox[0].body

    with app.app_context():
        stored = db.session.scalars(select(SupportRequest)).one()
        assert (stored.user_id, stored.message) == (room["mo"].id, "It is a lot today.")

    # A member who joins again sees their own request; another member sees none.
    again = connect(room["mo"]).call("join", {"session": room["session"].id})
    assert [r["id"] for r in again["state"]["support"]] == [stored.id]
    other = connect(room["ola"]).call("join", {"session": room["session"].id})
    assert other["state"]["support"] == []


def test_the_member_sees_the_status_change_live(app, connect, room):
    clients = joined(connect, room, "fran", "mo", "nic")
    ack = clients["mo"].call("support.request", {"session": room["session"].id})
    request_id = ack["support"]["id"]
    response = client_for(app, room["fran"]).post(
        f"/circles/{room['circle'].id}/support/{request_id}/status",
        data={"status": "acknowledged"},
    )
    assert response.status_code == 302
    pushed = clients["mo"].wait_for("support.status")
    assert pushed["support"]["id"] == request_id
    assert pushed["support"]["label"] == SupportStatus.ACKNOWLEDGED.label
    assert clients["nic"].received("support.status") == []


def test_a_request_from_the_circle_page_reaches_facilitators_in_the_room(app, connect, room):
    clients = joined(connect, room, "fran", "nic")
    client_for(app, room["mo"]).post(
        f"/circles/{room['circle'].id}/support", data={"message": "", "back": "circle"}
    )
    assert clients["fran"].wait_for("support.requested") == {"new": 1}
    assert clients["nic"].received("support.requested") == []


def test_bad_requests_are_explained_and_store_nothing(app, connect, room, outbox):
    mo = joined(connect, room, "mo")["mo"]
    session = room["session"].id
    for payload, code in (
        ({"message": "x" * (MAX_MESSAGE + 1)}, "invalid"),
        ({"message": 42}, "invalid"),
    ):
        ack = mo.call("support.request", {"session": session, **payload})
        assert ack["ok"] is False and ack["error"]["code"] == code, ack
    for _ in range(3):
        assert mo.call("support.request", {"session": session})["ok"] is True
    refused = mo.call("support.request", {"session": session})
    assert refused["error"]["code"] == "limit"
    assert "crisis" in refused["error"]["message"]
    with app.app_context():
        assert len(db.session.scalars(select(SupportRequest)).all()) == 3
    assert eventually(lambda: len(outbox) == 3)
    time.sleep(0.2)
    assert len(outbox) == 3

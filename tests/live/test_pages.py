"""Opening the live room from the circle or a meeting page."""

from __future__ import annotations

from sqlalchemy import select

from circles.extensions import db
from circles.live.models import LiveSession
from tests.conftest import client_for


def test_opening_the_room_twice_gives_the_same_room_tied_to_its_meeting(app, make):
    fran = make.create_user("Fran")
    org = make.create_org(owner=fran)
    circle = make.create_circle(org, fran)
    meeting = make.meeting(circle, fran)
    client = client_for(app, fran)
    first = client.post(f"/circles/{circle.id}/live", data={"meeting_id": meeting.id})
    second = client.post(f"/circles/{circle.id}/live")
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    with app.app_context():
        [session] = db.session.scalars(select(LiveSession)).all()
        assert session.meeting_id == meeting.id


def test_a_meeting_of_another_circle_is_not_found(app, make):
    fran = make.create_user("Fran")
    org = make.create_org(owner=fran)
    circle, other = make.create_circle(org, fran), make.create_circle(org, fran)
    foreign = make.meeting(other, fran)
    response = client_for(app, fran).post(
        f"/circles/{circle.id}/live", data={"meeting_id": foreign.id}
    )
    assert response.status_code == 404
    with app.app_context():
        assert db.session.scalars(select(LiveSession)).all() == []


def test_an_archived_circle_gets_no_live_room(app, make):
    fran = make.create_user("Fran")
    org = make.create_org(owner=fran)
    circle = make.create_circle(org, fran)
    client = client_for(app, fran)
    client.post(f"/circles/{circle.id}/archive")
    response = client.post(f"/circles/{circle.id}/live", follow_redirects=True)
    assert "This circle is archived." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(LiveSession)).all() == []

"""Commitments followed up: the member's own list, and what the next live session shows back."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from circles.extensions import db
from circles.live import access, answers, opening
from circles.live.commitments import earlier_commitments
from circles.live.models import Commitment, LiveSession
from circles.space.models import FollowUp
from tests import factories as f
from tests.conftest import client_for


@pytest.fixture
def circle(make: Any) -> dict[str, Any]:
    owner = make.create_user("Owner")
    org = make.create_org(owner=owner)
    made = make.create_circle(org, owner, name="Thursday circle")
    ana, ben = make.create_user("Ana Example"), make.create_user("Ben Example")
    make.add_member(made, ana, "Ana")
    make.add_member(made, ben, "Ben")
    return {"owner": owner, "circle": made, "ana": ana, "ben": ben}


def commit_in_a_session(app: Any, people: dict[str, Any], text: str) -> int:
    """Ana commits to ``text`` in a live session of the circle that then ends."""
    with app.app_context():
        live = f.live_session(people["circle"], people["owner"])
        session, facilitator = access.actor_for(live.id, people["owner"].id)
        _, ana = access.actor_for(live.id, people["ana"].id)
        spec = {"kind": "commitment", "text": "One small step?", "anonymous": False}
        prompt = opening.open_prompt(session, facilitator, spec)
        answers.submit_response(session, ana, prompt.ack["prompt"]["id"], text, f"c-{text}")
        db.session.execute(
            sa.update(LiveSession).where(LiveSession.id == live.id).values(status="ended")
        )
        db.session.commit()
        return db.session.scalars(sa.select(sa.func.max(Commitment.id))).one()


def shown_back(app: Any, people: dict[str, Any]) -> list[str]:
    with app.app_context():
        live = f.live_session(people["circle"], people["owner"])
        session = db.session.get(LiveSession, live.id)
        texts = [c["text"] for c in earlier_commitments(people["ana"].id, session)]
        db.session.execute(
            sa.update(LiveSession).where(LiveSession.id == live.id).values(status="ended")
        )
        db.session.commit()
        return texts


def test_a_commitment_of_my_own_is_added_with_bad_input_explained(app, circle):
    ana = client_for(app, circle["ana"])
    empty = ana.post("/commitments", data={"text": "  ", "due": ""})
    assert empty.status_code == 400 and "in a few words" in empty.get_data(as_text=True)
    bad_date = ana.post("/commitments", data={"text": "Phone my aunt", "due": "someday"})
    assert bad_date.status_code == 400 and 'value="Phone my aunt"' in bad_date.get_data(
        as_text=True
    )
    assert (
        ana.post("/commitments", data={"text": "Phone my aunt", "due": "2030-05-04"}).status_code
        == 302
    )
    page = ana.get("/commitments").get_data(as_text=True)
    assert "Phone my aunt" in page and "Added by you" in page and "Not looked at yet" in page
    assert "Phone my aunt" not in client_for(app, circle["ben"]).get("/commitments").get_data(
        as_text=True
    )


def test_a_live_commitment_is_followed_up_and_a_done_one_is_not_shown_back(app, circle):
    walk = commit_in_a_session(app, circle, "Walk on Saturday")
    ana = client_for(app, circle["ana"])
    page = ana.get("/commitments").get_data(as_text=True)
    assert "Walk on Saturday" in page and "From a live session of Thursday circle" in page
    assert shown_back(app, circle) == ["Walk on Saturday"]

    sleep = commit_in_a_session(app, circle, "Sleep before midnight")
    response = ana.post(
        f"/commitments/live/{sleep}/status", data={"status": "ongoing", "note": "Twice so far"}
    )
    assert response.status_code == 302
    assert shown_back(app, circle) == ["Sleep before midnight"]  # still on it: shown back
    page = ana.get("/commitments").get_data(as_text=True)
    assert "Still on it" in page and "Twice so far" in page

    with app.app_context():
        [row] = db.session.scalars(sa.select(FollowUp)).all()
    assert ana.post(f"/commitments/{row.id}/status", data={"status": "done"}).status_code == 302
    assert shown_back(app, circle) == []  # done: the room does not show it again
    assert walk != sleep


def test_nobody_else_can_touch_a_members_commitments(app, circle):
    live_id = commit_in_a_session(app, circle, "Swim")
    ana, ben = client_for(app, circle["ana"]), client_for(app, circle["ben"])
    ana.post("/commitments", data={"text": "Mine alone"})
    with app.app_context():
        [own] = db.session.scalars(sa.select(FollowUp.id)).all()
    assert (
        ben.post(f"/commitments/live/{live_id}/status", data={"status": "done"}).status_code == 404
    )
    assert ben.post(f"/commitments/{own}/status", data={"status": "done"}).status_code == 404
    assert ben.post(f"/commitments/{own}/delete").status_code == 404
    assert "Not looked at yet" in ana.get("/commitments").get_data(as_text=True)
    # A status that is not one of the choices changes nothing.
    assert ana.post(f"/commitments/{own}/status", data={"status": "forgotten"}).status_code == 302
    assert "Not looked at yet" in ana.get("/commitments").get_data(as_text=True)
    assert ana.post(f"/commitments/{own}/delete").status_code == 302
    assert "Mine alone" not in ana.get("/commitments").get_data(as_text=True)

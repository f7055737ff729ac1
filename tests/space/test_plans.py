"""The 72-hour plan: offered when a session is noted, a prompt a day, meetings with RSVP, one
action that joins the commitments, and neutral reminders, once each, that say nothing."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from circles.extensions import db
from circles.space.models import FollowUp, IntegrationPlan
from circles.space.reminders import SUBJECT, queue_plan_reminders
from tests.conftest import client_for

ACTION = "Take a slow walk outside, without my phone"


@pytest.fixture
def member(make: Any) -> dict[str, Any]:
    owner = make.create_user("Owner")
    circle = make.create_circle(make.create_org(owner=owner), owner, name="Quiet Harbour circle")
    sam = make.create_user("Sam Example")
    make.add_member(circle, sam, "Sam")
    return {"owner": owner, "circle": circle, "sam": sam}


def _note_session(client: Any, taken: datetime) -> str:
    response = client.post(
        "/integration", data={"date": taken.date().isoformat(), "time": taken.strftime("%H:%M")}
    )
    assert response.status_code == 302
    return str(response.headers["Location"])


def test_noting_a_session_leads_to_its_plan(app, member, make):
    taken = (datetime.now(UTC) - timedelta(hours=2)).replace(second=0, microsecond=0)
    inside = taken + timedelta(hours=36)
    make.meeting(member["circle"], member["owner"], first=inside.replace(tzinfo=None))
    sam = client_for(app, member["sam"])
    location = _note_session(sam, taken)
    entry_id = int(re.fullmatch(r"/integration/(\d+)/plan", location).group(1))
    page = sam.get(location).get_data(as_text=True)
    for n in (1, 2, 3):
        assert f"Day {n}" in page
    assert "What is still with you from the session" in page
    assert f"/journal/new?prompt=still-here&amp;session={entry_id}" in page
    assert "/grounding#breathing" in page
    assert "Quiet Harbour circle" in page and "Will you come?" in page
    assert f'name="back" value="plan-{entry_id}"' in page
    # Another member's session has no plan page for anyone else.
    assert client_for(app, member["owner"]).get(location).status_code == 404


def test_the_chosen_action_joins_the_commitments_due_when_the_days_end(app, member, make):
    taken = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(hours=1)
    sam = client_for(app, member["sam"])
    plan = _note_session(sam, taken)
    missing = sam.post(plan, data={"action": "own", "own_action": ""})
    assert missing.status_code == 400 and "Write your own action" in missing.get_data(as_text=True)
    assert sam.post(plan, data={"action": ACTION, "reminders": "y"}).status_code == 302
    commitments = sam.get("/commitments").get_data(as_text=True)
    assert ACTION in commitments and "From a 72-hour plan" in commitments
    # Choosing again changes the same commitment; it does not add one.
    assert sam.post(plan, data={"action": "own", "own_action": "Call Jo"}).status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(FollowUp)) == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(IntegrationPlan)) == 1
    page = sam.get(plan).get_data(as_text=True)
    assert 'value="Call Jo"' in page and "Save changes" in page
    assert "Call Jo" in sam.get("/commitments").get_data(as_text=True)


def test_reminders_go_once_a_day_in_neutral_words(app, member, outbox):
    taken = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=10)
    sam = client_for(app, member["sam"])
    plan = _note_session(sam, taken)
    sam.post(plan, data={"action": ACTION, "reminders": "y"})
    outbox.clear()
    with app.app_context():
        assert queue_plan_reminders(taken + timedelta(hours=3)) == 0
        assert queue_plan_reminders(taken + timedelta(hours=5)) == 1
        assert queue_plan_reminders(taken + timedelta(hours=6)) == 0  # day 1 already sent
        assert queue_plan_reminders(taken + timedelta(hours=29)) == 1
        # Day 3's reminder not sent in time is skipped once day 3 is over.
        assert queue_plan_reminders(taken + timedelta(hours=73)) == 0
    assert len(outbox) == 2
    for mail in outbox:
        assert mail.subject == SUBJECT and mail.to == member["sam"].email
        words = f"{mail.subject} {mail.body}".lower()
        for telling in ("ketamine", "dosing", "psychedelic", "therapy", "quiet harbour", "circle "):
            assert telling not in words
        assert plan in mail.body


def test_no_reminders_unless_asked(app, member, outbox):
    taken = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=10)
    sam = client_for(app, member["sam"])
    sam.post(_note_session(sam, taken), data={"action": ACTION})
    outbox.clear()
    with app.app_context():
        assert queue_plan_reminders(taken + timedelta(hours=5)) == 0
    assert outbox == []


def test_plans_and_follow_ups_are_sealed_and_of_one_size(app, member):
    taken = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=10)
    sam = client_for(app, member["sam"])
    plan = _note_session(sam, taken)
    sam.post(plan, data={"action": "own", "own_action": "Visit the Zelinska garden"})
    sam.post("/commitments", data={"text": "x"})
    with app.app_context():
        for table in ("commitment_follow_ups", "integration_plans"):
            columns = {c["name"] for c in sa.inspect(db.engine).get_columns(table)}
            assert columns == {"id", "user_id", "sealed"}
        rows = db.session.execute(sa.text("SELECT sealed FROM commitment_follow_ups")).all()
        sealed = [bytes(r[0]) for r in rows]
        plans = [
            bytes(r[0]) for r in db.session.execute(sa.text("SELECT sealed FROM integration_plans"))
        ]
    assert len(sealed) == 2 and len(set(map(len, sealed))) == 1
    assert not any(b"Zelinska" in s for s in sealed + plans)


def test_the_export_holds_the_follow_ups_and_plans(app, member):
    taken = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=10)
    sam = client_for(app, member["sam"])
    sam.post(_note_session(sam, taken), data={"action": ACTION, "reminders": "y"})
    data = json.loads(sam.post("/account/data").get_data(as_text=True))
    [followed] = data["commitments_followed_up"]
    assert followed["text"] == ACTION and followed["from"] == "plan"
    [plan] = data["plans_after_a_session"]
    assert plan["action"] == ACTION and plan["reminder_mails"] is True


def test_a_reminder_is_written_in_the_members_language(app, member, outbox, monkeypatch):
    from flask_babel import get_locale

    from circles.space import reminders

    written_in = []

    def body(name: str, link: str) -> str:
        written_in.append(str(get_locale()))
        return f"{name} {link}"

    monkeypatch.setattr(reminders, "_body", body)
    taken = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=10)
    sam = client_for(app, member["sam"])
    sam.post(_note_session(sam, taken), data={"action": ACTION, "reminders": "y"})
    with app.app_context():
        db.session.get(type(member["sam"]), member["sam"].id).language = "es"
        db.session.commit()
        assert queue_plan_reminders(taken + timedelta(hours=5)) == 1
    assert written_in == ["es_ES"]
    assert isinstance(outbox[-1].subject, str)

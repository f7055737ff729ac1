"""The journal in the member's rights: in their data export, gone with their account."""

from __future__ import annotations

import json

from sqlalchemy import select

from circles.extensions import db
from circles.journal.models import JournalEntry, SharedNote
from tests.conftest import client_for
from tests.factories import PASSWORD


def _member_with_a_journal(app, make):
    owner = make.create_user("Owner")
    circle = make.create_circle(make.create_org(owner=owner), owner)
    member = make.create_user("Rowan Example")
    make.add_member(circle, member, "Rowan")
    client = client_for(app, member)
    for title, text in (("Kept", "Only mine"), ("Told", "Shared on purpose")):
        response = client.post(
            "/journal/new",
            data={
                "title": title,
                "text": text,
                "themes": ["t_relief"],
                "dosing_session": "0",
                "meeting": "0",
            },
        )
        assert response.status_code == 302
    with app.app_context():
        told = max(db.session.scalars(select(JournalEntry.id)))
    client.post(f"/journal/{told}/share", data={"circle": str(circle.id), "understood": "y"})
    return member, client, circle


def test_the_export_holds_the_members_entries_opened_and_what_they_shared(app, make):
    _, client, circle = _member_with_a_journal(app, make)
    data = json.loads(client.post("/account/data").get_data(as_text=True))
    assert [(e["title"], e["text"], e["themes"]) for e in data["journal_entries"]] == [
        ("Kept", "Only mine", ["Relief"]),
        ("Told", "Shared on purpose", ["Relief"]),
    ]
    [shared] = data["journal_entries_you_shared"]
    assert shared["text"] == "Shared on purpose" and shared["circle"] == circle.name


def test_erasure_takes_the_journal_and_the_shared_copies(app, make):
    _, client, _ = _member_with_a_journal(app, make)
    response = client.post("/account/delete", data={"password": PASSWORD, "understood": "y"})
    assert response.status_code == 200
    with app.app_context():
        assert db.session.scalars(select(JournalEntry)).all() == []
        assert db.session.scalars(select(SharedNote)).all() == []

"""The journal: private entries, guided prompts, links, search, sharing one entry on purpose."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from circles.db import utcnow
from circles.extensions import db
from circles.journal.models import JournalEntry, SharedNote
from tests.conftest import client_for


@pytest.fixture
def people(make: Any) -> dict[str, Any]:
    owner = make.create_user("Owner")
    org = make.create_org(owner=owner)
    circle = make.create_circle(org, owner)
    ana, ben = make.create_user("Ana Example"), make.create_user("Ben Example")
    make.add_member(circle, ana, "Ana")
    make.add_member(circle, ben, "Ben")
    return {"owner": owner, "org": org, "circle": circle, "ana": ana, "ben": ben}


def _write(client: Any, **fields: Any) -> Any:
    data = {"text": "The ocean image is still with me.", "title": "", "dosing_session": "0"}
    data.update({"meeting": "0", **fields})
    return client.post("/journal/new", data=data)


def _rows(app: Flask) -> list[JournalEntry]:
    with app.app_context():
        return list(db.session.scalars(select(JournalEntry)))


def test_an_entry_is_kept_and_read_back_only_by_its_writer(app, people):
    ana = client_for(app, people["ana"])
    response = _write(ana, title="Ocean", themes=["t_relief"])
    assert response.status_code == 302
    page = ana.get("/journal").get_data(as_text=True)
    assert "Ocean" in page and "The ocean image is still with me." in page
    assert "Themes: Relief." in page
    [row] = _rows(app)

    ben = client_for(app, people["ben"])
    assert "Ocean" not in ben.get("/journal").get_data(as_text=True)
    assert ben.get(f"/journal/{row.id}/edit").status_code == 404
    assert ben.post(f"/journal/{row.id}/delete").status_code == 404
    assert ben.get(f"/journal/{row.id}/share").status_code == 404
    assert len(_rows(app)) == 1


def test_a_guided_prompt_starts_the_entry_and_tags_it(app, people):
    ana = client_for(app, people["ana"])
    page = ana.get("/journal").get_data(as_text=True)
    assert "Start from a prompt" in page and "Being hard on myself" in page
    form = ana.get("/journal/new?prompt=inner-critic").get_data(as_text=True)
    assert "What does the hard voice in you say?" in form
    assert re.search(r'value="t_selfcrit"[^>]*checked|checked[^>]*value="t_selfcrit"', form)


def test_bad_input_is_explained_and_nothing_typed_is_lost(app, people):
    ana = client_for(app, people["ana"])
    empty = _write(ana, text="   ", title="Keep this title")
    assert empty.status_code == 400
    page = empty.get_data(as_text=True)
    assert "Write something first" in page and 'value="Keep this title"' in page

    long = _write(ana, text="x" * 5001, title="Long")
    assert long.status_code == 400 and "under 5,000 characters" in long.get_data(as_text=True)

    odd = _write(ana, text="Kept text", themes=["not-a-theme"])
    assert odd.status_code == 400 and "Kept text" in odd.get_data(as_text=True)
    assert _rows(app) == []


def test_an_entry_links_only_to_the_writers_own_session_and_circles_meetings(app, people, make):
    now = utcnow()
    own = make.dosing_session(people["ana"], now - timedelta(days=1))
    others = make.dosing_session(people["ben"], now - timedelta(days=2))
    meeting = make.meeting(people["circle"], people["owner"])
    ana = client_for(app, people["ana"])

    refused = _write(ana, text="About that day", dosing_session=str(others.id))
    assert refused.status_code == 400
    assert "About that day" in refused.get_data(as_text=True)
    assert _rows(app) == []

    assert _write(ana, dosing_session=str(own.id), meeting=str(meeting.id)).status_code == 302
    page = ana.get("/journal").get_data(as_text=True)
    assert "Session of" in page and "Meeting of" in page
    # Starting from the integration window: the session is chosen already.
    form = ana.get(f"/journal/new?session={own.id}").get_data(as_text=True)
    assert re.search(rf'<option selected value="{own.id}"|value="{own.id}" selected', form)


def test_editing_and_deleting(app, people):
    ana = client_for(app, people["ana"])
    _write(ana, title="First")
    [row] = _rows(app)
    response = ana.post(
        f"/journal/{row.id}/edit",
        data={"text": "Rewritten", "title": "Second", "dosing_session": "0", "meeting": "0"},
    )
    assert response.status_code == 302
    page = ana.get("/journal").get_data(as_text=True)
    assert "Second" in page and "Rewritten" in page and "changed" in page
    assert ana.post(f"/journal/{row.id}/delete").status_code == 302
    assert _rows(app) == []


def test_search_looks_through_the_writers_own_entries(app, people):
    ana = client_for(app, people["ana"])
    for text in ("Walked by the river", "Called my sister", "River again, calmer", "Slept"):
        _write(ana, text=text)
    page = ana.get("/journal?q=river").get_data(as_text=True)
    assert "Walked by the river" in page and "River again, calmer" in page
    assert "Called my sister" not in page
    assert "No entry matches" in ana.get("/journal?q=mountain").get_data(as_text=True)


def test_sharing_is_deliberate_named_and_can_be_withdrawn(app, people, make):
    ana = client_for(app, people["ana"])
    _write(ana, title="For my facilitator", text="I keep waking at four.")
    [row] = _rows(app)
    circle_id = people["circle"].id
    form = ana.get(f"/journal/{row.id}/share").get_data(as_text=True)
    assert "with your name" in form

    unticked = ana.post(f"/journal/{row.id}/share", data={"circle": str(circle_id)})
    assert unticked.status_code == 400
    assert "nothing is sent until you do" in unticked.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(SharedNote)).all() == []

    shared = ana.post(
        f"/journal/{row.id}/share", data={"circle": str(circle_id), "understood": "y"}
    )
    assert shared.status_code == 302
    facilitator = client_for(app, people["owner"])
    notes = facilitator.get(f"/circles/{circle_id}/shared-notes").get_data(as_text=True)
    assert "I keep waking at four." in notes and "From Ana" in notes
    # Nobody else in the circle reads it; the facilitator sees nothing of unshared entries.
    assert (
        client_for(app, people["ben"]).get(f"/circles/{circle_id}/shared-notes").status_code == 403
    )
    _write(ana, text="Not for anyone else")
    assert "Not for anyone else" not in facilitator.get(
        f"/circles/{circle_id}/shared-notes"
    ).get_data(as_text=True)

    with app.app_context():
        note_id = db.session.scalars(select(SharedNote.id)).one()
    assert (
        client_for(app, people["ben"]).post(f"/journal/shared/{note_id}/withdraw").status_code
        == 404
    )
    assert ana.post(f"/journal/shared/{note_id}/withdraw").status_code == 302
    assert "I keep waking at four." not in facilitator.get(
        f"/circles/{circle_id}/shared-notes"
    ).get_data(as_text=True)


def test_sharing_with_a_circle_one_is_not_in_is_refused(app, people, make):
    other_owner = make.create_user("Elsewhere")
    other = make.create_circle(make.create_org("Elsewhere", owner=other_owner), other_owner)
    ana = client_for(app, people["ana"])
    _write(ana, text="Mine")
    [row] = _rows(app)
    response = ana.post(
        f"/journal/{row.id}/share", data={"circle": str(other.id), "understood": "y"}
    )
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalars(select(SharedNote)).all() == []


def test_the_prompts_of_ones_own_circles_are_offered_and_no_others(app, people, make):
    own = make.saved_prompt(
        people["circle"], people["owner"], spec={"kind": "text", "text": "What did the sea say?"}
    )
    outsider = make.create_user("Outsider")
    elsewhere = make.create_circle(make.create_org("Elsewhere", owner=outsider), outsider)
    foreign = make.saved_prompt(
        elsewhere, outsider, spec={"kind": "text", "text": "A question from elsewhere"}
    )
    ana = client_for(app, people["ana"])
    page = ana.get("/journal").get_data(as_text=True)
    assert f"From {people['circle'].name}" in page and "What did the sea say?" in page
    assert "A question from elsewhere" not in page
    assert "What did the sea say?" in ana.get(f"/journal/new?prompt=saved:{own.id}").get_data(
        as_text=True
    )
    assert "A question from elsewhere" not in ana.get(
        f"/journal/new?prompt=saved:{foreign.id}"
    ).get_data(as_text=True)

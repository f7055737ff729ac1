"""Opening the live room from the circle or a meeting page."""

from __future__ import annotations

import json
import re
from pathlib import Path

from sqlalchemy import select

from circles.extensions import db
from circles.live.models import LiveSession, PromptKind
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


#: Keys the live scripts build at run time (``T(`prefix_${...}`)``), with every value they take.
DYNAMIC_KEYS = {
    "seconds_left_one",
    "seconds_left_other",
    "support_waiting_one",
    "support_waiting_other",
    "answers_one",
    "answers_other",
    *(f"reaction_{kind}" for kind in ("heart", "thanks", "resonates", "breathe")),
    *(f"reaction_{kind}_said" for kind in ("heart", "thanks", "resonates", "breathe")),
    *(f"step_kind_{kind}" for kind in PromptKind),
    *(f"phase_{phase}" for phase in ("in", "hold", "out")),
    # The presenter view's kinds (a table of keys in live-present.js).
    "kind_scale",
    "choose_one",
    "kind_word",
    "kind_reflection",
    "kind_small_action",
}


def page_texts(html):
    island = re.search(r'<script [^>]*id="page-texts">(.*?)</script>', html, re.S)
    assert island is not None
    return json.loads(island.group(1))


def test_the_live_pages_give_their_scripts_every_text_they_show(app, make):
    """Every key the live scripts ask for (``T("key")``) is in the page, placeholders kept."""
    used = set(DYNAMIC_KEYS)
    for script in Path("static/js").glob("live*.js"):
        code = script.read_text()
        used |= set(re.findall(r'\bT\(\s*"(\w+)"', code))
        # Keys chosen by a condition: T(cond ? "a" : "b", ...).
        for pair in re.findall(r'\bT\([^()"`]*\?\s*"(\w+)"\s*:\s*"(\w+)"', code):
            used |= set(pair)
    fran = make.create_user("Fran")
    mo = make.create_user("Mo")
    org = make.create_org(owner=fran)
    circle = make.create_circle(org, fran)
    make.add_member(circle, mo, "Mo")
    session = make.live_session(circle, fran)
    room = f"/circles/{circle.id}/live/{session.id}"
    pages = [
        client_for(app, fran).get(room),
        client_for(app, mo).get(room),
        client_for(app, fran).get(f"{room}/present"),
    ]
    for page in pages:
        assert page.status_code == 200
        texts = page_texts(page.get_data(as_text=True))
        assert used - texts.keys() == set()
    assert texts["remove_confirm"] == "Ask %(name)s to leave this session?"
    assert texts["answers_other"] == "%(num)s answers"

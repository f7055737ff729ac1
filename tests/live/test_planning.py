"""Preparing a session: the prompt library (built in, organisation, circle) and meeting plans."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from circles.exceptions import ServiceError
from circles.extensions import db
from circles.live import planning
from circles.live.library import BUILT_IN, THEMES
from circles.live.models import LiveSession, PlanItem, SavedPrompt
from circles.live.planning import Source
from circles.live.protocol import validate_spec
from circles.orgs.models import OrgRole
from tests.conftest import client_for
from tests.factories import PLAIN_PROMPT
from tests.live.conftest import joined

CHOICE = {
    "kind": "choice",
    "text": "Which part of the week felt steadiest?",
    "options": ["Mornings", "Evenings"],
    "anonymous": True,
}


@pytest.fixture
def prep(make):
    """Fran runs circle A in an organisation that also has circle B; Lee runs org Other."""
    fran = make.create_user("Fran")
    org = make.create_org(owner=fran)
    circle = make.create_circle(org, fran, "Circle A")
    circle_b = make.create_circle(org, fran, "Circle B")
    member = make.create_user("Mo")
    make.add_member(circle, member, "Mo")
    lee = make.create_user("Lee")
    other_org = make.create_org(owner=lee)
    other = make.create_circle(other_org, lee, "Elsewhere")
    meeting = make.meeting(circle, fran)
    return {
        "fran": fran,
        "org": org,
        "circle": circle,
        "circle_b": circle_b,
        "member": member,
        "lee": lee,
        "other": other,
        "meeting": meeting,
    }


def _count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


# The library ---------------------------------------------------------------------------------


def test_a_circle_library_holds_built_in_org_and_its_own_prompts_only(app, make, prep):
    org_wide = make.saved_prompt(prep["circle"], prep["fran"], whole_org=True)
    own = make.saved_prompt(prep["circle"], prep["fran"], spec=CHOICE, themes=("grief",))
    make.saved_prompt(prep["circle_b"], prep["fran"])  # circle B's own
    make.saved_prompt(prep["other"], prep["lee"], whole_org=True)  # another organisation's
    with app.app_context():
        circle = db.session.merge(prep["circle"])
        entries = planning.library_for(circle)
        assert [e.source for e in entries].count(Source.BUILT_IN) == len(BUILT_IN)
        saved = [(e.ref, e.source) for e in entries if e.saved is not None]
        assert saved == [(f"saved:{org_wide.id}", Source.ORG), (f"saved:{own.id}", Source.CIRCLE)]
        grief = planning.library_for(circle, "grief")
        assert f"saved:{own.id}" in [e.ref for e in grief]
        assert all("grief" in e.themes for e in grief)


def test_every_built_in_prompt_is_valid_and_tagged_with_a_known_theme():
    assert len({p.key for p in BUILT_IN}) == len(BUILT_IN)
    for prompt in BUILT_IN:
        assert validate_spec(prompt.spec()) == prompt.spec()
        assert prompt.themes and set(prompt.themes) <= set(THEMES)
    assert any(p.spec().get("follow_up") for p in BUILT_IN)  # "how did it go?"


def test_a_prompt_from_another_circle_or_organisation_is_not_in_the_library(app, make, prep):
    theirs = make.saved_prompt(prep["circle_b"], prep["fran"])
    foreign = make.saved_prompt(prep["other"], prep["lee"], whole_org=True)
    with app.app_context():
        circle = db.session.merge(prep["circle"])
        for ref in (f"saved:{theirs.id}", f"saved:{foreign.id}", "builtin:nope", "x", "saved:"):
            with pytest.raises(ServiceError):
                planning.entry_by_ref(circle, ref)
        assert planning.entry_by_ref(circle, "builtin:arrive").source == Source.BUILT_IN


def test_saving_an_invalid_prompt_or_unknown_theme_stores_nothing(app, prep):
    with app.app_context():
        circle = db.session.merge(prep["circle"])
        bad_specs = [
            {"kind": "choice", "text": "Pick", "options": ["Only one"]},
            {"kind": "reflection", "text": "Quiet"},  # no timer
            {"kind": "scale", "text": "How much?", "min": 5, "max": 5},
            {"kind": "text", "text": "   "},
            {"kind": "dance", "text": "?"},
        ]
        for spec in bad_specs:
            with pytest.raises(ServiceError):
                planning.save_prompt(circle, prep["fran"].id, spec, [], whole_org=False)
        with pytest.raises(ServiceError) as caught:
            planning.save_prompt(circle, prep["fran"].id, PLAIN_PROMPT, ["nope"], whole_org=False)
        assert caught.value.field == "themes"
        db.session.rollback()
        assert _count(SavedPrompt) == 0


def test_facilitator_adds_a_prompt_to_the_circle_library(app, prep):
    client = client_for(app, prep["fran"])
    url = f"/circles/{prep['circle'].id}/prompts"
    response = client.post(
        url,
        data={
            "kind": "scale",
            "text": "How close did you feel to the group tonight?",
            "anonymous": "y",
            "scale_min": "1",
            "scale_max": "5",
            "min_label": "Far",
            "max_label": "Close",
            "themes": ["safety", "control"],
            "keep": "circle",
        },
    )
    assert response.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "How close did you feel to the group tonight?" in page
    assert "This circle · Scale 1 to 5 · anonymous" in page
    with app.app_context():
        saved = db.session.scalars(select(SavedPrompt)).one()
        assert saved.circle_id == prep["circle"].id
        assert saved.themes == ["safety", "control"]
        assert saved.spec == {
            "kind": "scale",
            "text": "How close did you feel to the group tonight?",
            "anonymous": True,
            "min": 1,
            "max": 5,
            "min_label": "Far",
            "max_label": "Close",
        }


def test_a_bad_library_prompt_is_explained_and_the_input_kept(app, prep):
    client = client_for(app, prep["fran"])
    response = client.post(
        f"/circles/{prep['circle'].id}/prompts",
        data={
            "kind": "choice",
            "text": "Which word fits your week?",
            "options": "Heavy",
            "keep": "org",
        },
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "options must be a list of 2 to 8 choices." in page
    assert "Which word fits your week?</textarea>" in page and "Heavy</textarea>" in page
    with app.app_context():
        assert _count(SavedPrompt) == 0


def test_a_pick_prompt_is_kept_with_its_options_and_limit(app, prep):
    client = client_for(app, prep["fran"])
    url = f"/circles/{prep['circle'].id}/prompts"
    data = {
        "kind": "pick",
        "text": "What helped you most this week?",
        "options": "Sleep\nWalks\nFriends",
        "max_picks": "5",
        "anonymous": "y",
        "keep": "circle",
    }
    refused = client.post(url, data=data)
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "how many options one answer may pick" in page
    assert "Sleep\nWalks\nFriends</textarea>" in page and 'value="5"' in page
    assert client.post(url, data={**data, "max_picks": "2"}).status_code == 302
    assert "This circle · Pick up to 2 · anonymous" in client.get(url).get_data(as_text=True)
    with app.app_context():
        saved = db.session.scalars(select(SavedPrompt)).one()
        assert saved.spec["options"] == ["Sleep", "Walks", "Friends"]
        assert saved.spec["max_picks"] == 2


def test_deleting_library_prompts_follows_who_made_them(app, make, prep):
    colleague = make.create_user("Cas")
    make.add_staff(prep["org"], colleague)
    make.add_facilitator(prep["circle"], colleague, "Cas")
    org_prompt = make.saved_prompt(prep["circle"], prep["fran"], whole_org=True)
    circle_prompt = make.saved_prompt(prep["circle"], prep["fran"])
    cas = client_for(app, colleague)
    base = f"/circles/{prep['circle'].id}/prompts"
    # Another facilitator may not remove an organisation prompt Fran wrote...
    assert cas.post(f"{base}/{org_prompt.id}/delete").status_code == 403
    # ...but anyone running the circle may tidy its own library.
    assert cas.post(f"{base}/{circle_prompt.id}/delete").status_code == 302
    admin = make.create_user("Ada")
    make.add_staff(prep["org"], admin, OrgRole.ADMIN)
    assert client_for(app, admin).post(f"{base}/{org_prompt.id}/delete").status_code == 302
    with app.app_context():
        assert _count(SavedPrompt) == 0


# Plans ---------------------------------------------------------------------------------------


def _plan_texts(app, meeting_id: int) -> list[str]:
    with app.app_context():
        return [step.spec["text"] for step in planning.plan_for(meeting_id)]


def test_facilitator_builds_a_plan_from_the_library_and_their_own_prompts(app, make, prep):
    kept = make.saved_prompt(prep["circle"], prep["fran"], spec=CHOICE)
    client = client_for(app, prep["fran"])
    plan_url = f"/circles/{prep['circle'].id}/meetings/{prep['meeting'].id}/plan"
    assert client.post(plan_url + "/add", data={"ref": "builtin:arrive"}).status_code == 302
    assert client.post(plan_url + "/add", data={"ref": f"saved:{kept.id}"}).status_code == 302
    response = client.post(
        plan_url,
        data={"kind": "commitment", "text": "One kind thing for yourself this week.", "keep": ""},
    )
    assert response.status_code == 302
    arrive = next(p for p in BUILT_IN if p.key == "arrive")
    assert _plan_texts(app, prep["meeting"].id) == [
        arrive.text,
        CHOICE["text"],
        "One kind thing for yourself this week.",
    ]
    page = client.get(plan_url).get_data(as_text=True)
    assert "The plan (3 of at most 30 steps)" in page
    assert "Commitment for the week · named" in page  # the checkbox was not ticked
    meeting_page = client.get(f"/circles/{prep['circle'].id}/meetings/{prep['meeting'].id}")
    assert "Session plan (3 steps)" in meeting_page.get_data(as_text=True)
    with app.app_context():
        assert _count(SavedPrompt) == 1  # "only in this plan" kept nothing new


def test_a_prompt_written_for_the_plan_can_also_go_to_the_organisation_library(app, prep):
    client = client_for(app, prep["fran"])
    plan_url = f"/circles/{prep['circle'].id}/meetings/{prep['meeting'].id}/plan"
    data = {"kind": "text", "text": "What did your body tell you today?", "anonymous": "y"}
    client.post(plan_url, data={**data, "themes": "grounding", "keep": "org"})
    with app.app_context():
        saved = db.session.scalars(select(SavedPrompt)).one()
        assert saved.circle_id is None and saved.org_id == prep["org"].id
        assert saved.themes == ["grounding"]
    other_circle_library = client.get(f"/circles/{prep['circle_b'].id}/prompts")
    assert "What did your body tell you today?" in other_circle_library.get_data(as_text=True)


def test_a_bad_plan_prompt_adds_nothing_anywhere(app, prep):
    client = client_for(app, prep["fran"])
    plan_url = f"/circles/{prep['circle'].id}/meetings/{prep['meeting'].id}/plan"
    response = client.post(
        plan_url, data={"kind": "reflection", "text": "Sit with it quietly.", "keep": "circle"}
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "A silent reflection needs a timer (seconds)." in page
    assert "Sit with it quietly.</textarea>" in page
    with app.app_context():
        assert _count(PlanItem) == 0 and _count(SavedPrompt) == 0


def test_a_foreign_library_prompt_cannot_be_added_to_a_plan(app, make, prep):
    foreign = make.saved_prompt(prep["other"], prep["lee"], whole_org=True)
    client = client_for(app, prep["fran"])
    plan_url = f"/circles/{prep['circle'].id}/meetings/{prep['meeting'].id}/plan"
    response = client.post(plan_url + "/add", data={"ref": f"saved:{foreign.id}"})
    assert response.status_code == 302
    page = client.get(plan_url).get_data(as_text=True)
    assert "That prompt is not in this circle&#39;s library." in page
    assert _plan_texts(app, prep["meeting"].id) == []


def test_steps_move_and_leave_the_plan(app, make, prep):
    steps = [
        make.plan_step(prep["meeting"], {"kind": "text", "text": text})
        for text in ("First", "Second", "Third")
    ]
    client = client_for(app, prep["fran"])
    base = f"/circles/{prep['circle'].id}/meetings/{prep['meeting'].id}/plan"
    client.post(f"{base}/{steps[2].id}/move", data={"direction": "up"})
    assert _plan_texts(app, prep["meeting"].id) == ["First", "Third", "Second"]
    client.post(f"{base}/{steps[0].id}/move", data={"direction": "up"})  # already first
    client.post(f"{base}/{steps[0].id}/move", data={"direction": "sideways"})
    assert _plan_texts(app, prep["meeting"].id) == ["First", "Third", "Second"]
    client.post(f"{base}/{steps[0].id}/move", data={"direction": "down"})
    assert _plan_texts(app, prep["meeting"].id) == ["Third", "First", "Second"]
    client.post(f"{base}/{steps[1].id}/delete")
    assert _plan_texts(app, prep["meeting"].id) == ["Third", "First"]


def test_a_plan_has_a_length_limit(app, make, prep):
    for n in range(planning.MAX_PLAN_STEPS):
        make.plan_step(prep["meeting"], {"kind": "text", "text": f"Step {n}"})
    with app.app_context():
        meeting = db.session.merge(prep["meeting"])
        with pytest.raises(ServiceError, match="at most 30 steps"):
            planning.add_to_plan(meeting, PLAIN_PROMPT)


def test_members_cannot_see_or_change_plans(app, make, prep):
    step = make.plan_step(prep["meeting"])
    member = client_for(app, prep["member"])
    base = f"/circles/{prep['circle'].id}/meetings/{prep['meeting'].id}"
    assert member.get(base + "/plan").status_code == 403
    assert member.post(base + f"/plan/{step.id}/delete").status_code == 403
    assert "Session plan" not in member.get(base).get_data(as_text=True)
    assert _plan_texts(app, prep["meeting"].id) == [PLAIN_PROMPT["text"]]


def test_plan_and_library_pages_cost_the_same_queries_however_long(app, make, prep, count_queries):
    client = client_for(app, prep["fran"])
    plan_url = f"/circles/{prep['circle'].id}/meetings/{prep['meeting'].id}/plan"
    library_url = f"/circles/{prep['circle'].id}/prompts"

    def queries() -> tuple[int, int]:
        with count_queries() as plan_count:
            assert client.get(plan_url).status_code == 200
        with count_queries() as library_count:
            assert client.get(library_url).status_code == 200
        return plan_count.count, library_count.count

    make.plan_step(prep["meeting"])
    make.saved_prompt(prep["circle"], prep["fran"])
    few = queries()
    for _ in range(5):
        make.plan_step(prep["meeting"])
        make.saved_prompt(prep["circle"], prep["fran"], whole_org=True)
    assert queries() == few
    assert max(few) <= 6


# In the live room ----------------------------------------------------------------------------


def _attach_meeting(app, make, room):
    """Tie the room's session to a meeting of its circle, as opening it from the meeting does."""
    meeting = make.meeting(room["circle"], room["fran"])
    with app.app_context():
        db.session.get(LiveSession, room["session"].id).meeting_id = meeting.id
        db.session.commit()
    return meeting


def test_facilitator_runs_through_the_plan_in_the_live_room(app, make, connect, room):

    meeting = _attach_meeting(app, make, room)
    first = make.plan_step(meeting, CHOICE)
    second = make.plan_step(meeting, {"kind": "reflection", "text": "Breathe.", "seconds": 30})
    c = joined(connect, room, "fran", "mo")
    session = room["session"].id
    plan = c["fran"].state["plan"]
    assert [(s["id"], s["text"], s["opened"]) for s in plan] == [
        (first.id, CHOICE["text"], False),
        (second.id, "Breathe.", False),
    ]
    assert "plan" not in c["mo"].state  # members do not see what is coming

    opened = c["fran"].call("prompt.open", {"session": session, "plan_item": first.id})
    assert opened["ok"] is True
    assert opened["prompt"]["text"] == CHOICE["text"]
    assert opened["prompt"]["options"] == CHOICE["options"]
    assert opened["prompt"]["plan_item"] == first.id
    assert c["mo"].wait_for("prompt.opened")["id"] == opened["prompt"]["id"]

    again = connect(room["fran"]).call("join", {"session": session})
    assert [s["opened"] for s in again["state"]["plan"]] == [True, False]


def test_a_plan_step_of_another_meeting_cannot_be_opened(app, make, connect, room):

    other_meeting = make.meeting(room["circle"], room["fran"])
    step = make.plan_step(other_meeting)
    c = joined(connect, room, "fran", "mo")
    session = room["session"].id
    # The room's session belongs to no meeting: no plan step is its own.
    refused = c["fran"].call("prompt.open", {"session": session, "plan_item": step.id})
    assert refused == {
        "ok": False,
        "error": {"code": "not_found", "message": "There is no such step in this meeting's plan."},
    }
    _attach_meeting(app, make, room)
    refused = c["fran"].call("prompt.open", {"session": session, "plan_item": step.id})
    assert refused["error"]["code"] == "not_found"
    assert c["fran"].call("prompt.open", {"session": session, "plan_item": "1"})["error"][
        "code"
    ] == ("invalid")
    member = c["mo"].call("prompt.open", {"session": session, "plan_item": step.id})
    assert member["error"]["code"] == "forbidden"


def test_a_follow_up_prompt_shows_each_member_only_their_own_commitment(app, make, connect, room):

    session = room["session"].id
    c = joined(connect, room, "fran", "mo", "nic")
    opened = c["fran"].call(
        "prompt.open",
        {"session": session, "prompt": {"kind": "commitment", "text": "One step this week?"}},
    )
    prompt_id = opened["prompt"]["id"]
    for name, text in (("mo", "Walk after lunch"), ("nic", "Call my sister")):
        c[name].call(
            "response.submit",
            {"session": session, "prompt_id": prompt_id, "value": text, "client_id": name},
        )
    assert c["fran"].call("session.end", {"session": session})["ok"]

    next_session = make.live_session(room["circle"], room["fran"])
    later = {"session": next_session}
    c2 = joined(connect, {**room, **later}, "fran", "mo", "nic")
    assert [x["text"] for x in c2["mo"].state["commitments"]] == ["Walk after lunch"]
    assert [x["text"] for x in c2["nic"].state["commitments"]] == ["Call my sister"]
    assert "commitments" not in c2["fran"].state

    follow_up = next(p for p in BUILT_IN if p.spec().get("follow_up"))
    opened = c2["fran"].call(
        "prompt.open", {"session": next_session.id, "prompt": follow_up.spec()}
    )
    assert opened["prompt"]["follow_up"] is True
    event = c2["mo"].wait_for("prompt.opened")
    assert event["follow_up"] is True and "Call my sister" not in str(event)

"""Data export: a member downloads everything Circles holds about them, and nothing about anyone
else; each download is noted in their organisations' audit logs, without its content."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from circles.accounts.models import User
from circles.audit.models import AuditEntry
from circles.db import utcnow
from circles.extensions import db
from circles.groups.models import Circle
from circles.rights import export
from tests import factories as f
from tests.conftest import client_for
from tests.rights.conftest import MORGAN, NICOLA


def download(app, user_id):
    with app.app_context():
        user = db.session.get(User, user_id)
    return client_for(app, user).post("/account/data")


def test_the_download_is_a_dated_json_attachment_nobody_caches(app, harbour):
    response = download(app, harbour.morgan)
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    today = utcnow().date().isoformat()
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="circles-data-{today}.json"'
    )
    assert response.headers["Cache-Control"] == "no-store"
    assert json.loads(response.get_data(as_text=True))["format"] == export.FORMAT


def test_the_file_holds_the_members_own_records(app, harbour):
    data = json.loads(download(app, harbour.morgan).get_data(as_text=True))
    assert data["profile"]["email"] == MORGAN["email"]
    assert data["profile"]["display_name"] == MORGAN["name"]
    assert data["profile"]["time_zone"] == "Europe/London"
    assert len(data["logins"]) == 1
    circles = {c["circle"]: c for c in data["circles"]}
    assert circles["Evening circle"]["your_name_in_this_circle"] == MORGAN["evening_name"]
    assert circles["Morning circle"]["organisation"] == "Riverside Collective"
    assert circles["Evening circle"]["role"] == "member"
    assert [a["answer"] for a in data["meeting_answers"]] == ["going"]
    assert data["calendar_feed"]["private_link_on"] is True
    assert len(data["integration_window_entries"]) == 1
    assert [c["text"] for c in data["commitments"]] == [MORGAN["commitment"]]
    assert [s["asked_to_leave"] for s in data["live_sessions_joined"]] == [False]
    named = {a["prompt"]: a["your_answer"] for a in data["live_answers_with_your_name"]}
    assert named == {"A few words for today?": MORGAN["word"]}  # the commitment was anonymous
    [checkin] = data["check_ins"]
    assert checkin["private_copy"] == "kept"
    answers = checkin["your_answers"]
    assert answers["scale_0_to_5"]["I have felt calm and settled."] == 4
    assert answers["themes"] == ["Grief"]
    assert answers["practices"] == ["Grounding or slow breathing"]
    [support] = data["support_requests"]
    assert support["your_message"] == MORGAN["support"] and support["status"] == "New"
    assert data["organisation_roles"] == [] and data["library_prompts_you_added"] == []
    assert any("Anonymous check-ins" in note for note in data["about_this_file"])


def test_the_file_holds_nothing_about_anyone_else(app, harbour):
    text = download(app, harbour.morgan).get_data(as_text=True)
    others = [NICOLA[key] for key in NICOLA] + [
        "Fran Okafor",
        "fran.okafor@example.org",
        "Cas Lindqvist",
        "Rae Banks",
    ]
    assert [word for word in others if word in text] == []
    assert text.count("@example.org") == 1
    # No database ids at all: nothing to line up with anyone else's records.
    assert not [key for key in _keys(json.loads(text)) if key == "id" or key.endswith("_id")]


def _keys(value):
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _keys(item)
    elif isinstance(value, list):
        for item in value:
            yield from _keys(item)


def test_a_private_copy_not_kept_is_said_so_and_anonymous_answers_are_never_there(app, make):
    fran = make.create_user("Fran")
    org = make.create_org(owner=fran)
    circle = make.create_circle(org, fran, "Quiet circle")
    ola = make.create_user("Ola")
    make.add_member(circle, ola, "Ola")
    make.set_up_checkins(circle)
    make.check_in(circle, ola, 5, keep=False)
    data = json.loads(download(app, ola.id).get_data(as_text=True))
    assert data["check_ins"] == [
        {
            "circle": "Quiet circle",
            "period_from": data["check_ins"][0]["period_from"],
            "private_copy": "not kept",
        }
    ]
    assert "your_answers" not in json.dumps(data)


def test_a_facilitator_finds_their_roles_and_library_prompts(app, make):
    fran = make.create_user("Fran")
    org = make.create_org("Harbour Practice", owner=fran)
    circle = make.create_circle(org, fran, "Evening circle")
    make.saved_prompt(circle, fran, spec={"kind": "text", "text": "What helped this week?"})
    data = json.loads(download(app, fran.id).get_data(as_text=True))
    assert data["organisation_roles"][0] == {
        "organisation": "Harbour Practice",
        "role": "owner",
        "since": data["organisation_roles"][0]["since"],
    }
    assert data["circles"][0]["role"] == "facilitator"
    [prompt] = data["library_prompts_you_added"]
    assert (
        prompt["prompt"]["text"] == "What helped this week?"
        and prompt["circle"] == "Evening circle"
    )


def test_each_download_is_noted_in_every_organisation_of_the_member_without_content(app, harbour):
    download(app, harbour.morgan)
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.org_id)).all()
        rows = [
            (e.org_id, e.actor_id, e.action, e.object_type, e.object_id, e.details) for e in entries
        ]
    assert rows == [
        (harbour.harbour, harbour.morgan, "data_exported", "user", harbour.morgan, {}),
        (harbour.riverside, harbour.morgan, "data_exported", "user", harbour.morgan, {}),
    ]
    # The log shows the download to each organisation's admins.
    with app.app_context():
        fran = db.session.get(User, harbour.fran)
    page = client_for(app, fran).get(f"/orgs/{harbour.harbour}/audit").get_data(as_text=True)
    assert "Downloaded their own data" in page and MORGAN["name"] in page


def test_the_data_page_explains_the_download_and_downloads_are_limited(app, harbour):
    with app.app_context():
        morgan = client_for(app, db.session.get(User, harbour.morgan))
    page = morgan.get("/account/data").get_data(as_text=True)
    assert "Download my data" in page and "anonymous check-ins" in page
    assert "/account/data" in morgan.get("/account").get_data(as_text=True)
    statuses = [morgan.post("/account/data").status_code for _ in range(11)]
    assert statuses == [200] * 10 + [429]


def test_the_export_reads_a_constant_number_of_queries(app, harbour, count_queries):
    """However much a person has, the file takes the same number of queries to build."""

    def build() -> int:
        with app.app_context(), count_queries() as counter:
            export.personal_data(db.session.get(User, harbour.morgan), utcnow())
        return counter.count

    few = build()
    with app.app_context():
        morgan = db.session.get(User, harbour.morgan)
        evening = db.session.get(Circle, harbour.evening)
        for days in range(3):
            f.dosing_session(morgan, utcnow() - timedelta(days=days))
        for _ in range(2):
            f.support_request(evening, morgan, "Another request")
    assert build() == few

"""The audit log names people and circles as the organisation's staff know them, never by a
number; a person whose account was deleted is "a deleted account"; its "Who" filter lists only
the people who did something in this organisation's log."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from circles.accounts.models import User
from circles.audit.models import AuditAction
from circles.audit.services import record
from circles.extensions import db
from circles.groups.models import CircleInvite, CircleMember
from circles.orgs.models import OrgMember
from circles.rights import erasure
from tests.conftest import client_for


def rows(page: str) -> list[tuple[str, str, str, str]]:
    """(who, what, which, details) of each entry, newest first."""
    body = page.split("<tbody>")[1].split("</tbody>")[0]
    found = []
    for row in body.split("</tr>")[:-1]:
        cells = [html.unescape(c) for c in re.findall(r"<td>(.*?)</td>", row, re.S)]
        found.append((cells[1], cells[2], cells[3], cells[4]))
    return found


def who_choices(page: str) -> list[str]:
    select_html = re.search(r'<select[^>]*name="actor".*?</select>', page, re.S).group(0)
    return [html.unescape(o) for o in re.findall(r"<option[^>]*>(.*?)</option>", select_html)]


@pytest.fixture
def harbour(app, make):
    """Ada owns Harbour Practice; Fran runs "Evening circle" with member Morgan (there "Mo");
    Cas is on the team. Each does something the log records, through the pages."""
    ada = make.create_user("Ada Admin")
    org = make.create_org("Harbour Practice", owner=ada)
    fran = make.create_user("Fran Facilitator")
    make.add_staff(org, fran)
    cas = make.create_user("Cas Cole")
    make.add_staff(org, cas)
    circle = make.create_circle(org, fran, "Evening circle")
    make.set_up_checkins(circle)
    morgan = make.create_user("Morgan Lee")
    make.add_member(circle, morgan, "Mo")
    base = f"/circles/{circle.id}"
    as_fran = client_for(app, fran)
    as_fran.post(f"{base}/invitations", data={"days": "7", "max_uses": "3"})
    with app.app_context():
        invite = db.session.scalars(select(CircleInvite)).one()
        mo = db.session.scalar(select(CircleMember).where(CircleMember.user_id == morgan.id))
        cas_staff = db.session.scalar(select(OrgMember).where(OrgMember.user_id == cas.id))
    as_fran.post(f"{base}/invitations/{invite.id}/revoke")
    as_fran.post(f"{base}/facilitators", data={"user_id": str(cas.id), "display_name": "Cas"})
    as_fran.post(f"{base}/members/{mo.id}/remove")
    assert client_for(app, cas).get(f"{base}/checkins/report").status_code == 200
    as_ada = client_for(app, ada)
    as_ada.post(f"/orgs/{org.id}/team/{cas_staff.id}/role", data={"role": "admin"})
    return {"ada": ada, "org": org, "fran": fran, "cas": cas, "circle": circle, "client": as_ada}


def log_page(harbour, **query) -> str:
    response = harbour["client"].get(f"/orgs/{harbour['org'].id}/audit", query_string=query)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_people_and_circles_are_named(harbour):
    assert rows(log_page(harbour)) == [
        ("Ada Admin", "Changed a team member's role", "Cas Cole", "role: facilitator to admin"),
        ("Cas Cole", "Viewed a check-in report", "Evening circle", ""),
        (
            "Fran Facilitator",
            "Removed a member from a circle",
            "Morgan Lee",
            "circle: Evening circle",
        ),
        ("Fran Facilitator", "Added a co-facilitator", "Cas Cole", "circle: Evening circle"),
        (
            "Fran Facilitator",
            "Withdrew a circle invitation link",
            "an invitation link to Evening circle",
            "circle: Evening circle",
        ),
        (
            "Fran Facilitator",
            "Made a circle invitation link",
            "an invitation link to Evening circle",
            "circle: Evening circle",
        ),
    ]


def test_no_entry_shows_an_id(harbour):
    cells = [cell for row in rows(log_page(harbour)) for cell in row]
    assert not any("#" in cell or "user" in cell or re.search(r"\d", cell) for cell in cells)


def test_team_invitations_and_settings_are_named_too(app, harbour):
    org_id = harbour["org"].id
    with app.app_context():
        record(org_id, harbour["ada"].id, AuditAction.STAFF_INVITED, "invite", 99, role="admin")
        record(org_id, harbour["ada"].id, AuditAction.SETTINGS_CHANGED, "organisation", org_id)
        db.session.commit()
    newest = rows(log_page(harbour))[:2]
    assert [which for _, _, which, _ in newest] == ["the organisation", "a team invitation link"]


def test_an_erased_person_is_a_deleted_account(app, harbour):
    with app.app_context():
        erasure.erase_account(db.session.get(User, harbour["cas"].id))
        db.session.commit()
    page = log_page(harbour)
    assert "Cas" not in page.split("<tbody>")[1]
    shown = rows(page)
    assert shown[0] == (
        "A deleted account",
        "An account was deleted at its owner's request",
        "a deleted account",
        "",
    )
    assert shown[1][:3] == ("Ada Admin", "Changed a team member's role", "a deleted account")
    assert shown[2][:3] == ("A deleted account", "Viewed a check-in report", "Evening circle")
    assert shown[4][2] == "a deleted account"  # the co-facilitator Fran added
    found = log_page(harbour, q="deleted account")
    assert "Entries (4)" in found


def test_the_search_finds_the_person_an_action_was_done_to(harbour):
    page = log_page(harbour, q="morgan")
    assert "Entries (1)" in page
    assert rows(page)[0][1:3] == ("Removed a member from a circle", "Morgan Lee")


def test_the_who_filter_lists_only_people_in_this_organisations_log(app, make, harbour):
    # Olly acts only in another organisation's log; Morgan and Cas's successor never acted here.
    olly = make.create_user("Olly Other")
    elsewhere = make.create_org("Elsewhere", owner=olly)
    make.add_staff(harbour["org"], make.create_user("Quiet Quinn"))
    with app.app_context():
        record(elsewhere.id, olly.id, AuditAction.SETTINGS_CHANGED, "organisation", elsewhere.id)
        db.session.commit()
    choices = who_choices(log_page(harbour))
    assert choices == ["Anyone", "Ada Admin", "Cas Cole", "Fran Facilitator"]
    with app.app_context():
        erasure.erase_account(db.session.get(User, harbour["cas"].id))
        db.session.commit()
    assert who_choices(log_page(harbour)) == ["Anyone", "Ada Admin", "Fran Facilitator"]


def test_two_people_of_the_same_name_are_told_apart_in_the_filter(app, make, harbour):
    other = make.create_user("Ada Admin", email="ada.two@example.org")
    make.add_staff(harbour["org"], other)
    with app.app_context():
        record(
            harbour["org"].id, other.id, AuditAction.REPORT_VIEWED, "circle", harbour["circle"].id
        )
        db.session.commit()
    choices = who_choices(log_page(harbour))
    assert "Ada Admin (ada.two@example.org)" in choices
    assert f"Ada Admin ({harbour['ada'].email})" in choices


def test_a_circle_of_another_organisation_is_never_named(app, make, harbour):
    olly = make.create_user("Olly Other")
    elsewhere = make.create_org("Elsewhere", owner=olly)
    foreign = make.create_circle(elsewhere, olly, "Secret circle")
    with app.app_context():
        org_id = harbour["org"].id
        record(org_id, harbour["ada"].id, AuditAction.REPORT_VIEWED, "circle", foreign.id)
        record(
            org_id,
            harbour["ada"].id,
            AuditAction.MEMBERS_INVITED,
            "invite",
            1,
            circle=foreign.id,
        )
        db.session.commit()
    page = log_page(harbour)
    assert "Secret circle" not in page
    assert rows(page)[0][2] == "an invitation link to a circle no longer kept"
    assert rows(page)[1][2] == "a circle no longer kept"

"""Organisation settings, the team, staff invitations and roles."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from circles.extensions import db
from circles.groups.models import CircleMember
from circles.orgs.models import Organisation, OrgInvite, OrgMember, OrgRole
from tests.conftest import login_as

SETTINGS = {
    "name": "Harbour Clinic",
    "anonymity_k": "6",
    "crisis_resources": "Call 999 in an emergency.",
}


def client_for(app, user):
    client = app.test_client()
    with app.app_context():
        login_as(client, user.id)
    return client


@pytest.fixture
def org(make):
    owner = make.create_user("Olive Owner")
    return owner, make.create_org("Clinic", owner=owner)


def test_admin_saves_settings(app, org):
    owner, organisation = org
    client = client_for(app, owner)
    assert client.post(f"/orgs/{organisation.id}/settings", data=SETTINGS).status_code == 302
    with app.app_context():
        saved = db.session.get(Organisation, organisation.id)
        assert (saved.name, saved.anonymity_k, saved.crisis_resources) == (
            "Harbour Clinic",
            6,
            "Call 999 in an emergency.",
        )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"anonymity_k": "2"}, "Choose a number from 3 to 50."),
        ({"anonymity_k": "three"}, "Enter a whole number."),
        ({"name": ""}, "Enter a name."),
        ({"crisis_resources": "x" * 4001}, "Field cannot be longer than 4000 characters."),
    ],
)
def test_bad_settings_are_refused_and_nothing_changes(app, org, change, message):
    owner, organisation = org
    client = client_for(app, owner)
    response = client.post(f"/orgs/{organisation.id}/settings", data={**SETTINGS, **change})
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    with app.app_context():
        saved = db.session.get(Organisation, organisation.id)
        assert (saved.name, saved.anonymity_k) == ("Clinic", 5)


def test_anonymity_floor_holds_in_the_database_too(app, org):
    _, organisation = org
    with app.app_context(), pytest.raises(Exception, match=r"(?i)check|constraint"):
        db.session.get(Organisation, organisation.id).anonymity_k = 2
        db.session.commit()


def _new_staff_link(client, org_id, **data):
    response = client.post(
        f"/orgs/{org_id}/invites",
        data={"role": "facilitator", "days": "7", "max_uses": "1", "email": "", **data},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    page = client.get(f"/orgs/{org_id}/team").get_data(as_text=True)
    start = page.index("http://circles.test/team/join/")
    return page[start : page.index('"', start)].removeprefix("http://circles.test")


def test_admin_invites_a_facilitator_who_joins_the_team(app, make, org):
    owner, organisation = org
    path = _new_staff_link(client_for(app, owner), organisation.id)
    newcomer = make.create_user("Nina New")
    guest = client_for(app, newcomer)
    assert "Join the team of Clinic" in guest.get(path).get_data(as_text=True)
    assert guest.post(path).headers["Location"] == f"/orgs/{organisation.id}"
    assert guest.get(f"/orgs/{organisation.id}/circles/new").status_code == 200
    with app.app_context():
        role = db.session.scalar(select(OrgMember.role).where(OrgMember.user_id == newcomer.id))
        assert role == OrgRole.FACILITATOR
    again = client_for(app, make.create_user())
    assert again.get(path).status_code == 410  # one use only


def test_staff_link_cannot_make_owners(app, org):
    owner, organisation = org
    client = client_for(app, owner)
    response = client.post(
        f"/orgs/{organisation.id}/invites",
        data={"role": "owner", "days": "7", "max_uses": "1", "email": ""},
    )
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OrgInvite)) == 0


def test_roles_change_but_one_owner_always_remains(app, make, org):
    owner, organisation = org
    colleague = make.create_user()
    staff = make.add_staff(organisation, colleague)
    client = client_for(app, owner)
    client.post(f"/orgs/{organisation.id}/team/{staff.id}/role", data={"role": "admin"})
    with app.app_context():
        own = db.session.scalar(select(OrgMember).where(OrgMember.user_id == owner.id))
        assert db.session.get(OrgMember, staff.id).role == OrgRole.ADMIN
    page = client.post(
        f"/orgs/{organisation.id}/team/{own.id}/role",
        data={"role": "facilitator"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "needs at least one owner" in page
    admin_client = client_for(app, colleague)
    page = admin_client.post(
        f"/orgs/{organisation.id}/team/{own.id}/remove", follow_redirects=True
    ).get_data(as_text=True)
    assert "Only an owner can remove an owner." in page
    with app.app_context():
        assert db.session.get(OrgMember, own.id).role == OrgRole.OWNER


def test_removing_staff_takes_them_off_circles_they_co_facilitate(app, make, org):
    owner, organisation = org
    colleague = make.create_user()
    staff = make.add_staff(organisation, colleague)
    circle = make.create_circle(organisation, colleague, "Solo")
    client = client_for(app, owner)
    page = client.post(
        f"/orgs/{organisation.id}/team/{staff.id}/remove", follow_redirects=True
    ).get_data(as_text=True)
    assert "only facilitator of Solo" in page
    make.add_facilitator(circle, owner, "Olive")
    client.post(f"/orgs/{organisation.id}/team/{staff.id}/remove")
    with app.app_context():
        assert db.session.get(OrgMember, staff.id) is None
        assert (
            db.session.scalar(select(CircleMember).where(CircleMember.user_id == colleague.id))
            is None
        )


def test_unknown_role_is_refused_and_nothing_changes(app, make, org):
    owner, organisation = org
    staff = make.add_staff(organisation, make.create_user())
    client = client_for(app, owner)
    page = client.post(
        f"/orgs/{organisation.id}/team/{staff.id}/role",
        data={"role": "overlord"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Choose one of the roles in the list." in page
    with app.app_context():
        assert db.session.get(OrgMember, staff.id).role == OrgRole.FACILITATOR

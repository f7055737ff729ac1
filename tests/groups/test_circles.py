"""Creating circles, inviting, joining, the roster, leaving and removal."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from circles.extensions import db
from circles.groups.models import Circle, CircleInvite, CircleMember, CircleRole
from circles.tokens import hash_token
from tests import factories as f
from tests.conftest import login_as

CIRCLE = {
    "name": "Tuesday circle",
    "description": "Eight weeks, small group.",
    "agreement": "What is said here stays here.",
    "capacity": "8",
    "facilitator_name": "Fran",
}


@pytest.fixture
def staffed(make):
    """An organisation with its owner, who facilitates one circle."""
    owner = make.create_user("Fran Facilitator")
    org = make.create_org("Practice", owner=owner)
    circle = make.create_circle(org, owner, "Circle One", capacity=3)
    return owner, org, circle


def rows(app, model, *where):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def test_facilitator_creates_a_circle_and_facilitates_it(app, client, make):
    owner = make.create_user()
    org = make.create_org(owner=owner)
    login_as_user(app, client, owner)
    response = client.post(f"/orgs/{org.id}/circles/new", data=CIRCLE)
    with app.app_context():
        circle = db.session.scalar(select(Circle))
        assert response.headers["Location"] == f"/circles/{circle.id}/next-steps"
        member = db.session.scalar(select(CircleMember))
        assert (circle.name, circle.capacity, circle.org_id) == ("Tuesday circle", 8, org.id)
        assert (member.user_id, member.role, member.display_name) == (
            owner.id,
            CircleRole.FACILITATOR,
            "Fran",
        )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": ""}, "Enter a name for the circle."),
        ({"name": "n" * 121}, "Field cannot be longer than 120 characters."),
        ({"agreement": "   "}, "Write the agreement members accept."),
        ({"capacity": "1"}, "Choose from 2 to 50."),
        ({"capacity": "many"}, "Not a valid integer value."),
        ({"facilitator_name": ""}, "Enter a name."),
    ],
)
def test_bad_circle_input_is_explained_and_nothing_is_saved(app, client, make, change, message):
    owner = make.create_user()
    org = make.create_org(owner=owner)
    login_as_user(app, client, owner)
    response = client.post(f"/orgs/{org.id}/circles/new", data={**CIRCLE, **change})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and message in page
    if "name" not in change:
        assert 'value="Tuesday circle"' in page
    assert rows(app, Circle) == 0


def login_as_user(app, client, user):
    with app.app_context():
        login_as(client, user.id)


def make_link(app, client, circle_id, **data):
    response = client.post(
        f"/circles/{circle_id}/invitations",
        data={"days": "7", "max_uses": "2", "email": "", **data},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    page = client.get(f"/circles/{circle_id}/invitations").get_data(as_text=True)
    start = page.index("http://circles.test/join/")
    link = page[start : page.index('"', start)]
    # Shown once only.
    assert link not in client.get(f"/circles/{circle_id}/invitations").get_data(as_text=True)
    return link.removeprefix("http://circles.test")


def test_invitation_token_is_stored_only_as_a_hash(app, client, staffed):
    owner, _, circle = staffed
    login_as_user(app, client, owner)
    path = make_link(app, client, circle.id)
    token = path.rsplit("/", 1)[1]
    with app.app_context():
        invite = db.session.scalar(select(CircleInvite))
        assert invite.token_hash == hash_token(token) and token not in invite.token_hash


def test_member_joins_through_the_link_after_accepting_the_agreement(app, client, make, staffed):
    owner, _, circle = staffed
    login_as_user(app, client, owner)
    path = make_link(app, client, circle.id)

    newcomer = make.create_user("Robin Quinn")
    guest = app.test_client()
    assert "Create an account" in guest.get(path).get_data(as_text=True)  # the invitation first
    login_as_user(app, guest, newcomer)
    page = guest.get(path).get_data(as_text=True)
    assert "What is shared here stays here." in page

    refused = guest.post(path, data={"display_name": "Robin"})
    assert refused.status_code == 400
    text = refused.get_data(as_text=True)
    assert "tick the box to accept" in text and 'value="Robin"' in text
    assert rows(app, CircleMember, CircleMember.user_id == newcomer.id) == 0

    joined = guest.post(path, data={"display_name": "Robin", "accept": "y"})
    assert joined.status_code == 302 and joined.headers["Location"] == f"/circles/{circle.id}"
    assert "You are <strong>Robin</strong> in this circle." in guest.get(
        joined.headers["Location"]
    ).get_data(as_text=True)
    home = guest.get("/").get_data(as_text=True)
    assert "Circle One" in home


def test_display_names_are_unique_within_a_circle(app, client, make, staffed):
    owner, _, circle = staffed
    make.add_member(circle, make.create_user(), "Robin")
    login_as_user(app, client, owner)
    path = make_link(app, client, circle.id)
    guest = app.test_client()
    login_as_user(app, guest, make.create_user())
    response = guest.post(path, data={"display_name": " robin ", "accept": "y"})
    assert "already uses that name" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "state", ["expired", "revoked", "used_up", "full", "archived", "wrong_email"]
)
def test_unusable_links_get_a_clear_page(app, client, make, staffed, state):
    owner, _, circle = staffed
    with app.app_context():
        invite, token = f.create_circle_invite(
            circle,
            owner,
            max_uses=1,
            email="invited@example.org" if state == "wrong_email" else None,
        )
        if state == "expired":
            f.expire(invite)
        elif state == "revoked":
            invite.revoked_at = invite.created_at
        elif state == "used_up":
            invite.uses = 1
        elif state == "archived":
            db.session.get(Circle, circle.id).archived_at = invite.created_at
        db.session.merge(invite)
        db.session.commit()
    if state == "full":
        for _ in range(3):
            make.add_member(circle, make.create_user())
    guest = app.test_client()
    login_as_user(app, guest, make.create_user())
    response = guest.get(f"/join/{token}")
    text = response.get_data(as_text=True)
    expected = {
        "expired": "has expired",
        "revoked": "was withdrawn",
        "used_up": "already been used",
        "full": "This circle is full",
        "archived": "no longer takes new members",
        "wrong_email": "made for a different email address",
    }[state]
    assert response.status_code == 410 and expected in text
    assert (
        guest.post(f"/join/{token}", data={"display_name": "X", "accept": "y"}).status_code == 410
    )
    assert rows(app, CircleMember, CircleMember.role == CircleRole.MEMBER) == (
        3 if state == "full" else 0
    )


def test_email_bound_link_works_for_that_email(app, make, staffed):
    owner, _, circle = staffed
    _, token = make.create_circle_invite(circle, owner, email="Invited@Example.org")
    guest = app.test_client()
    login_as_user(app, guest, make.create_user(email="invited@example.org"))
    assert (
        guest.post(f"/join/{token}", data={"display_name": "Ivy", "accept": "y"}).status_code == 302
    )


@pytest.mark.parametrize("token", ["", "x", "a" * 43, "a" * 500, "../../etc/passwd"])
def test_unknown_or_tampered_tokens_are_not_found(app, client, make, token):
    login_as_user(app, client, make.create_user())
    response = client.get(f"/join/{token}")
    assert response.status_code == 404


def test_link_uses_are_limited(app, client, make, staffed):
    owner, _, circle = staffed
    login_as_user(app, client, owner)
    path = make_link(app, client, circle.id, max_uses="1")
    first, second = app.test_client(), app.test_client()
    login_as_user(app, first, make.create_user())
    login_as_user(app, second, make.create_user())
    assert first.post(path, data={"display_name": "A", "accept": "y"}).status_code == 302
    assert second.post(path, data={"display_name": "B", "accept": "y"}).status_code == 410


def test_revoked_link_stops_working(app, client, make, staffed):
    owner, _, circle = staffed
    login_as_user(app, client, owner)
    path = make_link(app, client, circle.id)
    with app.app_context():
        invite_id = db.session.scalar(select(CircleInvite.id))
    client.post(f"/circles/{circle.id}/invitations/{invite_id}/revoke")
    guest = app.test_client()
    login_as_user(app, guest, make.create_user())
    assert "was withdrawn" in guest.get(path).get_data(as_text=True)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"days": "0"}, "Choose from 1 to 90 days."),
        ({"days": ""}, "Enter a number of days."),
        ({"max_uses": "1000"}, "Choose from 1 to 100 uses."),
        ({"email": "nope"}, "Enter a valid email address, or leave it empty."),
    ],
)
def test_bad_invitation_input(app, client, staffed, data, message):
    owner, _, circle = staffed
    login_as_user(app, client, owner)
    response = client.post(
        f"/circles/{circle.id}/invitations",
        data={"days": "7", "max_uses": "2", "email": "", **data},
    )
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert rows(app, CircleInvite) == 0


def test_roster_shows_members_only_display_names(app, make, staffed):
    owner, _, circle = staffed
    member = make.create_user("Secret Surname", email="private@example.org")
    make.add_member(circle, member, "Sky")
    viewer = app.test_client()
    login_as_user(app, viewer, member)
    page = viewer.get(f"/circles/{circle.id}/roster").get_data(as_text=True)
    assert "Sky" in page and "Fran" in page
    assert "private@example.org" not in page and "Secret Surname" not in page
    facilitator = app.test_client()
    login_as_user(app, facilitator, owner)
    page = facilitator.get(f"/circles/{circle.id}/roster").get_data(as_text=True)
    assert "private@example.org" in page and "Sky" in page


def test_co_facilitator_from_the_team(app, make, staffed):
    owner, org, circle = staffed
    colleague = make.create_user("Cleo Colleague")
    make.add_staff(org, colleague)
    outsider = make.create_user("Out Sider")
    client = app.test_client()
    login_as_user(app, client, owner)
    assert "Cleo Colleague" in client.get(f"/circles/{circle.id}/roster").get_data(as_text=True)
    client.post(
        f"/circles/{circle.id}/facilitators", data={"user_id": str(outsider.id), "display_name": ""}
    )
    assert rows(app, CircleMember, CircleMember.user_id == outsider.id) == 0
    client.post(
        f"/circles/{circle.id}/facilitators",
        data={"user_id": str(colleague.id), "display_name": "Cleo"},
    )
    with app.app_context():
        added = db.session.scalar(select(CircleMember).where(CircleMember.user_id == colleague.id))
        assert (added.role, added.display_name) == (CircleRole.FACILITATOR, "Cleo")


def test_last_facilitator_cannot_leave_or_be_removed(app, make, staffed):
    owner, _, circle = staffed
    client = app.test_client()
    login_as_user(app, client, owner)
    with app.app_context():
        own = db.session.scalar(select(CircleMember.id).where(CircleMember.user_id == owner.id))
    response = client.post(f"/circles/{circle.id}/leave", follow_redirects=True)
    assert "needs at least one facilitator" in response.get_data(as_text=True)
    client.post(f"/circles/{circle.id}/members/{own}/remove")
    assert rows(app, CircleMember, CircleMember.id == own) == 1


def test_member_leaves_and_facilitator_removes(app, make, staffed):
    owner, _, circle = staffed
    leaver, removed = make.create_user(), make.create_user()
    make.add_member(circle, leaver, "Lee")
    gone = make.add_member(circle, removed, "Rem")
    client = app.test_client()
    login_as_user(app, client, leaver)
    assert client.post(f"/circles/{circle.id}/leave").headers["Location"] == "/"
    assert client.get(f"/circles/{circle.id}").status_code == 404
    facilitator = app.test_client()
    login_as_user(app, facilitator, owner)
    facilitator.post(f"/circles/{circle.id}/members/{gone.id}/remove")
    assert rows(app, CircleMember, CircleMember.role == CircleRole.MEMBER) == 0


def test_edit_and_archive(app, make, staffed):
    owner, _, circle = staffed
    member = make.create_user()
    make.add_member(circle, member, "Mel")
    make.add_member(circle, make.create_user(), "Max")
    client = app.test_client()
    login_as_user(app, client, owner)
    data = {"name": "Renamed", "description": "", "agreement": "New terms.", "capacity": "2"}
    assert client.post(f"/circles/{circle.id}/edit", data=data).status_code == 302
    too_small = client.post(f"/circles/{circle.id}/edit", data={**data, "capacity": "1"})
    assert "Choose from 2 to 50." in too_small.get_data(as_text=True)
    client.post(f"/circles/{circle.id}/archive")
    page = client.get(f"/circles/{circle.id}").get_data(as_text=True)
    assert "This circle is archived" in page and "Renamed" in page
    refused = client.post(
        f"/circles/{circle.id}/invitations", data={"days": "7", "max_uses": "1", "email": ""}
    )
    assert "archived" in refused.get_data(as_text=True)
    client.post(f"/circles/{circle.id}/restore")
    with app.app_context():
        assert db.session.get(Circle, circle.id).archived_at is None

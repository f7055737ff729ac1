"""The invitation is never lost: a logged-out person sees the invitation, and however they then
sign up or log in, they arrive at the join step of that circle."""

from __future__ import annotations

import re

import pyotp
import pytest
from flask.testing import FlaskClient

from circles.db import utcnow
from circles.extensions import db
from circles.groups.models import Circle
from tests import factories as f
from tests.accounts.test_signup import confirm_link

NEWCOMER = {
    "display_name": "Maria Lind",
    "email": "maria@example.org",
    "password": "a long enough password",
    "confirm": "a long enough password",
    "timezone": "Europe/Berlin",
    "account_kind": "member",
}


@pytest.fixture
def invitation(make):
    """A circle facilitated by "Fran" and "Sol" (their circle names), and a link to it."""
    owner = make.create_user("Frances Oakley-Account")
    org = make.create_org("Practice", owner=owner)
    circle = make.create_circle(org, owner, "Tuesday circle")
    make.add_facilitator(circle, make.create_user("Solveig Account"), "Sol")
    invite, token = make.create_circle_invite(circle, owner)
    return circle, invite, f"/join/{token}"


def test_a_logged_out_person_sees_which_circle_who_facilitates_and_what_joining_means(
    client, invitation
):
    _, _, path = invitation
    response = client.get(path)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Tuesday circle" in page
    assert re.search(r"Facilitated by <strong>\w+</strong> and <strong>Sol</strong>", page)
    assert "Oakley-Account" not in page and "Solveig Account" not in page  # circle names only
    assert "What joining means" in page and "leave the circle at any time" in page
    assert "Create an account" in page and "I already have an account" in page
    assert "I have read the circle agreement" not in page  # the agreement comes at the join step


def test_the_facilitators_are_listed_the_way_the_page_language_lists_them(client, invitation):
    _, _, path = invitation
    german = client.get(path, headers={"Accept-Language": "de-DE,de;q=0.9"}).get_data(as_text=True)
    assert re.search(r"<strong>\w+</strong> und <strong>Sol</strong>", german)
    spanish = client.get(path, headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert re.search(r"<strong>\w+</strong> y <strong>Sol</strong>", spanish)


def test_facilitator_names_stay_text(client, make):
    owner = make.create_user("Fran")
    org = make.create_org("Practice", owner=owner)
    circle = make.create_circle(org, owner, "Tuesday circle")
    make.add_facilitator(circle, make.create_user("Other"), "<b>Bo</b>")
    _, token = make.create_circle_invite(circle, owner)
    page = client.get(f"/join/{token}").get_data(as_text=True)
    assert "<strong>&lt;b&gt;Bo&lt;/b&gt;</strong>" in page and "<b>Bo</b>" not in page


@pytest.mark.parametrize("state", ["unknown", "expired", "revoked", "used_up", "archived", "full"])
def test_an_unusable_link_shows_nothing_of_the_circle(app, client, make, invitation, state):
    circle, invite, path = invitation
    with app.app_context():
        invite = db.session.merge(invite)
        if state == "expired":
            f.expire(invite)
        elif state == "revoked":
            invite.revoked_at = utcnow()
        elif state == "used_up":
            invite.uses = invite.max_uses
        elif state == "archived":
            db.session.get(Circle, circle.id).archived_at = utcnow()
        elif state == "full":
            db.session.get(Circle, circle.id).capacity = 2
        db.session.commit()
    if state == "full":
        make.add_member(circle, make.create_user())
        make.add_member(circle, make.create_user())
    response = client.get("/join/not-a-real-token" if state == "unknown" else path)
    page = response.get_data(as_text=True)
    assert response.status_code == (404 if state == "unknown" else 410)
    assert "This invitation cannot be used" in page
    assert "Tuesday circle" not in page and "Sol" not in page
    # Nor does it lead anyone on after they log in.
    user = make.create_user()
    after = client.post("/login", data={"email": user.email, "password": f.PASSWORD})
    assert after.headers["Location"] == "/"


def sign_up_and_confirm(client: FlaskClient, outbox, signup_path: str = "/signup") -> str:
    """Sign up (as the form is sent), open the mailed link, confirm; where it leads."""
    assert client.post(signup_path, data=NEWCOMER).status_code == 302
    link = confirm_link(outbox[-1])
    confirmed = client.post(link, data={"password": NEWCOMER["password"]})
    assert confirmed.status_code == 302
    return str(confirmed.headers["Location"])


def test_signing_up_through_the_invitations_button_arrives_at_the_join_step(
    client, outbox, invitation
):
    _, _, path = invitation
    client.get(path)
    assert sign_up_and_confirm(client, outbox, f"/signup?next={path}") == path
    assert "Join Tuesday circle" in client.get(path).get_data(as_text=True)


def test_signing_up_through_the_headers_link_arrives_at_the_join_step(client, outbox, invitation):
    _, _, path = invitation
    client.get(path)
    form = client.get("/signup").get_data(as_text=True)  # the header's link: no next
    assert "you go straight on to your invitation" in form
    assert sign_up_and_confirm(client, outbox) == path


def test_a_form_error_on_sign_up_keeps_the_invitation(client, outbox, invitation):
    _, _, path = invitation
    client.get(path)
    refused = client.post("/signup", data={**NEWCOMER, "confirm": "something else"})
    assert refused.status_code == 200 and outbox == []
    assert sign_up_and_confirm(client, outbox) == path


def test_confirming_the_email_in_another_browser_still_arrives_at_the_join_step(
    app, client, outbox, invitation
):
    _, _, path = invitation
    client.get(path)
    client.post("/signup", data=NEWCOMER)  # the header's link: no next in the URL
    other_browser = app.test_client()  # the mail opened on a phone
    link = confirm_link(outbox[-1])
    confirmed = other_browser.post(link, data={"password": NEWCOMER["password"]})
    assert confirmed.headers["Location"] == path


def test_logging_in_through_the_headers_link_arrives_at_the_join_step(client, make, invitation):
    _, _, path = invitation
    user = make.create_user()
    assert "go straight on to your invitation" not in client.get("/login").get_data(as_text=True)
    client.get(path)
    assert "go straight on to your invitation" in client.get("/login").get_data(as_text=True)
    response = client.post("/login", data={"email": user.email, "password": f.PASSWORD})
    assert response.headers["Location"] == path
    # It leads on once: the next login goes home as usual.
    client.post("/logout")
    again = client.post("/login", data={"email": user.email, "password": f.PASSWORD})
    assert again.headers["Location"] == "/"


def test_a_wrong_password_then_the_right_one_arrives_at_the_join_step(client, make, invitation):
    _, _, path = invitation
    user = make.create_user()
    client.get(path)
    wrong = client.post("/login", data={"email": user.email, "password": "not it at all"})
    assert wrong.status_code == 200 and "do not match an account" in wrong.get_data(as_text=True)
    right = client.post("/login", data={"email": user.email, "password": f.PASSWORD})
    assert right.headers["Location"] == path


def test_two_step_sign_in_arrives_at_the_join_step(client, make, invitation):
    _, _, path = invitation
    user = make.create_user()
    secret, _ = make.enrol_second_factor(user)
    client.get(path)
    first = client.post("/login", data={"email": user.email, "password": f.PASSWORD})
    assert first.headers["Location"].startswith("/login/code")
    wrong = client.post("/login/code", data={"code": "000000"})
    assert wrong.status_code == 400
    code = pyotp.TOTP(secret).now()
    second = client.post("/login/code", data={"code": code})
    assert second.headers["Location"] == path


def test_a_password_reset_arrives_at_the_join_step(client, make, outbox, invitation):
    _, _, path = invitation
    user = make.create_user()
    client.get(path)
    client.post("/password/forgot", data={"email": user.email})
    link = re.search(r"http://circles\.test(/password/reset/\S+)", outbox[-1].body)
    assert link
    reset = client.post(
        link.group(1), data={"password": "a brand new password", "confirm": "a brand new password"}
    )
    assert reset.headers["Location"] == path


def test_only_a_path_of_this_site_is_kept(client, make):
    """A crafted session value cannot send anyone off the site after logging in."""
    user = make.create_user()
    with client.session_transaction() as session:
        session["pending_invitation"] = {"path": "//evil.example/join/x", "until": 2**40}
    response = client.post("/login", data={"email": user.email, "password": f.PASSWORD})
    assert response.headers["Location"] == "/"


def test_the_invitation_waits_a_day_at_most(client, make, invitation):
    _, _, path = invitation
    user = make.create_user()
    client.get(path)
    with client.session_transaction() as session:
        session["pending_invitation"] = {**session["pending_invitation"], "until": 1}
    response = client.post("/login", data={"email": user.email, "password": f.PASSWORD})
    assert response.headers["Location"] == "/"


def test_a_team_invitation_is_shown_and_leads_on_after_logging_in(client, make):
    owner = make.create_user()
    org = make.create_org("Riverside practice", owner=owner)
    _, token = make.create_staff_invite(org, owner)
    path = f"/team/join/{token}"
    page = client.get(path).get_data(as_text=True)
    assert "Riverside practice" in page and "Create an account" in page
    user = make.create_user()
    response = client.post("/login", data={"email": user.email, "password": f.PASSWORD})
    assert response.headers["Location"] == path
    assert "Join Riverside practice" in client.get(path).get_data(as_text=True)


def test_an_unusable_team_invitation_shows_nothing_of_the_organisation(app, client, make):
    owner = make.create_user()
    org = make.create_org("Riverside practice", owner=owner)
    invite, token = make.create_staff_invite(org, owner)
    with app.app_context():
        f.expire(db.session.merge(invite))
    response = client.get(f"/team/join/{token}")
    assert response.status_code == 410
    assert "Riverside practice" not in response.get_data(as_text=True)

"""Sign-up with a confirmed email: one answer for every address, an account only once confirmed."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select

from circles.accounts.models import SignupRequest, User
from circles.db import utcnow
from circles.extensions import db
from circles.orgs.models import Organisation, OrgMember, OrgRole
from circles.retention import purge
from tests import factories as f
from tests.accounts.test_accounts import SIGNUP

SENT = "/signup/check-your-inbox"
CHOSEN = {"password": SIGNUP["password"]}


def count(app: Flask, model: type) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model)) or 0


def confirm_link(mail) -> str:
    match = re.search(r"http://circles\.test(/signup/confirm/\S+)", mail.body)
    assert match, mail.body
    return match.group(1)


def test_a_new_address_gets_a_link_and_the_account_is_made_only_when_it_is_used(
    client, app, outbox
):
    response = client.post("/signup", data=SIGNUP)
    assert response.status_code == 302 and response.headers["Location"] == SENT
    page = client.get(SENT).get_data(as_text=True)
    assert "Check your inbox" in page and "jo@example.org" in page
    assert count(app, User) == 0  # nothing usable yet
    (mail,) = outbox
    assert mail.to == "jo@example.org"
    link = confirm_link(mail)

    # Logging in before confirming fails like any wrong password.
    refused = client.post("/login", data={"email": SIGNUP["email"], "password": SIGNUP["password"]})
    assert "do not match an account" in refused.get_data(as_text=True)

    # Opening the link (as a mail scanner would, twice) makes nothing; the button does.
    for _ in range(2):
        shown = client.get(link)
        assert shown.status_code == 200 and "Confirm and open my account" in shown.get_data(
            as_text=True
        )
    wrong = client.post(link, data={"password": "not the one chosen"})
    assert wrong.status_code == 400
    assert "not the password you chose" in wrong.get_data(as_text=True)
    assert count(app, User) == 0
    confirmed = client.post(link, data=CHOSEN)
    assert confirmed.status_code == 302 and confirmed.headers["Location"] == "/"
    assert "Hello, Jo River" in client.get("/").get_data(as_text=True)
    with app.app_context():
        user = db.session.scalar(select(User))
        assert user.email == "jo@example.org" and user.timezone == "Europe/London"
        assert user.password_hash.startswith("$argon2id$")
        assert db.session.scalar(select(func.count()).select_from(OrgMember)) == 0
    assert count(app, SignupRequest) == 0
    # The link works once.
    again = app.test_client().get(link)
    assert again.status_code == 404
    assert "does not work any more" in again.get_data(as_text=True)


def test_an_address_with_an_account_gets_the_same_answer_and_a_note_instead(
    client, app, make, outbox
):
    existing = make.create_user(email="jo@example.org", name="Jo")
    response = client.post("/signup", data=SIGNUP)
    assert response.status_code == 302 and response.headers["Location"] == SENT
    taken_page = client.get(SENT).get_data(as_text=True)

    fresh = app.test_client()
    fresh.post("/signup", data={**SIGNUP, "email": "Al@Example.org"})
    new_page = fresh.get(SENT).get_data(as_text=True)

    # Word for word the same page, but for the address typed (and each browser's own CSRF
    # token in the language switcher's form).
    def plain(page: str, address: str) -> str:
        page = re.sub(r'name="csrf_token" value="[^"]+"', "TOKEN", page)
        return page.replace(address, "ADDRESS")

    assert plain(taken_page, "jo@example.org") == plain(new_page, "al@example.org")

    note = next(m for m in outbox if m.to == "jo@example.org")
    assert "has an account already" in note.body
    assert "/signup/confirm/" not in note.body
    assert "http://circles.test/login" in note.body
    assert "http://circles.test/password/forgot" in note.body
    assert count(app, User) == 1
    with app.app_context():
        assert db.session.scalar(select(SignupRequest.email)) == "al@example.org"
    # The owner's password is untouched.
    assert (
        app.test_client()
        .post("/login", data={"email": existing.email, "password": f.PASSWORD})
        .status_code
        == 302
    )


def test_a_facilitator_gets_their_practice_once_confirmed(client, app, outbox):
    client.post("/signup", data={**SIGNUP, "account_kind": "facilitator"})
    assert count(app, Organisation) == 0
    client.post(confirm_link(outbox[0]), data=CHOSEN)
    with app.app_context():
        org = db.session.scalar(select(Organisation))
        assert org.personal and org.name == "Jo River's practice"
        assert db.session.scalar(select(OrgMember.role)) == OrgRole.OWNER
    assert "Jo River&#39;s practice" in client.get("/").get_data(as_text=True)


def test_the_invitation_a_person_came_from_opens_after_confirming(client, outbox):
    response = client.post("/signup?next=/join/abc", data=SIGNUP)
    assert response.headers["Location"] == SENT
    confirmed = client.post(confirm_link(outbox[0]), data=CHOSEN)
    assert confirmed.headers["Location"] == "/join/abc"


def test_an_off_site_next_is_never_kept(client, outbox):
    client.post("/signup?next=https://evil.example/", data=SIGNUP)
    assert client.post(confirm_link(outbox[0]), data=CHOSEN).headers["Location"] == "/"


def test_the_second_link_of_an_address_finds_the_account_made_by_the_first(client, app, outbox):
    client.post("/signup", data=SIGNUP)
    client.post("/signup", data={**SIGNUP, "display_name": "Jo R."})
    first, second = (confirm_link(m) for m in outbox)
    assert count(app, SignupRequest) == 2
    assert client.post(second, data=CHOSEN).status_code == 302
    assert count(app, SignupRequest) == 0  # every link of the address stops working
    other = app.test_client()
    assert other.get(first).status_code == 404
    with app.app_context():
        assert db.session.scalar(select(User.display_name)) == "Jo R."


def test_a_link_made_while_the_address_got_an_account_sends_to_login(client, app, make, outbox):
    client.post("/signup", data=SIGNUP)
    link = confirm_link(outbox[0])
    make.create_user(email="jo@example.org")  # e.g. an operator made it meanwhile
    response = client.post(link, data=CHOSEN)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert count(app, User) == 1 and count(app, SignupRequest) == 0


def test_links_expire_and_the_purge_removes_them(client, app, outbox):
    client.post("/signup", data=SIGNUP)
    link = confirm_link(outbox[0])
    with app.app_context():
        pending = db.session.scalar(select(SignupRequest))
        pending.created_at -= timedelta(hours=app.config["CIRCLES_SIGNUP_CONFIRM_HOURS"] + 1)
        db.session.commit()
    assert client.get(link).status_code == 404
    assert client.post(link, data=CHOSEN).status_code == 404
    assert count(app, User) == 0
    with app.app_context():
        purged = purge(utcnow())
        db.session.commit()
    assert purged.signups == 1 and "Unconfirmed sign-ups deleted: 1." in purged.lines()
    assert count(app, SignupRequest) == 0


def test_no_inbox_can_be_flooded_through_the_form(app, outbox):
    for n in range(6):
        visitor = app.test_client()
        response = visitor.post(
            "/signup", data=SIGNUP, environ_base={"REMOTE_ADDR": f"198.51.100.{n + 1}"}
        )
        assert response.headers["Location"] == SENT  # the same answer every time
    assert len(outbox) == 3  # CIRCLES_ACCOUNT_MAIL_LIMIT: 3 an hour to one address
    assert count(app, SignupRequest) == 3


@pytest.mark.parametrize("field", ["display_name", "email"])
def test_bad_input_keeps_what_was_typed_and_sends_nothing(client, app, outbox, field):
    bad = {"display_name": "", "email": "not-an-email"}[field]
    response = client.post("/signup", data={**SIGNUP, field: bad})
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.get_data(as_text=True)
    assert outbox == [] and count(app, SignupRequest) == 0


def test_whoever_signs_up_with_someone_elses_address_cannot_have_them_confirm_it(app, outbox):
    attacker = app.test_client()
    attacker.post(
        "/signup?next=/join/attackers-circle",
        data={**SIGNUP, "email": "victim@example.org"},
        environ_base={"REMOTE_ADDR": "198.51.100.66"},
    )
    link = confirm_link(outbox[0])
    victim = app.test_client()
    # The victim, thinking it is her own sign-up, presses the button with her own password.
    response = victim.post(link, data={"password": "the victim's own password"})
    assert response.status_code == 400
    assert count(app, User) == 0
    # Nor can the attacker's own link, sent to someone, log them in to the attacker's account.
    assert victim.post(link, data={}).status_code == 400
    assert count(app, User) == 0


def test_the_page_to_open_next_is_sealed_and_a_long_one_is_dropped(client, app, outbox):
    invitation = "/join/Invitation0Token0That0Is0Long0Enough0x"
    client.post(f"/signup?next={invitation}", data=SIGNUP)
    with app.app_context():
        row = db.session.scalar(select(SignupRequest))
        assert invitation.encode() not in (row.sealed_next or b"")
        assert b"Invitation0Token" not in repr(row.__dict__).encode()
    assert client.post(confirm_link(outbox[0]), data=CHOSEN).headers["Location"] == invitation

    other = app.test_client()
    other.post(f"/signup?next=/join/{'x' * 600}", data={**SIGNUP, "email": "al@example.org"})
    assert other.post(confirm_link(outbox[1]), data=CHOSEN).headers["Location"] == "/"


def test_plus_addresses_and_gmail_dots_count_as_one_inbox(app, outbox):
    for n, email in enumerate(
        [
            "jo@gmail.com",
            "j.o@gmail.com",
            "jo+1@gmail.com",
            "J.O+2@googlemail.com",
            "jo+3@gmail.com",
        ]
    ):
        app.test_client().post(
            "/signup",
            data={**SIGNUP, "email": email},
            environ_base={"REMOTE_ADDR": f"198.51.100.{n + 1}"},
        )
    assert len(outbox) == 3


def test_confirming_in_a_browser_where_someone_else_is_logged_in_ends_their_login(
    client, app, make, outbox
):
    from circles.accounts.models import AuthSession
    from tests.conftest import client_for

    other = make.create_user()
    browser = client_for(app, other)
    client.post("/signup", data=SIGNUP)
    assert count(app, AuthSession) == 1
    browser.post(confirm_link(outbox[0]), data=CHOSEN)
    assert "Hello, Jo River" in browser.get("/").get_data(as_text=True)
    with app.app_context():
        owners = db.session.scalars(select(AuthSession.user_id)).all()
    assert other.id not in owners

"""Sign-up, login, logout, password reset and change, as people use them."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from sqlalchemy import func, select

from circles.accounts import services
from circles.accounts.models import AuthSession, SignupRequest, User
from circles.extensions import db
from tests import factories as f

SIGNUP = {
    "display_name": "Jo River",
    "email": "Jo@Example.org",
    "password": "a long enough password",
    "confirm": "a long enough password",
    "timezone": "Europe/London",
    "account_kind": "member",
}


def count(app: Flask, model: type) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model)) or 0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"display_name": ""}, "Enter a name."),
        ({"display_name": "x" * 81}, "Field cannot be longer than 80 characters."),
        ({"email": "not-an-email"}, "Enter a valid email address"),
        ({"email": ""}, "Enter your email address."),
        ({"password": "short", "confirm": "short"}, "Use between 10 and 200 characters."),
        ({"confirm": "something else entirely"}, "The passwords differ."),
        ({"timezone": "Mars/Olympus_Mons"}, "Choose a time zone from the list."),
        ({"account_kind": "overlord"}, "Not a valid choice"),
    ],
)
def test_bad_sign_up_keeps_input_and_saves_nothing(client, app, change, message):
    response = client.post("/signup", data={**SIGNUP, **change})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in page
    assert 'aria-invalid="true"' in page
    if "display_name" not in change:
        assert 'value="Jo River"' in page  # what the person typed is still there
    assert count(app, User) == 0
    assert count(app, SignupRequest) == 0


def test_login_and_generic_error(client, make):
    user = make.create_user(email="sam@example.org")
    wrong_password = client.post("/login", data={"email": user.email, "password": "nope nope nope"})
    unknown_email = client.post(
        "/login", data={"email": "who@example.org", "password": "nope nope"}
    )
    for response in (wrong_password, unknown_email):
        assert response.status_code == 200
        assert "That email and password do not match an account." in response.get_data(as_text=True)
    ok = client.post(
        "/login?next=/account", data={"email": "SAM@example.org", "password": f.PASSWORD}
    )
    assert ok.status_code == 302 and ok.headers["Location"] == "/account"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example"])
def test_login_never_redirects_off_site(client, make, target):
    user = make.create_user()
    response = client.post(
        f"/login?next={target}", data={"email": user.email, "password": f.PASSWORD}
    )
    assert response.headers["Location"] == "/"


def test_logout_revokes_the_session_even_if_the_cookie_is_replayed(client, app, make):
    user = make.create_user()
    client.post("/login", data={"email": user.email, "password": f.PASSWORD})
    cookie = client.get_cookie("circles_session").value
    assert client.get("/account").status_code == 200
    client.post("/logout")
    assert client.get("/account").status_code == 302
    replay = app.test_client()
    replay.set_cookie("circles_session", cookie)
    response = replay.get("/account")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert count(app, AuthSession) == 0


def test_password_change_logs_out_every_other_browser(app, make):
    user = make.create_user()
    laptop, phone = app.test_client(), app.test_client()
    for browser in (laptop, phone):
        browser.post("/login", data={"email": user.email, "password": f.PASSWORD})
    old_cookie = laptop.get_cookie("circles_session").value
    response = laptop.post(
        "/account/password",
        data={
            "current_password": f.PASSWORD,
            "password": "a brand new password",
            "confirm": "a brand new password",
        },
    )
    assert response.status_code == 302
    assert laptop.get("/account").status_code == 200  # this browser stays in
    assert phone.get("/account").status_code == 302  # the other one is out
    replay = app.test_client()
    replay.set_cookie("circles_session", old_cookie)
    assert replay.get("/account").status_code == 302
    assert laptop.post("/logout").status_code == 302
    fresh = app.test_client()
    login = fresh.post("/login", data={"email": user.email, "password": "a brand new password"})
    assert login.status_code == 302


def test_password_change_needs_the_current_password(client, app, make):
    user = make.create_user()
    client.post("/login", data={"email": user.email, "password": f.PASSWORD})
    response = client.post(
        "/account/password",
        data={
            "current_password": "wrong wrong",
            "password": "a brand new one",
            "confirm": "a brand new one",
        },
    )
    assert "That is not your current password." in response.get_data(as_text=True)
    with app.app_context():
        assert services.check_password(db.session.get(User, user.id), f.PASSWORD)


def _reset_link(outbox) -> str:
    (mail,) = outbox
    match = re.search(r"http://circles\.test(/password/reset/\S+)", mail.body)
    assert match
    return match.group(1)


def test_password_reset_by_emailed_link_works_once(client, app, make, outbox):
    user = make.create_user(email="kai@example.org")
    other = app.test_client()
    other.post("/login", data={"email": user.email, "password": f.PASSWORD})

    response = client.post("/password/forgot", data={"email": "KAI@example.org"})
    assert response.status_code == 302
    path = _reset_link(outbox)
    assert outbox[0].to == "kai@example.org"

    assert client.get(path).status_code == 200
    done = client.post(path, data={"password": "my new password!", "confirm": "my new password!"})
    assert done.status_code == 302
    assert client.get("/account").status_code == 200
    assert other.get("/account").status_code == 302  # older sessions ended
    again = client.get(path)
    assert again.status_code == 404 and "does not work any more" in again.get_data(as_text=True)


def test_password_reset_for_unknown_email_says_the_same_and_sends_nothing(client, outbox):
    response = client.post(
        "/password/forgot", data={"email": "nobody@example.org"}, follow_redirects=True
    )
    assert "If an account uses that address" in response.get_data(as_text=True)
    assert outbox == []


def test_tampered_reset_token_is_refused(client, make, outbox):
    make.create_user(email="kai@example.org")
    client.post("/password/forgot", data={"email": "kai@example.org"})
    path = _reset_link(outbox)
    tampered = path[:-3] + ("aaa" if not path.endswith("aaa") else "bbb")
    response = client.post(
        tampered, data={"password": "my new password!", "confirm": "my new password!"}
    )
    assert response.status_code == 404


def test_profile_update_and_bad_input(client, app, make):
    user = make.create_user("Old Name")
    client.post("/login", data={"email": user.email, "password": f.PASSWORD})
    bad = client.post("/account", data={"display_name": "", "timezone": "Nowhere/Land"})
    page = bad.get_data(as_text=True)
    assert "Enter a name." in page and "Choose a time zone from the list." in page
    ok = client.post("/account", data={"display_name": "New Name", "timezone": "Asia/Kolkata"})
    assert ok.status_code == 302
    with app.app_context():
        saved = db.session.get(User, user.id)
        assert (saved.display_name, saved.timezone) == ("New Name", "Asia/Kolkata")


def test_time_zone_picker_offers_real_iana_zones_grouped_by_region(client):
    page = client.get("/signup").get_data(as_text=True)
    assert '<optgroup label="America">' in page
    assert '<option value="America/New_York">New York</option>' in page
    assert 'value="Asia/Kolkata"' in page


def test_login_is_throttled_per_account(client, app, make):
    user = make.create_user()
    for _ in range(5):
        assert (
            client.post("/login", data={"email": user.email, "password": "wrong guess"}).status_code
            == 200
        )
    blocked = client.post("/login", data={"email": user.email, "password": f.PASSWORD})
    assert blocked.status_code == 429
    assert "Too many attempts" in blocked.get_data(as_text=True)
    # Another account from the same address is not locked out by it.
    other = make.create_user()
    assert (
        client.post("/login", data={"email": other.email, "password": f.PASSWORD}).status_code
        == 302
    )


def test_login_sessions_end_after_the_maximum_age(app, client, make):
    from datetime import timedelta

    user = make.create_user()
    client.post("/login", data={"email": user.email, "password": f.PASSWORD})
    assert client.get("/account").status_code == 200
    with app.app_context():
        session = db.session.scalar(select(AuthSession))
        session.created_at -= timedelta(days=app.config["CIRCLES_SESSION_MAX_DAYS"] + 1)
        db.session.commit()
    assert client.get("/account").status_code == 302
    assert count(app, AuthSession) == 0


def test_password_change_attempts_are_limited(client, make):
    user = make.create_user()
    client.post("/login", data={"email": user.email, "password": f.PASSWORD})
    wrong = {
        "current_password": "guess guess",
        "password": "new password 1",
        "confirm": "new password 1",
    }
    statuses = [client.post("/account/password", data=wrong).status_code for _ in range(11)]
    assert statuses[:10] == [200] * 10 and statuses[10] == 429


def test_bad_reset_and_forgot_input_changes_nothing(client, app, make, outbox):
    user = make.create_user(email="kai@example.org")
    bad_email = client.post("/password/forgot", data={"email": "kai-at-example"})
    assert "Enter a valid email address" in bad_email.get_data(as_text=True) and outbox == []
    client.post("/password/forgot", data={"email": "kai@example.org"})
    path = _reset_link(outbox)
    short = client.post(path, data={"password": "short", "confirm": "short"})
    differ = client.post(path, data={"password": "long enough one", "confirm": "long enough two"})
    assert "Use between 10 and 200 characters." in short.get_data(as_text=True)
    assert "The passwords differ." in differ.get_data(as_text=True)
    with app.app_context():
        assert services.check_password(db.session.get(User, user.id), f.PASSWORD)
    assert client.get(path).status_code == 200  # the link still works for a good attempt

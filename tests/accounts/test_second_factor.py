"""Two-step sign-in, as people use it: set up, log in with a code, wrong codes, recovery codes,
replays, the organisation's policy, turning it off, a lost phone."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from circles.accounts import second_factor
from circles.accounts.models import AuthSession, RecoveryCode, TotpCredential, User
from circles.audit.models import AuditAction, AuditEntry
from circles.db import utcnow
from circles.extensions import db
from circles.orgs.models import Organisation
from tests import factories as f
from tests.conftest import client_for


def is_enrolled(app: Flask, user: User) -> bool:
    with app.app_context():
        return second_factor.is_enrolled(user.id)


def now_code(secret: str, steps: int = 0) -> str:
    """The code the person's app shows now (or ``steps`` half-minutes from now)."""
    return pyotp.TOTP(secret).at(utcnow() + timedelta(seconds=30 * steps))


def log_in_with_password(client: FlaskClient, user: User, next_url: str = "") -> str:
    """The first step; returns where it sends the browser."""
    path = f"/login?next={next_url}" if next_url else "/login"
    response = client.post(path, data={"email": user.email, "password": f.PASSWORD})
    assert response.status_code == 302
    return response.headers["Location"]


def audit_actions(app: Flask, org: Organisation) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(AuditEntry.action).where(AuditEntry.org_id == org.id).order_by(AuditEntry.id)
            )
        )


@pytest.fixture
def enrolled(make):
    """Sam, with two-step sign-in on: (user, app secret, recovery codes)."""
    user = make.create_user("Sam", email="sam@example.org")
    secret, codes = make.enrol_second_factor(user)
    return user, secret, codes


# --- Setting up -----------------------------------------------------------------------------


def test_setting_up_shows_a_qr_code_and_key_and_needs_a_code_from_the_app(app, make):
    user = make.create_user()
    client = client_for(app, user)
    assert "Set up two-step sign-in" in client.get("/account").get_data(as_text=True)
    overview = client.get("/account/two-step")
    assert overview.status_code == 200 and "is <strong>off</strong>" in overview.get_data(
        as_text=True
    )

    start = client.post("/account/two-step/set-up")
    assert start.status_code == 302 and start.headers["Location"] == "/account/two-step/confirm"
    page = client.get("/account/two-step/confirm").get_data(as_text=True)
    assert '<svg role="img" aria-label="QR code for your authenticator app"' in page
    assert 'autocomplete="one-time-code"' in page and 'inputmode="numeric"' in page
    secret = re.search(r"<code>([A-Z2-7 ]+)</code>", page).group(1).replace(" ", "")
    assert len(secret) == 32

    wrong = client.post("/account/two-step/confirm", data={"code": "000000"})
    assert wrong.status_code == 400
    assert "That code did not match" in wrong.get_data(as_text=True)
    assert 'value="000000"' in wrong.get_data(as_text=True)  # what was typed stays
    assert not is_enrolled(app, user)  # nothing is on until a code matched

    done = client.post("/account/two-step/confirm", data={"code": now_code(secret)})
    assert done.status_code == 200
    shown = re.findall(
        r"<li><code>([0-9a-z]{5}-[0-9a-z]{5})</code></li>", done.get_data(as_text=True)
    )
    assert len(shown) == 10 and len(set(shown)) == 10
    assert is_enrolled(app, user)
    # The recovery codes are shown once: the set-up page is gone, the overview counts them.
    assert client.get("/account/two-step/confirm").status_code == 302
    overview = client.get("/account/two-step").get_data(as_text=True)
    assert "is <strong>on</strong>" in overview and "<strong>10</strong> of 10" in overview
    assert not any(code in overview for code in shown)


def test_the_secret_is_sealed_and_recovery_codes_are_kept_only_as_hashes(app, enrolled):
    user, secret, codes = enrolled
    with app.app_context():
        credential = db.session.get(TotpCredential, user.id)
        assert secret.encode() not in credential.sealed_secret
        stored = db.session.scalars(select(RecoveryCode.code_hash)).all()
    assert len(stored) == 10
    for code in codes:
        assert not any(code.replace("-", "") in h or code in h for h in stored)


def test_starting_again_replaces_an_unfinished_set_up(app, make):
    user = make.create_user()
    client = client_for(app, user)
    client.post("/account/two-step/set-up")
    first = client.get("/account/two-step/confirm").get_data(as_text=True)
    assert "Carry on with the set-up" in client.get("/account/two-step").get_data(as_text=True)
    client.post("/account/two-step/set-up")
    second = client.get("/account/two-step/confirm").get_data(as_text=True)
    key = re.compile(r"<code>([A-Z2-7 ]+)</code>")
    assert key.search(first).group(1) != key.search(second).group(1)


# --- Logging in -----------------------------------------------------------------------------


def test_log_in_with_a_code_from_the_app(app, client, enrolled):
    user, secret, _ = enrolled
    where = log_in_with_password(client, user, next_url="/account")
    assert where == "/login/code?next=/account"
    assert client.get("/account").status_code == 302  # the password alone is not a login
    page = client.get(where).get_data(as_text=True)
    assert 'autocomplete="one-time-code"' in page and 'inputmode="numeric"' in page
    response = client.post(where, data={"code": now_code(secret)})
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    assert client.get("/account").status_code == 200
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuthSession)) == 1


def test_a_wrong_code_is_refused_and_nobody_is_logged_in(app, client, enrolled):
    user, secret, _ = enrolled
    log_in_with_password(client, user)
    response = client.post("/login/code", data={"code": "123456"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert str(second_factor.WRONG_CODE) in page and 'aria-invalid="true"' in page
    assert client.get("/account").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuthSession)) == 0
    # The right code still works afterwards.
    assert client.post("/login/code", data={"code": now_code(secret)}).status_code == 302


def test_the_same_code_cannot_be_used_twice(app, enrolled):
    user, secret, _ = enrolled
    code = now_code(secret)
    first = app.test_client()
    log_in_with_password(first, user)
    assert first.post("/login/code", data={"code": code}).status_code == 302
    # Someone who saw the code (and knows the password) tries it a moment later.
    second = app.test_client()
    log_in_with_password(second, user)
    replay = second.post("/login/code", data={"code": code})
    assert replay.status_code == 400 and second.get("/account").status_code == 302
    # The app's next code works.
    assert second.post("/login/code", data={"code": now_code(secret, 1)}).status_code == 302


def test_a_recovery_code_works_once_only(app, make, enrolled):
    user, _, codes = enrolled
    org = make.create_org("Harbour", owner=make.create_user())
    make.add_staff(org, user)
    browser = app.test_client()
    log_in_with_password(browser, user)
    page = browser.get("/login/code").get_data(as_text=True)
    assert "Use a recovery code" in page
    # Typed by hand: upper case, spaces instead of the hyphen.
    typed = codes[0].upper().replace("-", " ")
    response = browser.post("/login/code", data={"recovery_code": typed}, follow_redirects=True)
    assert response.status_code == 200
    assert "You have 9 left" in response.get_data(as_text=True)
    browser.post("/logout")

    log_in_with_password(browser, user)
    again = browser.post("/login/code", data={"recovery_code": codes[0]})
    assert again.status_code == 400 and browser.get("/account").status_code == 302
    assert '<details class="recovery" open>' in again.get_data(as_text=True)
    assert browser.post("/login/code", data={"recovery_code": codes[1]}).status_code == 302
    # Admins of the organisation can see that recovery codes were used (never which one).
    assert audit_actions(app, org).count(AuditAction.RECOVERY_CODE_USED.value) == 2


def test_the_code_step_needs_a_fresh_password_step(app, client, enrolled):
    user, secret, _ = enrolled
    bare = client.get("/login/code")
    assert bare.status_code == 302 and bare.headers["Location"].startswith("/login")
    assert client.post("/login/code", data={"code": now_code(secret)}).status_code == 302
    assert client.get("/account").status_code == 302

    log_in_with_password(client, user)
    with client.session_transaction() as cookie:
        pending = cookie["second_step"]
        cookie["second_step"] = {**pending, "until": pending["until"] - 301}  # five minutes pass
    late = client.post("/login/code", data={"code": now_code(secret)})
    assert late.status_code == 302 and late.headers["Location"].startswith("/login")
    assert client.get("/account").status_code == 302


def test_a_password_change_ends_a_half_done_login(app, client, enrolled):
    user, secret, _ = enrolled
    log_in_with_password(client, user)
    with app.app_context():
        from circles.accounts import services

        services.set_password(db.session.get(User, user.id), "someone else's password")
        db.session.commit()
    response = client.post("/login/code", data={"code": now_code(secret)})
    assert response.status_code == 302 and client.get("/account").status_code == 302


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/"])
def test_the_code_step_never_sends_you_off_site(client, enrolled, target):
    user, secret, _ = enrolled
    where = log_in_with_password(client, user, next_url=target)
    assert where == "/login/code"
    response = client.post(f"/login/code?next={target}", data={"code": now_code(secret)})
    assert response.headers["Location"] == "/"


def test_wrong_codes_are_throttled_per_account(app, enrolled):
    user, secret, _ = enrolled
    for n in range(5):
        browser = app.test_client()  # a new browser, even a new address, does not help
        log_in_with_password(browser, user)
        response = browser.post(
            "/login/code",
            data={"code": f"00000{n}"},
            environ_base={"REMOTE_ADDR": f"198.51.100.{n}"},
        )
        assert response.status_code == 400
    blocked = browser.post("/login/code", data={"code": now_code(secret)})
    assert blocked.status_code == 429
    assert "Too many attempts" in blocked.get_data(as_text=True)


def test_a_password_reset_still_asks_for_the_code(app, client, enrolled, outbox):
    user, secret, _ = enrolled
    client.post("/password/forgot", data={"email": user.email})
    path = re.search(r"http://circles\.test(/password/reset/\S+)", outbox[0].body).group(1)
    done = client.post(path, data={"password": "my new password!", "confirm": "my new password!"})
    assert done.status_code == 302 and done.headers["Location"] == "/login/code"
    assert client.get("/account").status_code == 302  # the mailbox alone is not enough
    assert client.post("/login/code", data={"code": now_code(secret)}).status_code == 302
    assert client.get("/account").status_code == 200
    # And the new password is the one that works from now on.
    fresh = app.test_client()
    response = fresh.post("/login", data={"email": user.email, "password": "my new password!"})
    assert response.headers["Location"] == "/login/code"


def test_people_without_two_step_sign_in_log_in_as_before(client, make):
    user = make.create_user()
    assert log_in_with_password(client, user) == "/"
    assert client.get("/account").status_code == 200


# --- Recovery codes, a new phone, turning it off --------------------------------------------


def test_new_recovery_codes_need_the_password_and_replace_the_old_ones(app, enrolled):
    user, _, codes = enrolled
    client = client_for(app, user)
    wrong = client.post("/account/two-step/recovery-codes", data={"codes-password": "nope nope"})
    assert wrong.status_code == 400 and "That is not your password." in wrong.get_data(as_text=True)
    made = client.post("/account/two-step/recovery-codes", data={"codes-password": f.PASSWORD})
    assert made.status_code == 200
    new_codes = re.findall(r"<code>([0-9a-z]{5}-[0-9a-z]{5})</code>", made.get_data(as_text=True))
    assert len(new_codes) == 10 and not set(new_codes) & set(codes)

    browser = app.test_client()
    log_in_with_password(browser, user)
    assert browser.post("/login/code", data={"recovery_code": codes[0]}).status_code == 400
    assert browser.post("/login/code", data={"recovery_code": new_codes[0]}).status_code == 302


def test_turning_it_off_needs_the_password_and_a_current_code(app, make, enrolled):
    user, secret, _ = enrolled
    org = make.create_org("Harbour", owner=user)
    client = client_for(app, user)
    no_code = client.post(
        "/account/two-step/turn-off",
        data={"change-password": f.PASSWORD, "change-code": "999999"},
    )
    assert no_code.status_code == 400 and str(second_factor.WRONG_CODE) in no_code.get_data(
        as_text=True
    )
    assert is_enrolled(app, user)
    off = client.post(
        "/account/two-step/turn-off",
        data={"change-password": f.PASSWORD, "change-code": now_code(secret)},
    )
    assert off.status_code == 302 and not is_enrolled(app, user)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(RecoveryCode)) == 0
    assert audit_actions(app, org) == ["second_factor_off"]
    assert log_in_with_password(app.test_client(), user) == "/"


def test_moving_to_a_new_phone(app, enrolled):
    user, old_secret, _ = enrolled
    client = client_for(app, user)
    moved = client.post(
        "/account/two-step/new-phone",
        data={"change-password": f.PASSWORD, "change-code": now_code(old_secret)},
    )
    assert moved.status_code == 302 and moved.headers["Location"] == "/account/two-step/confirm"
    page = client.get("/account/two-step/confirm").get_data(as_text=True)
    new_secret = re.search(r"<code>([A-Z2-7 ]+)</code>", page).group(1).replace(" ", "")
    assert new_secret != old_secret
    assert (
        client.post("/account/two-step/confirm", data={"code": now_code(new_secret)}).status_code
        == 200
    )
    browser = app.test_client()
    log_in_with_password(browser, user)
    assert browser.post("/login/code", data={"code": now_code(old_secret, 1)}).status_code == 400
    assert browser.post("/login/code", data={"code": now_code(new_secret, 1)}).status_code == 302


# --- The organisation's policy --------------------------------------------------------------


@pytest.fixture
def strict_org(make):
    """An organisation that requires two-step sign-in, its owner (enrolled) and a facilitator
    and a circle member who have not set it up."""
    owner = make.create_user("Olive Owner")
    make.enrol_second_factor(owner)
    org = make.create_org("Harbour Clinic", owner=owner)
    facilitator = make.create_user("Fran Facilitator")
    make.add_staff(org, facilitator)
    circle = make.create_circle(org, facilitator, "Evening circle")
    member = make.create_user("Mo Member")
    make.add_member(circle, member, "Mo")
    make.require_second_factor(org.id)
    return {
        "org": org,
        "owner": owner,
        "facilitator": facilitator,
        "member": member,
        "circle": circle,
    }


def test_staff_without_it_are_sent_to_set_it_up_first(app, strict_org):
    client = client_for(app, strict_org["facilitator"])
    circle_id = strict_org["circle"].id
    for path in ("/", "/account", f"/circles/{circle_id}", f"/orgs/{strict_org['org'].id}"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"] == "/account/two-step"
    assert client.post(f"/circles/{circle_id}/archive").headers["Location"] == "/account/two-step"
    page = client.get("/account/two-step").get_data(as_text=True)
    assert "Harbour Clinic asks everyone on its team to use two-step sign-in" in page
    # What stays open: crisis help, the health check, static files, logging out.
    assert client.get("/help").status_code == 200
    assert client.get("/health").status_code == 200
    with client.get("/static/css/circles.css") as static:  # a file response: close it
        assert static.status_code == 200
    # Once it is on, everything opens again.
    client.post("/account/two-step/set-up")
    page = client.get("/account/two-step/confirm").get_data(as_text=True)
    secret = re.search(r"<code>([A-Z2-7 ]+)</code>", page).group(1).replace(" ", "")
    assert (
        client.post("/account/two-step/confirm", data={"code": now_code(secret)}).status_code == 200
    )
    assert client.get(f"/circles/{circle_id}").status_code == 200
    assert client.post("/logout").status_code == 302


def test_circle_members_are_never_asked(app, strict_org):
    client = client_for(app, strict_org["member"])
    assert client.get("/").status_code == 200
    assert client.get(f"/circles/{strict_org['circle'].id}").status_code == 200


def test_it_cannot_be_turned_off_while_the_organisation_requires_it(app, make, strict_org):
    owner = strict_org["owner"]
    with app.app_context():
        secret = second_factor.pending_secret(owner.id, f.SECRET_KEY)
    assert secret is None  # confirmed: no set-up pending
    client = client_for(app, owner)
    page = client.get("/account/two-step").get_data(as_text=True)
    assert "so it stays on while you are part of that team" in page
    assert "Turn off two-step sign-in" not in page
    response = client.post(
        "/account/two-step/turn-off",
        data={"change-password": f.PASSWORD, "change-code": "000000"},
    )
    assert response.status_code == 400
    assert "Harbour Clinic asks everyone on its team" in response.get_data(as_text=True)
    assert is_enrolled(app, owner)


def test_an_admin_turns_the_policy_on_only_with_it_on_themselves(app, make):
    admin = make.create_user("Ada Admin")
    org = make.create_org("Harbour Clinic", owner=admin)
    make.add_staff(org, make.create_user())
    client = client_for(app, admin)
    settings = {
        "name": "Harbour Clinic",
        "anonymity_k": "5",
        "crisis_resources": "",
        "live_retention_days": "0",
        "require_second_factor": "y",
    }
    refused = client.post(f"/orgs/{org.id}/settings", data=settings)
    assert "Set up two-step sign-in for your own account first" in refused.get_data(as_text=True)
    with app.app_context():
        assert not db.session.get(Organisation, org.id).require_second_factor

    make.enrol_second_factor(admin)
    saved = client.post(f"/orgs/{org.id}/settings", data=settings, follow_redirects=True)
    assert "1 person on the team have not set up two-step sign-in yet" in saved.get_data(
        as_text=True
    )
    with app.app_context():
        assert db.session.get(Organisation, org.id).require_second_factor
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "settings_changed"))
        assert entry.details == {"changed": ["require_second_factor"]}
    page = client.get(f"/orgs/{org.id}/settings").get_data(as_text=True)
    assert re.search(r'<input [^>]*checked [^>]*id="require_second_factor"', page)


def test_an_organisation_starts_without_the_requirement(ctx):
    org = f.create_org()
    assert org.require_second_factor is False


# --- A lost phone ---------------------------------------------------------------------------


def test_the_operator_removes_it_for_a_lost_phone(app, make, enrolled):
    user, _, _ = enrolled
    org = make.create_org("Harbour", owner=make.create_user())
    make.add_staff(org, user)
    make.require_second_factor(org.id)
    left_logged_in = client_for(app, user)
    runner = app.test_cli_runner()

    result = runner.invoke(args=["reset-second-factor", "SAM@example.org"])
    assert result.exit_code == 0, result.output
    assert "removed for sam@example.org" in result.output
    assert "asked to set it up again" in result.output
    assert not is_enrolled(app, user)
    assert left_logged_in.get("/account").status_code == 302  # every login ended
    with app.app_context():
        entry = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == AuditAction.SECOND_FACTOR_RESET.value)
        )
        assert entry.actor_id is None and entry.object_id == user.id
        assert entry.details == {"via": "command line"}
    # Password alone now, then straight to setting it up again (the organisation requires it).
    browser = app.test_client()
    assert log_in_with_password(browser, user) == "/"
    assert browser.get("/").headers["Location"] == "/account/two-step"

    again = runner.invoke(args=["reset-second-factor", "sam@example.org"])
    assert again.exit_code != 0 and "has no two-step sign-in" in again.output
    unknown = runner.invoke(args=["reset-second-factor", "nobody@example.org"])
    assert unknown.exit_code != 0 and "No account uses" in unknown.output

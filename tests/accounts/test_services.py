"""Account rules, tested on the services directly."""

from __future__ import annotations

from datetime import timedelta

import pyotp
from sqlalchemy import select

from circles.accounts import second_factor, services
from circles.accounts.models import AuthSession
from circles.db import utcnow
from circles.extensions import db
from tests import factories as f


def test_authenticate_accepts_only_the_right_password(ctx):
    user = f.create_user(email="ana@example.org")
    assert services.authenticate(" ANA@example.org ", f.PASSWORD) is user
    assert services.authenticate("ana@example.org", "wrong password") is None
    assert services.authenticate("nobody@example.org", f.PASSWORD) is None


def test_session_tokens_are_stored_hashed(ctx):
    user = f.create_user()
    session = services.start_session(user)
    db.session.commit()
    stored = db.session.scalar(select(AuthSession.token_hash))
    assert session.raw_token and session.raw_token not in stored and len(stored) == 64
    assert services.load_session_user(session.raw_token) is user
    assert services.load_session_user("forged-token") is None


def test_reset_token_dies_when_the_password_changes(ctx):
    user = f.create_user()
    token = services.make_reset_token(user)
    assert services.user_for_reset_token(token) is user
    services.change_password(user, "another long password")
    db.session.commit()
    assert services.user_for_reset_token(token) is None
    assert services.user_for_reset_token("garbage") is None


# --- Two-step sign-in -------------------------------------------------------------------------


def _enrolled(now):
    user = f.create_user()
    secret = second_factor.begin_enrolment(user, f.SECRET_KEY)
    earlier = now - timedelta(minutes=5)
    codes = second_factor.confirm_enrolment(
        user, pyotp.TOTP(secret).at(earlier), f.SECRET_KEY, earlier
    )
    db.session.commit()
    return user, pyotp.TOTP(secret), codes


def test_codes_one_step_either_side_of_the_clock_are_accepted_and_no_further(ctx):
    now = utcnow()
    user, totp, _ = _enrolled(now)
    verify = second_factor.verify_second_step
    assert verify(user, totp.at(now - timedelta(seconds=90)), f.SECRET_KEY, now) is None
    assert verify(user, totp.at(now + timedelta(seconds=90)), f.SECRET_KEY, now) is None
    assert verify(user, totp.at(now - timedelta(seconds=30)), f.SECRET_KEY, now) == "app"
    assert verify(user, totp.at(now + timedelta(seconds=30)), f.SECRET_KEY, now) == "app"


def test_a_code_older_than_the_last_one_used_is_refused(ctx):
    now = utcnow()
    user, totp, _ = _enrolled(now)
    newer, older = totp.at(now), totp.at(now - timedelta(seconds=30))
    assert second_factor.verify_second_step(user, newer, f.SECRET_KEY, now) == "app"
    assert second_factor.verify_second_step(user, newer, f.SECRET_KEY, now) is None
    assert second_factor.verify_second_step(user, older, f.SECRET_KEY, now) is None


def test_recovery_codes_are_spent_once_and_typing_slips_are_forgiven(ctx):
    now = utcnow()
    user, _, codes = _enrolled(now)
    assert second_factor.recovery_codes_left(user.id) == 10
    # Letters people confuse (o for 0, l or i for 1) never occur in a code; read as digits.
    sloppy = codes[0].upper().replace("0", "O").replace("1", "l")
    assert second_factor.verify_second_step(user, f" {sloppy} ", f.SECRET_KEY, now) == "recovery"
    assert second_factor.verify_second_step(user, codes[0], f.SECRET_KEY, now) is None
    assert second_factor.recovery_codes_left(user.id) == 9


def test_another_secret_key_opens_nothing(ctx):
    now = utcnow()
    user, totp, codes = _enrolled(now)
    other = "a-different-secret-key-of-enough-length-000"
    assert second_factor.verify_second_step(user, totp.at(now), other, now) is None
    assert second_factor.verify_second_step(user, codes[0], other, now) is None
    assert second_factor.verify_second_step(user, totp.at(now), f.SECRET_KEY, now) == "app"


def test_an_unconfirmed_set_up_does_nothing_at_login(ctx):
    user = f.create_user()
    secret = second_factor.begin_enrolment(user, f.SECRET_KEY)
    db.session.commit()
    assert not second_factor.is_enrolled(user.id)
    now = utcnow()
    assert (
        second_factor.verify_second_step(user, pyotp.TOTP(secret).at(now), f.SECRET_KEY, now)
        is None
    )


def test_the_policy_applies_to_staff_of_a_requiring_organisation_only(ctx):
    staff, member, outsider = f.create_user(), f.create_user(), f.create_user()
    org = f.create_org(owner=staff)
    f.add_member(f.create_circle(org, staff), member)
    f.create_org(owner=outsider)
    f.require_second_factor(org.id)

    def due(user):
        services.start_session(user)
        token = user.current_session.raw_token
        db.session.commit()
        return services.load_session_user(token).second_factor_due

    assert (due(staff), due(member), due(outsider)) == (True, False, False)
    f.enrol_second_factor(staff)
    assert due(staff) is False
    assert second_factor.unenrolled_staff(org.id) == []

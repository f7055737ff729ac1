"""Account rules, tested on the services directly."""

from __future__ import annotations

from sqlalchemy import select

from circles.accounts import services
from circles.accounts.models import AuthSession
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

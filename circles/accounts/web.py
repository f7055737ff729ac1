"""What the account pages share: starting a login, where to go after it, the half-done login."""

from __future__ import annotations

import time

from flask import current_app, request, session, url_for
from flask_login import login_user

from circles.accounts import devices, services
from circles.accounts.limits import SECOND_STEP_KEY
from circles.accounts.models import User
from circles.extensions import db
from circles.security import safe_next_url

#: How long a half-done login (password given, code not yet) may wait for its code.
SECOND_STEP_SECONDS = 300


def secret_key() -> str | bytes:
    return current_app.config["SECRET_KEY"]  # type: ignore[no-any-return]


def next_url() -> str:
    """Where to go after logging in: the ``next`` parameter when it stays on the site."""
    return safe_next_url(request.args.get("next")) or url_for("main.home")


def log_in(user: User) -> None:
    """A fresh signed session and login session for this browser, which is remembered."""
    session.clear()
    services.start_session(user)
    login_user(user)
    session.permanent = True
    devices.remember(user)


def begin_second_step(user: User) -> None:
    """Remember, in the signed session only, a login whose password was right; no login yet."""
    session.clear()
    session[SECOND_STEP_KEY] = {
        "u": user.id,
        "p": services.password_fingerprint(user),
        "until": int(time.time()) + SECOND_STEP_SECONDS,
    }


def second_step_user() -> User | None:
    """The person of a fresh half-done login; None once it expired or their password changed."""
    pending = session.get(SECOND_STEP_KEY)
    if not isinstance(pending, dict):
        return None
    user_id, until = pending.get("u"), pending.get("until")
    if not isinstance(user_id, int) or not isinstance(until, int) or until < time.time():
        return None
    user = db.session.get(User, user_id)
    if user is None or pending.get("p") != services.password_fingerprint(user):
        return None
    return user

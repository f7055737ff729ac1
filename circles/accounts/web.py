"""What the account pages share: starting a login, where to go after it, the half-done login."""

from __future__ import annotations

import time

from flask import current_app, request, session, url_for
from flask_login import login_user

from circles import i18n
from circles.accounts import devices, services
from circles.accounts.limits import SECOND_STEP_KEY
from circles.accounts.models import User
from circles.accounts.pending import PENDING_INVITATION_KEY, take_pending_invitation
from circles.extensions import db
from circles.security import safe_next_url

#: How long a half-done login (password given, code not yet) may wait for its code.
SECOND_STEP_SECONDS = 300


def secret_key() -> str | bytes:
    return current_app.config["SECRET_KEY"]  # type: ignore[no-any-return]


def next_url() -> str:
    """Where to go after logging in: the ``next`` parameter when it stays on the site, else the
    invitation opened before (used up here), else the home page."""
    wanted = safe_next_url(request.args.get("next"))
    pending = take_pending_invitation()
    return wanted or pending or url_for("main.home")


def _fresh_session() -> None:
    """Clear the signed session, keeping only a pending invitation and the language chosen in
    this browser."""
    kept = {
        key: session[key] for key in (PENDING_INVITATION_KEY, i18n.SESSION_KEY) if key in session
    }
    session.clear()
    session.update(kept)


def log_in(user: User) -> None:
    """A fresh signed session (keeping a pending invitation) and login session for this
    browser, which is remembered."""
    _fresh_session()
    services.start_session(user)
    login_user(user)
    session.permanent = True
    devices.remember(user)


def begin_second_step(user: User) -> None:
    """Remember, in the signed session only, a login whose password was right; no login yet."""
    _fresh_session()
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

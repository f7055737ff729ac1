"""Accounts: sign-up, password checks, login sessions, password reset and change."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_login import LoginManager
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import delete, func, select

from circles.accounts import second_factor
from circles.accounts.models import AuthSession, User
from circles.db import add_or_refuse, utcnow
from circles.exceptions import ServiceError
from circles.extensions import db
from circles.i18n import gettext as _
from circles.i18n import language_for, speaking
from circles.i18n import lazy_gettext as _l
from circles.orgs.models import Organisation, OrgMember, OrgRole
from circles.tokens import hash_token, new_token

#: A login session's "last seen" is written at most this often.
LAST_SEEN_RESOLUTION = timedelta(minutes=5)
_RESET_SALT = "circles.password-reset"
EMAIL_TAKEN = _l("An account with this email already exists. Try logging in.")


def _hasher() -> PasswordHasher:
    config = current_app.config
    return PasswordHasher(
        time_cost=config["CIRCLES_ARGON2_TIME_COST"],
        memory_cost=config["CIRCLES_ARGON2_MEMORY_COST"],
    )


def hash_password(password: str) -> str:
    """An argon2id hash of the password."""
    return _hasher().hash(password)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def create_user(email: str, password: str, display_name: str, timezone: str = "UTC") -> User:
    """A new account; raises :class:`ServiceError` when the email is already registered."""
    email = normalise_email(email)
    password_hash = hash_password(password)  # first, so a taken email answers no faster
    if db.session.scalar(select(func.count()).select_from(User).where(User.email == email)):
        raise ServiceError(str(EMAIL_TAKEN), "email")
    user = User(
        email=email,
        password_hash=password_hash,
        display_name=display_name.strip(),
        timezone=timezone,
    )
    add_or_refuse(user, EMAIL_TAKEN, "email")
    return user


def create_personal_org(user: User) -> Organisation:
    """The organisation of a facilitator who signed up alone; they are its owner."""
    # Named in its owner's language (this also works outside a request: a test, a command).
    with speaking(language_for(user)):
        name = _("%(name)s's practice", name=user.display_name)
    org = Organisation(name=name, personal=True)
    db.session.add(org)
    db.session.flush()
    db.session.add(OrgMember(org_id=org.id, user_id=user.id, role=OrgRole.OWNER))
    db.session.flush()
    return org


# A valid hash of a random password, checked when the email is unknown so that a login for an
# unknown email takes as long as one for a known email (no account enumeration by timing).
_DUMMY_HASHES: dict[tuple[int, int], str] = {}


def _dummy_hash() -> str:
    hasher = _hasher()
    key = (hasher.time_cost, hasher.memory_cost)
    if key not in _DUMMY_HASHES:
        _DUMMY_HASHES[key] = hasher.hash(new_token())
    return _DUMMY_HASHES[key]


def authenticate(email: str, password: str) -> User | None:
    """The user whose email and password these are, or None (the caller says nothing more)."""
    user = find_user_by_email(email)
    hasher = _hasher()
    try:
        hasher.verify(user.password_hash if user else _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None:
        return None
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    return user


def check_password(user: User, password: str) -> bool:
    return password_matches(user.password_hash, password)


def password_matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def start_session(user: User) -> AuthSession:
    """A new login session for one browser; its raw token goes into the session cookie."""
    token = new_token()
    session = AuthSession(token_hash=hash_token(token), user_id=user.id)
    session.raw_token = token
    db.session.add(session)
    db.session.flush()
    user.current_session = session
    return session


def load_session_user(token: str) -> User | None:
    """The user of a live login session, or None when the session was ended or never existed."""
    row = db.session.execute(
        select(AuthSession, User, second_factor.second_factor_due(User.id))
        .join(User, AuthSession.user_id == User.id)
        .where(AuthSession.token_hash == hash_token(token))
    ).first()
    if row is None:
        return None
    session, user, second_factor_due = row
    now = utcnow()
    if now - session.created_at > timedelta(days=current_app.config["CIRCLES_SESSION_MAX_DAYS"]):
        # Even an active login ends after a while, so a stolen cookie does not live forever.
        db.session.delete(session)
        db.session.commit()
        return None
    session.raw_token = token
    user.current_session = session
    user.second_factor_due = bool(second_factor_due)
    if now - session.last_seen_at > LAST_SEEN_RESOLUTION:
        session.last_seen_at = now
        db.session.commit()
    return user


def end_session(user: User) -> None:
    """Log the current browser out: its cookie, even replayed, no longer works."""
    if user.current_session is not None:
        db.session.execute(delete(AuthSession).where(AuthSession.id == user.current_session.id))
        user.current_session = None


def end_all_sessions(user: User) -> None:
    """Log every browser of this user out."""
    db.session.execute(delete(AuthSession).where(AuthSession.user_id == user.id))
    user.current_session = None


def set_password(user: User, new_password: str) -> None:
    """Set a new password and end every login session of the person."""
    user.password_hash = hash_password(new_password)
    user.password_changed_at = utcnow()
    end_all_sessions(user)


def change_password(user: User, new_password: str) -> AuthSession:
    """Set a new password, end every login session, and start a fresh one for this browser."""
    set_password(user, new_password)
    return start_session(user)


def update_profile(
    user: User, display_name: str, timezone: str, language: str | None = None
) -> None:
    user.display_name = display_name.strip()
    user.timezone = timezone
    user.language = language


def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_RESET_SALT)


def password_fingerprint(user: User) -> str:
    """Changes with the password, so a reset link or a half-done login then stops working."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:20]


def make_reset_token(user: User) -> str:
    """A signed, expiring token for the password reset link."""
    return _reset_serializer().dumps({"u": user.id, "p": password_fingerprint(user)})


def user_for_reset_token(token: str) -> User | None:
    """The user a reset token was made for, if it is genuine, fresh and not yet used."""
    try:
        data: Any = _reset_serializer().loads(
            token, max_age=current_app.config["CIRCLES_PASSWORD_RESET_MAX_AGE"]
        )
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    user = db.session.get(User, data["u"])
    if user is None or data.get("p") != password_fingerprint(user):
        return None
    return user


def configure_login(manager: LoginManager) -> None:
    """Wire Flask-Login to server-side login sessions."""
    manager.login_view = "accounts.login"
    manager.login_message = _l("Please log in to continue.")
    manager.localize_callback = str  # translated when flashed, in the visitor's language
    manager.login_message_category = "info"
    manager.session_protection = None  # revocation is server-side; see AuthSession
    manager.user_loader(load_session_user)

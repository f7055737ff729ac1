"""Browsers an account logged in from before: OWASP's device cookies against lockouts.

Strangers who guess an account's password from many addresses use up the account-wide limit
of failed logins, and with it the owner's ability to log in. A browser where the account
logged in before carries a signed cookie that vouches for that account: it is held to a limit
of its own instead (``CIRCLES_LOGIN_LIMIT_PER_DEVICE``), which only guesses made from that very
browser use up. Unknown browsers stay under the account-wide limits.

The cookie holds a random nonce (whose guesses count against it) and, for up to five accounts,
a keyed hash of the account and its current password: signed, so it cannot be forged; naming
nobody to whoever reads it; and void once the password changes, so a browser that got in with a
stolen password is not trusted after the owner resets it. Each successful login replaces it
with a new one (a new nonce); logging out keeps it.
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import Response, after_this_request, current_app, g, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from circles.accounts.models import User
from circles.accounts.services import find_user_by_email, password_fingerprint
from circles.sealing import keyring

COOKIE = "circles_device"
_SALT = "circles.device-cookie"
#: Accounts one browser vouches for at most (a shared family computer); the oldest drops out.
MAX_ACCOUNTS = 5


def _tag(user: User) -> str:
    """Stands for this account with its current password; nobody can tell whose it is."""
    return keyring().mac("login-device", f"{user.id}:{password_fingerprint(user)}")[:32]


def _serializer() -> URLSafeTimedSerializer:
    config = current_app.config
    # itsdangerous signs with the last key and accepts any: the fallbacks first, then the secret.
    keys = [*reversed(config.get("SECRET_KEY_FALLBACKS") or []), config["SECRET_KEY"]]
    return URLSafeTimedSerializer(keys, salt=_SALT)


def _max_age() -> int:
    return int(current_app.config["CIRCLES_DEVICE_COOKIE_DAYS"]) * 86400


def _read() -> tuple[str, list[str]] | None:
    raw = request.cookies.get(COOKIE)
    if not raw:
        return None
    try:
        data: Any = _serializer().loads(raw, max_age=_max_age())
    except BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    nonce, tags = data.get("n"), data.get("a")
    if not isinstance(nonce, str) or not isinstance(tags, list):
        return None
    return nonce, [t for t in tags if isinstance(t, str)]


def trusted_nonce(email: str) -> str | None:
    """This browser's nonce when its cookie vouches for the account of ``email``, else None.

    Asked several times per login (by each limit); read once per request.
    """
    cache: dict[str, str | None] = g.setdefault("_device_trust", {})
    if email not in cache:
        cache[email] = _trusted_nonce(email)
    return cache[email]


def _trusted_nonce(email: str) -> str | None:
    found = _read() if email else None
    if found is None:
        return None
    user = find_user_by_email(email)
    nonce, tags = found
    return nonce if user is not None and _tag(user) in tags else None


def remember(user: User) -> None:
    """After a successful login: the response gives this browser a new cookie vouching for it."""
    found = _read()
    tag = _tag(user)
    tags = [t for t in (found[1] if found else []) if t != tag]
    value = _serializer().dumps({"n": secrets.token_urlsafe(16), "a": [*tags, tag][-MAX_ACCOUNTS:]})
    config = current_app.config

    @after_this_request
    def set_cookie(response: Response) -> Response:
        response.set_cookie(
            COOKIE,
            value,
            max_age=_max_age(),
            httponly=True,
            secure=bool(config["SESSION_COOKIE_SECURE"]),
            samesite="Lax",
        )
        return response

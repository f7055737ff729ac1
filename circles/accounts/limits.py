"""How often the account forms may be used: the keys and limits their views are held to.

Logins count failures only (a clinic's shared network logs in freely), per address, per account
from one address and per account from anywhere, except from a browser the account logged in from
before, which is held to a limit of its own (:mod:`circles.accounts.devices`). Account mail
has a limit per inbox (:mod:`circles.accounts.mail_limits`).

The limits are checked before a request and counted after it (only failures count), so
attempts running at the same moment can pass a limit by as many as run at once: a handful with
one gevent worker, more with several processes. They bound guessing; they are not exact.
"""

from __future__ import annotations

from flask import current_app, request, session
from flask_limiter.util import get_remote_address
from flask_login import current_user
from werkzeug.wrappers import Response

from circles.accounts import devices
from circles.sealing import keyring

#: The signed-session key of a login that passed the password and waits for its second step.
SECOND_STEP_KEY = "second_step"


def _setting(name: str) -> str:
    return str(current_app.config[name])


def login_limit_per_ip() -> str:
    return _setting("CIRCLES_LOGIN_LIMIT_PER_IP")


def login_limit_per_account() -> str:
    return _setting("CIRCLES_LOGIN_LIMIT_PER_ACCOUNT")


def login_limit_per_account_and_address() -> str:
    return _setting("CIRCLES_LOGIN_LIMIT_PER_ACCOUNT_AND_IP")


def login_limit_per_device() -> str:
    return _setting("CIRCLES_LOGIN_LIMIT_PER_DEVICE")


def second_step_limit() -> str:
    return _setting("CIRCLES_SECOND_FACTOR_LIMIT_PER_ACCOUNT")


def _login_email() -> str:
    value = request.form.get("email", "")
    return value if isinstance(value, str) else ""


def account_key() -> str:
    # A keyed hash, not the address: the limiter's storage (Redis) never holds emails.
    email = _login_email().strip().lower()
    return "login-account:" + keyring().mac("login-account", email)[:32]


def account_and_address_key() -> str:
    return f"{account_key()}:{get_remote_address()}"


def device_key() -> str:
    return f"login-device:{devices.trusted_nonce(_login_email())}:{account_key()}"


def from_known_device() -> bool:
    """The browser logged in to this account before: the limits for strangers do not apply."""
    return devices.trusted_nonce(_login_email()) is not None


def from_unknown_device() -> bool:
    return not from_known_device()


def user_key() -> str:
    return f"user:{current_user.id}"


def second_step_key() -> str:
    pending = session.get(SECOND_STEP_KEY)
    user_id = pending.get("u") if isinstance(pending, dict) else None
    who = user_id if isinstance(user_id, int) else get_remote_address()
    return f"second-step:{who}"


def login_failed(response: Response) -> bool:
    # A successful login redirects; only failed attempts use up the allowances.
    return response.status_code != 302


def refused(response: Response) -> bool:
    # Forms answer 400 to a wrong code or password; only those use up the allowance.
    return response.status_code == 400

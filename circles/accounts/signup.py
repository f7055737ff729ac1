"""Sign-up with a confirmed email: the form always answers "check your inbox".

Asking for an account makes no account. A new address gets a link that makes the account when
opened (within ``CIRCLES_SIGNUP_CONFIRM_HOURS``); an address that has an account already gets a
note that someone tried, with the way to log in or reset the password. Both answers look, and
take, the same, so the form tells no one which addresses have accounts (PRODUCT.md, C1). An
account therefore always belongs to someone who reads its inbox: invitations bound to an email
and the "k people" of the check-in rules count real, distinct people.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select

from circles.accounts.mail_limits import account_mail_allowed
from circles.accounts.models import SignupRequest, User
from circles.accounts.services import (
    EMAIL_TAKEN,
    create_personal_org,
    find_user_by_email,
    hash_password,
    normalise_email,
    password_matches,
)
from circles.db import add_or_refuse, utcnow
from circles.exceptions import ServiceError
from circles.extensions import db
from circles.i18n import current_language, language_for, ngettext, speaking
from circles.i18n import gettext as _
from circles.i18n import lazy_gettext as _l
from circles.mail import send_mail
from circles.sealing import keyring
from circles.tokens import hash_token, new_token
from circles.urls import external_url

#: Room for the path to open once confirmed, sealed; a longer one is not kept.
NEXT_SIZE = 512
_NEXT_PURPOSE = "signup-next"
SIGNUP_MISMATCH = _l("That is not the password you chose when you signed up.")


def _lifetime() -> timedelta:
    return timedelta(hours=int(current_app.config["CIRCLES_SIGNUP_CONFIRM_HOURS"]))


def request_signup(
    email: str,
    password: str,
    display_name: str,
    timezone: str,
    *,
    facilitator: bool,
    next_url: str | None,
) -> None:
    """Mail a confirmation link, or a note to an address that has an account already.

    The password is hashed either way, first, so both cases take the same time. Over the
    per-recipient mail limit nothing is sent (and nothing kept), and the caller cannot tell.
    """
    email = normalise_email(email)
    password_hash = hash_password(password)
    existing = find_user_by_email(email)
    if not account_mail_allowed(email):
        return
    if existing is not None:
        with speaking(language_for(existing)):
            send_mail(
                existing.email,
                _("Someone tried to sign up with your address"),
                "\n\n".join(
                    (
                        _(
                            "Someone asked to create a Circles account with this email address. "
                            "It has an account already, so nothing was created and nothing "
                            "changed."
                        ),
                        _(
                            "If it was you, log in here:\n%(link)s",
                            link=external_url("accounts.login"),
                        ),
                        _(
                            "Forgot your password? Ask for a new one here:\n%(link)s",
                            link=external_url("accounts.forgot_password"),
                        ),
                        _("If it was not you, you can ignore this message."),
                    )
                ),
            )
        return
    token = new_token()
    db.session.add(
        SignupRequest(
            token_hash=hash_token(token),
            email=email,
            password_hash=password_hash,
            display_name=display_name.strip(),
            timezone=timezone,
            language=current_language(),
            facilitator=facilitator,
            sealed_next=_seal_next(next_url),
        )
    )
    hours = int(current_app.config["CIRCLES_SIGNUP_CONFIRM_HOURS"])
    # No account yet: the mail speaks the language of the sign-up page.
    with speaking(language_for(None)):
        send_mail(
            email,
            _("Confirm your email to finish signing up"),
            "\n\n".join(
                (
                    _("Welcome to Circles."),
                    ngettext(
                        "To finish creating your account, open this link within %(num)d hour:"
                        "\n%(link)s",
                        "To finish creating your account, open this link within %(num)d hours:"
                        "\n%(link)s",
                        hours,
                        link=external_url("accounts.confirm_signup", token=token),
                    ),
                    _(
                        "If you did not sign up, ignore this message: no account is made "
                        "without this step."
                    ),
                )
            ),
        )


def _seal_next(next_url: str | None) -> bytes | None:
    plain = (next_url or "").encode("utf-8", "replace")
    if not plain or len(plain) > NEXT_SIZE - 4:
        return None  # nowhere to go, or longer than any page of ours: the home page then
    return keyring().seal(_NEXT_PURPOSE, plain, NEXT_SIZE)


def destination(pending: SignupRequest) -> str | None:
    """The path to open once the sign-up is confirmed (as given; check it before redirecting)."""
    if pending.sealed_next is None:
        return None
    plain = keyring().unseal(_NEXT_PURPOSE, pending.sealed_next)
    return plain.decode() if plain else None


def pending_signup(token: str) -> SignupRequest | None:
    """The sign-up a confirmation link belongs to, while the link still works."""
    found = db.session.scalar(
        select(SignupRequest).where(SignupRequest.token_hash == hash_token(token))
    )
    if found is None or found.created_at + _lifetime() <= utcnow():
        return None
    return found


def confirm_signup(pending: SignupRequest, password: str) -> User | None:
    """Make the account the sign-up asked for; every other link for the address stops working.

    Needs the password chosen at sign-up, so that only whoever asked can make the account:
    someone who signed up with another person's address cannot have that person confirm it for
    them (they would then know the password of an account its owner uses), nor send someone
    their own link to log them in to it. Raises :class:`ServiceError` for a wrong password.
    None when the address got an account meanwhile (another of its links was used first); the
    caller commits either way, so the links are gone.
    """
    if not password_matches(pending.password_hash, password):
        raise ServiceError(str(SIGNUP_MISMATCH), "password")
    user = User(
        email=pending.email,
        password_hash=pending.password_hash,
        display_name=pending.display_name,
        timezone=pending.timezone,
        language=pending.language,
    )
    facilitator = pending.facilitator
    db.session.execute(
        delete(SignupRequest)
        .where(SignupRequest.email == user.email)
        .execution_options(synchronize_session=False)
    )
    db.session.expunge(pending)
    if find_user_by_email(user.email) is not None:
        return None
    add_or_refuse(user, EMAIL_TAKEN, "email")
    if facilitator:
        create_personal_org(user)
    return user


def purge_expired_signups(now: datetime) -> int:
    """Delete sign-ups whose link no longer works (``flask purge``, hourly); how many went."""
    result = db.session.execute(
        delete(SignupRequest).where(SignupRequest.created_at <= now - _lifetime())
    )
    return int(getattr(result, "rowcount", 0) or 0)

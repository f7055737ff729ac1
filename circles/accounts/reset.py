"""Password reset requests: the form does the same for every address; a job decides what to send.

Whether an address has an account must not show in how long the form takes, so the request
only queues a job with the address sealed, whatever it is. The job looks the address up, and
for an account (within the per-inbox mail limit) sends the reset link: in the account's
language, or else in the language of the page where the reset was asked for (sealed with the
address, as the job runs outside that request).
"""

from __future__ import annotations

from flask import has_request_context

from circles import jobs
from circles.accounts.mail_limits import account_mail_allowed
from circles.accounts.services import find_user_by_email, make_reset_token, normalise_email
from circles.i18n import LANGUAGES, current_language, speaking
from circles.i18n import gettext as _
from circles.mail import send_mail
from circles.sealing import keyring
from circles.urls import external_url

_PURPOSE = "queued-reset"
#: Room for an address (254 characters at most) in the sealed job argument.
_SIZE = 1024


def request_reset(email: str) -> None:
    """Queue the job that sends a reset link if ``email`` has an account."""
    asked_in = current_language() if has_request_context() else ""
    plain = f"{asked_in}\n{normalise_email(email)}".encode("utf-8", "replace")
    jobs.enqueue("password_reset", keyring().seal(_PURPOSE, plain[: _SIZE - 4], _SIZE))


def send_reset_link(sealed: bytes) -> None:
    """The job: mail a reset link to the account of the sealed address, if there is one."""
    plain = keyring().unseal(_PURPOSE, sealed)
    if plain is None:
        return  # sealed under a key no longer known: nothing to do
    # "language\naddress" (an address holds no line break); a job queued before languages
    # were kept holds the address alone.
    asked_in, _newline, address = plain.decode("utf-8", "replace").rpartition("\n")
    user = find_user_by_email(address)
    if user is None or not account_mail_allowed(user.email):
        return
    link = external_url("accounts.reset_password", token=make_reset_token(user))
    language = user.language if user.language in LANGUAGES else asked_in or None
    with speaking(language):
        send_mail(
            user.email,
            _("Reset your Circles password"),
            "\n\n".join(
                (
                    _("Someone asked to reset the password of your Circles account."),
                    _(
                        "To choose a new password, open this link within an hour:\n%(link)s",
                        link=link,
                    ),
                    _("If it was not you, ignore this message; your password stays as it is."),
                )
            ),
        )

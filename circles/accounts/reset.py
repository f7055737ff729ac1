"""Password reset requests: the form does the same for every address; a job decides what to send.

Whether an address has an account must not show in how long the form takes, so the request
only queues a job with the address sealed, whatever it is. The job looks the address up, and
for an account (within the per-inbox mail limit) sends the reset link.
"""

from __future__ import annotations

from circles import jobs
from circles.accounts.mail_limits import account_mail_allowed
from circles.accounts.services import find_user_by_email, make_reset_token, normalise_email
from circles.mail import send_mail
from circles.sealing import keyring
from circles.urls import external_url

_PURPOSE = "queued-reset"
#: Room for an address (254 characters at most) in the sealed job argument.
_SIZE = 1024


def request_reset(email: str) -> None:
    """Queue the job that sends a reset link if ``email`` has an account."""
    plain = normalise_email(email).encode("utf-8", "replace")
    jobs.enqueue("password_reset", keyring().seal(_PURPOSE, plain[: _SIZE - 4], _SIZE))


def send_reset_link(sealed: bytes) -> None:
    """The job: mail a reset link to the account of the sealed address, if there is one."""
    plain = keyring().unseal(_PURPOSE, sealed)
    if plain is None:
        return  # sealed under a key no longer known: nothing to do
    user = find_user_by_email(plain.decode("utf-8", "replace"))
    if user is None or not account_mail_allowed(user.email):
        return
    link = external_url("accounts.reset_password", token=make_reset_token(user))
    send_mail(
        user.email,
        "Reset your Circles password",
        "Someone asked to reset the password of your Circles account.\n\n"
        f"To choose a new password, open this link within an hour:\n{link}\n\n"
        "If it was not you, ignore this message; your password stays as it is.",
    )

"""Account mail to one inbox is limited, whoever asks for it, so no one can flood an inbox.

Sign-up confirmations, sign-up notes and password resets to one mailbox share
``CIRCLES_ACCOUNT_MAIL_LIMIT``. The mailbox is the address without what most providers ignore
(a ``+tag``, and the dots of a Gmail name), so ``jo+1@`` and ``j.o+2@`` count as ``jo@``. Over
the limit the form answers as usual and sends nothing, which tells no one anything.
"""

from __future__ import annotations

import logging

from flask import current_app
from limits import parse_many

from circles.extensions import limiter
from circles.sealing import keyring

log = logging.getLogger(__name__)

#: Providers that ignore dots in the name part of an address.
_DOTLESS_DOMAINS = frozenset({"gmail.com", "googlemail.com"})


def mailbox(email: str) -> str:
    """The inbox an address delivers to, as far as can be told from the address itself."""
    local, _, domain = email.strip().lower().rpartition("@")
    local = local.split("+", 1)[0]
    if domain in _DOTLESS_DOMAINS:
        local, domain = local.replace(".", ""), "gmail.com"
    return f"{local}@{domain}"


def account_mail_allowed(email: str) -> bool:
    """Whether one more account mail may go to ``email`` now; counts it when it may.

    Should the limiter's storage fail (Redis away), the mail goes: a reset must stay possible,
    and the forms' own limits per address still hold (in memory meanwhile).
    """
    key = "account-mail:" + keyring().mac("account-mail", mailbox(email))[:32]
    items = parse_many(str(current_app.config["CIRCLES_ACCOUNT_MAIL_LIMIT"]))
    try:
        strategy = limiter.limiter
        if not all(strategy.test(item, key) for item in items):
            return False
        for item in items:
            strategy.hit(item, key)
    except Exception as error:  # the storage's own errors (Redis unreachable)
        log.warning("account mail limit unavailable: %s", type(error).__name__)
    return True

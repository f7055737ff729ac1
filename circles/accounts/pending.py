"""The invitation a person opened before they had an account or had logged in, kept in this
browser's signed session: however they then sign up or log in (the invitation's own buttons,
the header's links, after a mistake, with two-step sign-in), they arrive at it.

Only a same-site path is kept (:func:`circles.security.safe_next_url`), for a day.
"""

from __future__ import annotations

import time

from flask import session

#: The signed-session key holding the invitation's path.
PENDING_INVITATION_KEY = "pending_invitation"
#: How long the invitation waits for them to sign up or log in in this browser.
PENDING_INVITATION_SECONDS = 24 * 3600


def remember_invitation(path: str) -> None:
    """Keep the invitation a logged-out person opened, so that however they then sign up or log
    in (the invitation's buttons, the header's links, after a mistake) they arrive at it."""
    if _same_site(path):
        session[PENDING_INVITATION_KEY] = {
            "path": path,
            "until": int(time.time()) + PENDING_INVITATION_SECONDS,
        }


def pending_invitation() -> str | None:
    """The path of the invitation opened in this browser, while it waits (left in place)."""
    pending = session.get(PENDING_INVITATION_KEY)
    if not isinstance(pending, dict):
        return None
    path, until = pending.get("path"), pending.get("until")
    if not isinstance(path, str) or not isinstance(until, int) or until < time.time():
        return None
    return _same_site(path)


def take_pending_invitation() -> str | None:
    """The pending invitation's path, forgotten once read: it leads on only once."""
    path = pending_invitation()
    session.pop(PENDING_INVITATION_KEY, None)
    return path


def _same_site(path: str) -> str | None:
    # Imported here: circles.security imports every feature's models, which import accounts.
    from circles.security import safe_next_url

    return safe_next_url(path)

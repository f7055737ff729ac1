"""Named signals between features: a feature says what happened; others listen.

Accounts, circles, organisations, the rights and support pages and the command line send these
after their commit; the live package (:mod:`circles.live.listeners`) closes exactly the sockets
concerned, or tells the open rooms. No feature imports
another feature's views or socket module.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: One login ended (logout). Sender: the user id; ``token_hash``: that login's hash.
login_ended = _signals.signal("login-ended")
#: Every login of a person ended, or none of them may stay in a live room (password changed or
#: reset, two-step sign-in now required or reset). Sender: the user id.
logins_ended = _signals.signal("logins-ended")
#: Someone left, or was removed from, a circle. Sender: the user id; ``circle_id``.
member_removed = _signals.signal("member-removed")
#: Someone left, or was removed from, an organisation's team. Sender: the user id; ``org_id``.
staff_removed = _signals.signal("staff-removed")
#: An account is being erased, in the erasing transaction, before its rows go. Sender: the user
#: id. The live package takes the person out of running rooms and deletes their named answers,
#: and returns ``(sockets, sessions)``: the live sockets and running sessions concerned, for
#: ``account_erased`` after the commit.
account_erasing = _signals.signal("account-erasing")
#: An account was erased. Sender: the user id; ``sockets``: its live sockets, found before the
#: erasure; ``sessions``: the live sessions it was in.
account_erased = _signals.signal("account-erased")
#: A member asked their facilitators for contact (from a page). Sender: the circle id.
support_requested = _signals.signal("support-requested")
#: A facilitator changed where a support request stands. Sender: the SupportRequest.
support_status_changed = _signals.signal("support-status-changed")

"""Named signals between features: a feature says what happened, or asks; others answer.

Accounts, circles, organisations, the rights and support pages and the command line send the
events after their commit; the live package (:mod:`circles.live.listeners`) closes exactly the
sockets concerned, or tells the open rooms. The questions at the end are how pages, the data
export, erasure and the clean-up job learn what the live package holds
(:mod:`circles.live.questions`) without importing it. No feature imports another feature's
package.
"""

from __future__ import annotations

from typing import Any

from blinker import NamedSignal, Namespace

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

# Questions: sent with :func:`ask`, answered by exactly one listener.

#: The circle's page again, with a refused support request and its message kept, as ``(html,
#: status)``. Sender: the CircleAccess; ``form``: the SupportRequestForm.
circle_page_asked = _signals.signal("circle-page-asked")
#: The same for the check-in page. Sender: the CircleAccess; ``form``: the SupportRequestForm.
checkin_page_asked = _signals.signal("checkin-page-asked")
#: The circle's live room that has not ended, or None. Sender: the circle id.
open_room_asked = _signals.signal("open-room-asked")
#: The open live rooms of every circle a person is in, as ``(session, circle)`` pairs sorted by
#: circle name. Sender: the user id.
open_rooms_asked = _signals.signal("open-rooms-asked")
#: How many steps each meeting's session plan has, as ``{meeting_id: steps}`` (meetings without a
#: plan left out). Sender: the meeting ids.
plan_sizes_asked = _signals.signal("plan-sizes-asked")
#: The demo's first meeting was scheduled; the live package plans it (``keys``: built-in prompts,
#: in order) and holds a short, finished session in its circle, with some members' answers and
#: commitments. Sender: the Meeting. Answers ``(steps planned, commitments made)``.
demo_live_asked = _signals.signal("demo-live-asked")
#: What the live package holds about a person, as sections of the data export (``{name:
#: entries}``). Sender: the user id.
personal_data_asked = _signals.signal("personal-data-asked")
#: Queries (``select`` of any id) of what people other than the person hold in the live rooms of
#: some circles; erasure keeps an organisation that has any. Sender: the user id; ``circles``: a
#: ``select`` of circle ids.
others_content_asked = _signals.signal("others-content-asked")
#: The daily clean-up: delete what has outlived its keeping period and answer how many rows
#: went. Sender: the current time (aware UTC).
content_expired = _signals.signal("content-expired")
#: The commitments a person made in live sessions, words opened for them (passes left out):
#: dicts of ``id``, ``circle`` (its name), ``text`` and ``made_at``, oldest first. Sender: the
#: user id. Answered by the live package.
commitments_asked = _signals.signal("commitments-asked")
#: Which of a person's live commitments they marked done or let go (a set of ids): the room
#: shows back only the others. Sender: the user id. Answered by :mod:`circles.space`.
closed_commitments_asked = _signals.signal("closed-commitments-asked")
#: Open-text prompts the organisations and circles of a person keep in their libraries, to offer
#: in the journal: dicts of ``key`` ("saved:<id>"), ``text`` and ``source`` (the circle's or the
#: organisation's name), sorted by source. Sender: the user id. Answered by the live package.
journal_prompts_asked = _signals.signal("journal-prompts-asked")


def ask(signal: NamedSignal, sender: Any, **kwargs: Any) -> Any:
    """The one answer to a question. Nobody answering is a bug (say, a listener not connected),
    never an empty answer: a page would wrongly show no room, an export would leave data out."""
    answers = signal.send(sender, **kwargs)
    if len(answers) != 1:
        raise RuntimeError(f"{signal.name}: {len(answers)} answers, expected exactly one")
    return answers[0][1]

"""The demo's live side (``flask demo`` asks through :data:`circles.signals.demo_live_asked`).

The demo circle gets its first meeting's plan, and a short session it has already held: people
join, answer three prompts from the built-in library (one of them a commitment), the facilitator
reveals each and ends the session. Everything goes through the services the room's events use,
so the rows are the ones a real session leaves: attendance, commitments sealed for their
members, and no answers kept once it ends (unless the organisation keeps them a while).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select

from circles.extensions import db
from circles.groups.models import Circle, CircleMember, CircleRole
from circles.live import access, answers, opening, planning, revealing, rooms
from circles.live.access import Actor
from circles.meetings.models import Meeting

#: The session's prompts, built-in library keys in the order they were put to the room.
SESSION_PROMPTS = ("one-word", "what-helped", "one-step")


@dataclass(frozen=True)
class Attendee:
    """What one member gave: a word, their picks of what helped, and a commitment (None: pass)."""

    word: str
    picks: tuple[int, ...]
    commitment: str | None


#: The members who came, in the order they joined the circle; the others missed this one.
ATTENDEES = (
    Attendee("tender", (0, 4), "Walk by the river on Sunday morning, without my phone."),
    Attendee("tired", (5,), "Go to bed by eleven on three nights this week."),
    Attendee("hopeful", (1, 3), "Tell my sister one thing I noticed in my last session."),
    Attendee("curious", (4,), "Write three lines in my notebook each evening, however small."),
    Attendee("unsettled", (0, 2), None),
    Attendee("lighter", (2, 1), "Take the long way home on Wednesday and notice the trees."),
    Attendee("grateful", (3,), "Say no to one extra thing at work, kindly and without apology."),
)


def plan_meeting(meeting: Meeting, keys: Iterable[str]) -> int:
    """Plan a meeting from the built-in library; the number of steps it now has."""
    circle = db.session.get_one(Circle, meeting.circle_id)
    for key in keys:
        planning.add_to_plan(meeting, planning.entry_by_ref(circle, f"builtin:{key}").spec)
    return len(planning.plan_for(meeting.id))


def hold_finished_session(circle: Circle) -> int:
    """A short session of the circle, run and ended by its first facilitator; the number of
    commitments made (the caller commits)."""
    people = db.session.scalars(
        select(CircleMember).where(CircleMember.circle_id == circle.id).order_by(CircleMember.id)
    ).all()
    facilitator = next(p for p in people if p.role == CircleRole.FACILITATOR)
    members = [p for p in people if p.role == CircleRole.MEMBER][: len(ATTENDEES)]
    session = rooms.start_session(circle, facilitator.user_id)
    db.session.flush()
    session, host = access.actor_for(session.id, facilitator.user_id)
    came: list[tuple[Actor, Attendee]] = []
    rooms.join(session, host, _socket_id())
    for member, attendee in zip(members, ATTENDEES, strict=False):
        _, actor = access.actor_for(session.id, member.user_id)
        rooms.join(session, actor, _socket_id())
        came.append((actor, attendee))
    for key in SESSION_PROMPTS:
        spec = planning.entry_by_ref(circle, f"builtin:{key}").spec
        prompt_id = opening.open_prompt(session, host, spec).ack["prompt"]["id"]
        for actor, attendee in came:
            value = {
                "one-word": attendee.word,
                "what-helped": list(attendee.picks),
                "one-step": attendee.commitment,
            }[key]
            if value is None:
                answers.pass_prompt(session, actor, prompt_id, _client_id())
            else:
                answers.submit_response(session, actor, prompt_id, value, _client_id())
        revealing.reveal_prompt(session, host, prompt_id)
    rooms.end_session(session, host)
    return sum(1 for _, attendee in came if attendee.commitment)


def _socket_id() -> str:
    """Like the id of a browser's socket (the end of the session closes them all)."""
    return secrets.token_urlsafe(15)


def _client_id() -> str:
    """Like the id a page gives its answer, so that a resend is not counted twice."""
    return secrets.token_hex(8)

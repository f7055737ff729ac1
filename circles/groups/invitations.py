"""Bringing people into a circle: invitations by email, the page a link opens before logging
in, and who came in through which link."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select

from circles import invites
from circles.accounts.models import User
from circles.db import utcnow
from circles.exceptions import ServiceError
from circles.extensions import db
from circles.groups.models import Circle, CircleInvite, CircleMember, CircleRole
from circles.groups.services import create_invite, member_count
from circles.mail import send_mail
from circles.tokens import LinkState
from circles.urls import external_url

#: Most addresses one send takes (a circle takes at most 50 members).
MAX_ADDRESSES = 50
#: The subject of every invitation mail: nothing about what the circle is for (shared inboxes,
#: lock screens).
INVITATION_SUBJECT = "You are invited to join a circle"
_SEPARATORS = re.compile(r"[\s,;]+")


def parse_addresses(text: str) -> list[str]:
    """The distinct addresses in ``text`` (separated by commas, semicolons, spaces or lines),
    lower-cased, in the order given; :class:`ServiceError` naming every one that is not valid."""
    found: list[str] = []
    bad: list[str] = []
    for piece in _SEPARATORS.split(text or ""):
        if not piece:
            continue
        try:
            address = validate_email(piece, check_deliverability=False).normalized.lower()
        except EmailNotValidError:
            bad.append(piece)
            continue
        if address not in found:
            found.append(address)
    if bad:
        listed = ", ".join(bad[:5]) + (" and others" if len(bad) > 5 else "")
        raise ServiceError(
            f"These do not look like email addresses: {listed}. Correct them and send again; "
            "nothing was sent.",
            "emails",
        )
    if not found:
        raise ServiceError("Enter at least one email address.", "emails")
    if len(found) > MAX_ADDRESSES:
        raise ServiceError(
            f"Send to at most {MAX_ADDRESSES} addresses at a time; nothing was sent.", "emails"
        )
    return found


def send_invitations(
    circle: Circle, addresses: list[str], *, days: int, by: User, by_name: str
) -> list[CircleInvite]:
    """One link per address, bound to it and good for one person, each mailed to its address
    once the caller commits (nothing is sent if it rolls back). ``by_name`` is how the inviting
    person is known in the circle."""
    sent = []
    for address in addresses:
        invite, token = create_invite(circle, days=days, max_uses=1, email=address, by=by)
        send_mail(address, INVITATION_SUBJECT, _invitation_body(circle, by_name, token, days))
        sent.append(invite)
    return sent


def _invitation_body(circle: Circle, by_name: str, token: str, days: int) -> str:
    return (
        f"{by_name} has invited you to join “{circle.name}”, a small group on Circles.\n\n"
        f"To see the invitation, open this link within {days} days:\n"
        f"{external_url('groups.join', token=token)}\n\n"
        "The link is for this email address only. You will read the group's agreement and "
        "choose the name the group knows you by before you join; you can leave at any time.\n\n"
        "If you were not expecting this, you can ignore this message."
    )


def inviter_name(circle_id: int, user: User) -> str:
    """How a person is known in the circle (their circle name), else their account's first name."""
    name = db.session.scalar(
        select(CircleMember.display_name).where(
            CircleMember.circle_id == circle_id, CircleMember.user_id == user.id
        )
    )
    return name or user.display_name.split(" ")[0]


def facilitator_names(circle_id: int) -> list[str]:
    """The circle names of its facilitators: what a person holding an invitation may see."""
    return list(
        db.session.scalars(
            select(CircleMember.display_name)
            .where(
                CircleMember.circle_id == circle_id,
                CircleMember.role == CircleRole.FACILITATOR,
            )
            .order_by(CircleMember.created_at, CircleMember.id)
        )
    )


def unusable_before_login(invite: CircleInvite) -> str | None:
    """Why nobody at all could join through this link now (expired, withdrawn, used up, a
    closed or full circle), or None. Who is asking is only known after logging in."""
    state = invite.state(utcnow())
    if state != LinkState.USABLE:
        return invites.UNUSABLE_MESSAGES[state]
    circle = invite.circle
    if circle.archived:
        return "This circle is closed and no longer takes new members."
    if member_count(circle) >= circle.capacity:
        return "This circle is full. Ask the facilitator whether a place opens up."
    return None


@dataclass(frozen=True)
class InviteRow:
    """A circle's invitation link as its staff see it, with the people who joined through it."""

    invite: CircleInvite
    joined: list[str]


def invitation_rows(circle_id: int) -> list[InviteRow]:
    """The circle's links, newest first, each with the circle names of who joined through it."""
    links = db.session.scalars(
        select(CircleInvite)
        .where(CircleInvite.circle_id == circle_id)
        .order_by(CircleInvite.created_at.desc(), CircleInvite.id.desc())
    ).all()
    joined: dict[int | None, list[str]] = defaultdict(list)
    for invite_id, name in db.session.execute(
        select(CircleMember.invite_id, CircleMember.display_name)
        .where(CircleMember.circle_id == circle_id, CircleMember.invite_id.is_not(None))
        .order_by(CircleMember.name_key)
    ):
        joined[invite_id].append(name)
    return [InviteRow(link, joined.get(link.id, [])) for link in links]

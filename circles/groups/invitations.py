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
from circles.i18n import gettext as _
from circles.i18n import language_for, ngettext, speaking
from circles.i18n import lazy_gettext as _l
from circles.mail import send_mail
from circles.tokens import LinkState
from circles.urls import external_url

#: Most addresses one send takes (a circle takes at most 50 members).
MAX_ADDRESSES = 50
#: The subject of every invitation mail: nothing about what the circle is for (shared inboxes,
#: lock screens).
INVITATION_SUBJECT = _l("You are invited to join a circle")
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
        listed = ", ".join(bad[:5])
        if len(bad) > 5:
            message = _(
                "These do not look like email addresses: %(listed)s and others. Correct them and "
                "send again; nothing was sent.",
                listed=listed,
            )
        else:
            message = _(
                "These do not look like email addresses: %(listed)s. Correct them and send again; "
                "nothing was sent.",
                listed=listed,
            )
        raise ServiceError(message, "emails")
    if not found:
        raise ServiceError(_("Enter at least one email address."), "emails")
    if len(found) > MAX_ADDRESSES:
        raise ServiceError(
            _(
                "Send to at most %(num)d addresses at a time; nothing was sent.",
                num=MAX_ADDRESSES,
            ),
            "emails",
        )
    return found


def send_invitations(
    circle: Circle, addresses: list[str], *, days: int, by: User, by_name: str
) -> list[CircleInvite]:
    """One link per address, bound to it and good for one person, each mailed to its address
    once the caller commits (nothing is sent if it rolls back). ``by_name`` is how the inviting
    person is known in the circle.

    The people invited have no account yet: the mails speak the language of the request that
    sends them (the inviting person's)."""
    sent = []
    for address in addresses:
        invite, token = create_invite(circle, days=days, max_uses=1, email=address, by=by)
        with speaking(language_for(None)):
            subject = str(INVITATION_SUBJECT)
            body = _invitation_body(circle, by_name, token, days)
        send_mail(address, subject, body)
        sent.append(invite)
    return sent


def _invitation_body(circle: Circle, by_name: str, token: str, days: int) -> str:
    paragraphs = [
        _(
            "%(name)s has invited you to join “%(circle)s”, a small group on Circles.",
            name=by_name,
            circle=circle.name,
        ),
        ngettext(
            "To see the invitation, open this link within %(num)d day:",
            "To see the invitation, open this link within %(num)d days:",
            days,
        )
        + "\n"
        + external_url("groups.join", token=token),
        _(
            "The link is for this email address only. You will read the group's agreement and "
            "choose the name the group knows you by before you join; you can leave at any time."
        ),
        _("If you were not expecting this, you can ignore this message."),
    ]
    return "\n\n".join(paragraphs)


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
        return str(invites.UNUSABLE_MESSAGES[state])
    circle = invite.circle
    refusal: str | None = None
    if circle.archived:
        refusal = _("This circle is closed and no longer takes new members.")
    elif member_count(circle) >= circle.capacity:
        refusal = _("This circle is full. Ask the facilitator whether a place opens up.")
    return refusal


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

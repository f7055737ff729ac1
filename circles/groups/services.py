"""Circles: create and edit, invitations, joining, roster changes.

Invitations and roster changes made by staff record their entry in the organisation's audit log
here, whoever calls them (a page, a command), with the person who made them (``by``).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import selectinload

from circles import invites, paging
from circles.accounts.models import User
from circles.audit import services as audit
from circles.audit.models import AuditAction
from circles.db import add_or_refuse, utcnow
from circles.exceptions import ServiceError
from circles.extensions import db
from circles.groups.models import (
    MAX_CAPACITY,
    MAX_DISPLAY_NAME,
    MAX_INVITE_LABEL,
    Circle,
    CircleInvite,
    CircleMember,
    CircleRole,
)
from circles.i18n import gettext as _
from circles.i18n import ngettext
from circles.meetings import services as meetings
from circles.orgs.models import Organisation, OrgMember


def name_key(display_name: str) -> str:
    """The form of a display name under which two names count as the same."""
    return " ".join(display_name.split()).casefold()


def _check_capacity(capacity: int) -> None:
    if not 2 <= capacity <= MAX_CAPACITY:
        raise ServiceError(
            _("Choose a capacity between 2 and %(max)d.", max=MAX_CAPACITY), "capacity"
        )


def create_circle(
    org: Organisation,
    creator: User,
    *,
    name: str,
    description: str,
    agreement: str,
    capacity: int,
    facilitator_name: str,
) -> Circle:
    """A new circle in the organisation, with its creator as first facilitator."""
    _check_capacity(capacity)
    circle = Circle(
        org_id=org.id,
        name=name.strip(),
        description=description.strip(),
        agreement=agreement.strip(),
        capacity=capacity,
    )
    db.session.add(circle)
    db.session.flush()
    add_member(circle, creator, facilitator_name, CircleRole.FACILITATOR)
    return circle


def update_circle(
    circle: Circle, *, name: str, description: str, agreement: str, capacity: int
) -> None:
    _check_capacity(capacity)
    if capacity < member_count(circle):
        raise ServiceError(
            _("The circle already has more members than that. Choose a larger capacity."),
            "capacity",
        )
    circle.name = name.strip()
    circle.description = description.strip()
    circle.agreement = agreement.strip()
    circle.capacity = capacity


def archive_circle(circle: Circle) -> None:
    """Close a circle: it stays readable to its people but takes no one new."""
    if circle.archived_at is None:
        circle.archived_at = utcnow()


def restore_circle(circle: Circle) -> None:
    circle.archived_at = None


def member_count(circle: Circle) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(CircleMember)
            .where(CircleMember.circle_id == circle.id, CircleMember.role == CircleRole.MEMBER)
        )
        or 0
    )


def facilitator_count(circle_id: int) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(CircleMember)
            .where(CircleMember.circle_id == circle_id, CircleMember.role == CircleRole.FACILITATOR)
        )
        or 0
    )


def add_member(circle: Circle, user: User, display_name: str, role: CircleRole) -> CircleMember:
    display_name = " ".join(display_name.split())
    if not display_name:
        raise ServiceError(_("Choose a name for this circle."), "display_name")
    key = name_key(display_name)
    taken = db.session.scalar(
        select(func.count())
        .select_from(CircleMember)
        .where(CircleMember.circle_id == circle.id, CircleMember.name_key == key)
    )
    if taken:
        raise ServiceError(
            _(
                "Someone in this circle already uses that name. Choose another, such as adding an "
                "initial."
            ),
            "display_name",
        )
    if len(display_name) > MAX_DISPLAY_NAME:
        raise ServiceError(_too_long(MAX_DISPLAY_NAME), "display_name")
    member = CircleMember(
        circle_id=circle.id,
        user_id=user.id,
        role=role,
        display_name=display_name,
        name_key=key,
        agreed_at=utcnow(),
    )
    # Someone may have taken the name, or the same person joined twice, at the same moment.
    add_or_refuse(
        member,
        _("That did not work: you may already be in this circle, or the name was just taken."),
        "display_name",
    )
    return member


def _too_long(most: int) -> str:
    text: str = ngettext("Use at most %(num)d character.", "Use at most %(num)d characters.", most)
    return text


def create_invite(
    circle: Circle,
    *,
    days: int,
    max_uses: int,
    email: str | None,
    by: User,
    label: str | None = None,
) -> tuple[CircleInvite, str]:
    """A link that lets people join the circle; returns it with its raw token (shown once).

    ``label`` is the facilitator's own name for it ("for Maria"), seen by the circle's staff.
    """
    if circle.archived:
        raise ServiceError(_("This circle is archived. Restore it before inviting anyone."))
    label = " ".join((label or "").split()) or None
    if label is not None and len(label) > MAX_INVITE_LABEL:
        raise ServiceError(_too_long(MAX_INVITE_LABEL), "label")
    invite = CircleInvite(circle_id=circle.id, label=label)
    token = invites.new_link(invite, days=days, max_uses=max_uses, email=email, created_by_id=by.id)
    db.session.add(invite)
    db.session.flush()
    audit.record(
        circle.org_id, by.id, AuditAction.MEMBERS_INVITED, "invite", invite.id, circle=circle.id
    )
    return invite, token


def revoke_invite(invite: CircleInvite, *, by: User) -> None:
    """Withdraw a circle's invitation link: nobody can use it any more."""
    invites.revoke(invite)
    audit.record(
        invite.circle.org_id,
        by.id,
        AuditAction.MEMBER_INVITE_REVOKED,
        "invite",
        invite.id,
        circle=invite.circle_id,
    )


def existing_membership(circle_id: int, user: User) -> CircleMember | None:
    return db.session.scalar(
        select(CircleMember).where(
            CircleMember.circle_id == circle_id, CircleMember.user_id == user.id
        )
    )


def check_can_join(invite: CircleInvite, user: User) -> None:
    """Raise a :class:`ServiceError` saying why this person cannot join through this link."""
    circle = invite.circle
    if circle.archived:
        raise ServiceError(_("This circle is closed and no longer takes new members."))
    invites.check_usable(invite, user.email)
    if member_count(circle) >= circle.capacity:
        raise ServiceError(_("This circle is full. Ask the facilitator whether a place opens up."))


def join_circle(
    invite: CircleInvite, user: User, *, display_name: str, accepted: bool
) -> CircleMember:
    """Join the circle of an invitation after accepting its agreement, under a chosen name."""
    if not accepted:
        raise ServiceError(_("Please read the agreement and tick the box to accept it."), "accept")
    if existing_membership(invite.circle_id, user) is not None:
        raise ServiceError(_("You are already in this circle."))
    # Lock the circle row (PostgreSQL) so that two people cannot both take the last place;
    # SQLite already lets only one writer in at a time.
    db.session.execute(select(Circle.id).where(Circle.id == invite.circle_id).with_for_update())
    check_can_join(invite, user)
    invites.consume_use(invite)
    member = add_member(invite.circle, user, display_name, CircleRole.MEMBER)
    member.invite_id = invite.id  # facilitators see who came in through which link
    return member


#: People listed on one page of a circle's roster (a full circle takes two pages).
ROSTER_PAGE_SIZE = 25


def roster_page(
    circle_id: int, q: str = "", page: int = 1, *, with_accounts: bool = False
) -> paging.Page[CircleMember]:
    """One page of the circle's people, facilitators first, then by name in the circle.

    ``q`` keeps those whose circle name contains it (any case). Only ``with_accounts`` (the
    circle's managers, who see the accounts) loads each account and also searches its name
    and email: a member's search must not tell them which name belongs to which address.
    """
    query = (
        select(CircleMember)
        .where(CircleMember.circle_id == circle_id)
        .order_by(CircleMember.role, CircleMember.name_key, CircleMember.id)
    )
    if with_accounts:
        query = query.options(selectinload(CircleMember.user))
    if q:
        pattern = paging.contains(name_key(q))
        found: ColumnElement[bool] = CircleMember.name_key.like(pattern, escape="\\")
        if with_accounts:
            pattern = paging.contains(q)  # as typed: accounts keep their case
            query = query.join(User, User.id == CircleMember.user_id)
            found = or_(
                found,
                User.display_name.ilike(pattern, escape="\\"),
                User.email.ilike(pattern, escape="\\"),
            )
        query = query.where(found)
    return paging.paginate(query, page, ROSTER_PAGE_SIZE)


def circle_size(circle_id: int) -> int:
    """Everyone in the circle, facilitators included (one count)."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(CircleMember)
            .where(CircleMember.circle_id == circle_id)
        )
        or 0
    )


def co_facilitator_candidates(circle: Circle) -> list[User]:
    """Staff of the circle's organisation who are not yet in the circle."""
    in_circle = select(CircleMember.user_id).where(CircleMember.circle_id == circle.id)
    return list(
        db.session.scalars(
            select(User)
            .join(OrgMember, OrgMember.user_id == User.id)
            .where(OrgMember.org_id == circle.org_id, User.id.not_in(in_circle))
            .order_by(User.display_name)
        )
    )


def add_co_facilitator(
    circle: Circle, user_id: int, display_name: str, *, by: User
) -> CircleMember:
    """Make one of the organisation's staff a co-facilitator of the circle."""
    candidate = next((u for u in co_facilitator_candidates(circle) if u.id == user_id), None)
    if candidate is None:
        raise ServiceError(_("Choose someone from your organisation's team."), "user_id")
    # Members see this name; default to the first name, as the join form does.
    name = display_name or candidate.display_name.split(" ")[0][:MAX_DISPLAY_NAME]
    member = add_member(circle, candidate, name, CircleRole.FACILITATOR)
    audit.record(
        circle.org_id, by.id, AuditAction.CO_FACILITATOR_ADDED, "user", user_id, circle=circle.id
    )
    return member


def remove_member(member: CircleMember, *, by: User | None) -> None:
    """Take someone out of the circle; a circle always keeps at least one facilitator.

    ``by`` is who takes them out: themselves (leaving, not audited), a facilitator or admin, or
    None (the server's operator).
    """
    if member.role == CircleRole.FACILITATOR and facilitator_count(member.circle_id) <= 1:
        raise ServiceError(
            _(
                "A circle needs at least one facilitator. "
                "Add a co-facilitator first, or archive the circle."
            )
        )
    # Their answers for the circle's meetings go with them (counts stay true, nothing lingers).
    meetings.forget_answers(member.user_id, [member.circle_id])
    if by is None or by.id != member.user_id:
        audit.record(
            member.circle.org_id,
            by.id if by else None,
            AuditAction.MEMBER_REMOVED,
            "user",
            member.user_id,
            circle=member.circle_id,
        )
    db.session.delete(member)
    db.session.flush()

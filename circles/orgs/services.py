"""Organisations: settings, staff roles and staff invitations.

Each change records its entry in the organisation's audit log here, whoever calls it (a page, a
command), with the person who made it (``by``).
"""

from __future__ import annotations

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import selectinload

from circles import invites, paging
from circles.accounts import second_factor
from circles.accounts.models import User
from circles.audit import services as audit
from circles.audit.models import AuditAction
from circles.db import add_or_refuse
from circles.exceptions import ServiceError
from circles.extensions import db
from circles.groups.models import Circle, CircleMember, CircleRole
from circles.i18n import gettext as _
from circles.i18n import lazy_gettext as _l
from circles.orgs import colours
from circles.orgs.models import (
    INVITE_RETENTION_RANGE,
    MAX_LIVE_RETENTION_DAYS,
    MIN_ANONYMITY_K,
    SUPPORT_RETENTION_RANGE,
    Organisation,
    OrgInvite,
    OrgMember,
    OrgRole,
)
from circles.templating import number

ALREADY_STAFF = _l("You are already part of this organisation's team.")


def is_staff(org_id: int, user_id: int) -> bool:
    return (
        db.session.scalar(
            select(OrgMember.id).where(OrgMember.org_id == org_id, OrgMember.user_id == user_id)
        )
        is not None
    )


#: People listed on one page of the team page.
TEAM_PAGE_SIZE = paging.PAGE_SIZE


def team_size(org_id: int) -> int:
    """Everyone on the organisation's team (one count)."""
    return (
        db.session.scalar(
            select(func.count()).select_from(OrgMember).where(OrgMember.org_id == org_id)
        )
        or 0
    )


def team_page(org_id: int, q: str = "", page: int = 1) -> paging.Page[OrgMember]:
    """One page of the team, longest-serving first, each with their account loaded; ``q``
    keeps those whose name or email contains it (any case)."""
    query = (
        select(OrgMember)
        .where(OrgMember.org_id == org_id)
        .options(selectinload(OrgMember.user))
        .order_by(OrgMember.created_at, OrgMember.id)
    )
    if q:
        pattern = paging.contains(q)
        query = query.join(User, User.id == OrgMember.user_id).where(
            or_(
                User.display_name.ilike(pattern, escape="\\"),
                User.email.ilike(pattern, escape="\\"),
            )
        )
    return paging.paginate(query, page, TEAM_PAGE_SIZE)


def update_settings(
    org: Organisation,
    *,
    name: str,
    anonymity_k: int,
    crisis_resources: str,
    live_retention_days: int | None = None,
    support_retention_days: int | None = None,
    invite_retention_days: int | None = None,
    require_second_factor: bool | None = None,
    accent_colour: str | None = None,
    by: User,
) -> list[str]:
    """Change an organisation's name and policies; k never goes below the floor. Returns the
    names of the settings that changed (recorded in the audit log, without their values).

    Whoever turns on required two-step sign-in (``by``) must use it already, so that saving the
    setting never locks them out of the page they are on. An accent colour (``""`` for Circles'
    own) must be readable on the pages it colours (``colours.is_readable``).
    """
    if anonymity_k < MIN_ANONYMITY_K:
        raise ServiceError(
            _("The anonymity threshold cannot be lower than %(k)d.", k=MIN_ANONYMITY_K),
            "anonymity_k",
        )
    if (
        require_second_factor
        and not org.require_second_factor
        and not second_factor.is_enrolled(by.id)
    ):
        raise ServiceError(
            _(
                "Set up two-step sign-in for your own account first (Your account, then "
                "Two-step sign-in); then you can ask the same of your team."
            ),
            "require_second_factor",
        )
    accent = _checked_accent(accent_colour) if accent_colour is not None else org.accent_colour
    before = _settings_of(org)
    org.name = name.strip()
    org.accent_colour = accent
    org.anonymity_k = anonymity_k
    org.crisis_resources = crisis_resources.strip()
    if live_retention_days is not None:
        if not 0 <= live_retention_days <= MAX_LIVE_RETENTION_DAYS:
            raise ServiceError(
                _("Choose from %(low)d to %(high)d days.", low=0, high=MAX_LIVE_RETENTION_DAYS),
                "live_retention_days",
            )
        org.live_retention_days = live_retention_days
    for name, days, (low, high) in (
        ("support_retention_days", support_retention_days, SUPPORT_RETENTION_RANGE),
        ("invite_retention_days", invite_retention_days, INVITE_RETENTION_RANGE),
    ):
        if days is None:
            continue
        if not low <= days <= high:
            raise ServiceError(_("Choose from %(low)d to %(high)d days.", low=low, high=high), name)
        setattr(org, name, days)
    if require_second_factor is not None:
        org.require_second_factor = require_second_factor
    changed = sorted(key for key, value in _settings_of(org).items() if before[key] != value)
    if changed:
        audit.record(
            org.id, by.id, AuditAction.SETTINGS_CHANGED, "organisation", org.id, changed=changed
        )
    return changed


def _settings_of(org: Organisation) -> dict[str, object]:
    return {
        "name": org.name,
        "anonymity_k": org.anonymity_k,
        "crisis_resources": org.crisis_resources,
        "live_retention_days": org.live_retention_days,
        "support_retention_days": org.support_retention_days,
        "invite_retention_days": org.invite_retention_days,
        "require_second_factor": org.require_second_factor,
        "accent_colour": org.accent_colour,
    }


def _checked_accent(text: str) -> str | None:
    """The colour as ``#rrggbb`` (None for Circles' own), or a refusal that says what to try."""
    if not text.strip():
        return None
    colour = colours.normalise(text)
    if colour is None:
        raise ServiceError(
            _("Enter a colour as # and six letters or digits, like #2f5d50."), "accent_colour"
        )
    if not colours.is_readable(colour):
        ratio = int(colours.weakest_contrast(colour) * 10) / 10  # rounded down: never "4.5"
        raise ServiceError(
            _(
                "Links and buttons in %(colour)s would be hard to read (contrast %(ratio)s to 1; "
                "they need at least %(minimum)s to 1). A darker shade of it, %(shade)s, is easy "
                "to read.",
                colour=colour,
                ratio=number(ratio, 1),
                minimum=number(colours.MIN_CONTRAST),
                shade=colours.readable_shade(colour),
            ),
            "accent_colour",
        )
    return colour


def create_staff_invite(
    org: Organisation, *, role: OrgRole, days: int, max_uses: int, email: str | None, by: User
) -> tuple[OrgInvite, str]:
    """A link that adds staff to the organisation; returns it with its raw token."""
    if role == OrgRole.OWNER:
        raise ServiceError(
            _("Invite people as facilitators or admins; owners are chosen later."), "role"
        )
    invite = OrgInvite(org_id=org.id, role=role)
    token = invites.new_link(invite, days=days, max_uses=max_uses, email=email, created_by_id=by.id)
    db.session.add(invite)
    db.session.flush()
    audit.record(
        org.id, by.id, AuditAction.STAFF_INVITED, "invite", invite.id, role=invite.role.value
    )
    return invite, token


def revoke_staff_invite(invite: OrgInvite, *, by: User) -> None:
    """Withdraw a team invitation link: nobody can use it any more."""
    invites.revoke(invite)
    audit.record(invite.org_id, by.id, AuditAction.STAFF_INVITE_REVOKED, "invite", invite.id)


def accept_staff_invite(invite: OrgInvite, user: User) -> OrgMember:
    """Add the user to the organisation's staff with the invitation's role."""
    invites.check_usable(invite, user.email)
    existing = db.session.scalar(
        select(OrgMember).where(OrgMember.org_id == invite.org_id, OrgMember.user_id == user.id)
    )
    if existing is not None:
        raise ServiceError(str(ALREADY_STAFF))
    invites.consume_use(invite)
    member = OrgMember(org_id=invite.org_id, user_id=user.id, role=invite.role)
    add_or_refuse(member, str(ALREADY_STAFF))
    return member


def _owner_count(org_id: int) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(OrgMember)
            .where(OrgMember.org_id == org_id, OrgMember.role == OrgRole.OWNER)
        )
        or 0
    )


def change_role(member: OrgMember, new_role: OrgRole, *, by: User, by_role: OrgRole) -> None:
    """Change a staff member's role; only owners touch ownership, and one owner always remains.

    ``by`` is who changes it, ``by_role`` their role in the organisation.
    """
    if new_role == member.role:
        return
    if OrgRole.OWNER in (new_role, member.role) and by_role != OrgRole.OWNER:
        raise ServiceError(_("Only an owner can give or take away ownership."))
    if member.role == OrgRole.OWNER and _owner_count(member.org_id) <= 1:
        raise ServiceError(
            _("The organisation needs at least one owner. Make someone else owner first.")
        )
    previous, member.role = member.role, new_role
    audit.record(
        member.org_id,
        by.id,
        AuditAction.ROLE_CHANGED,
        "user",
        member.user_id,
        role=f"{previous.value} to {new_role.value}",
    )


def remove_staff(member: OrgMember, *, by: User | None, by_role: OrgRole) -> None:
    """Take someone off the staff, and off every circle of the organisation they facilitate.

    ``by`` is who removes them (None: the server's operator), ``by_role`` the role they act as.
    """
    if member.role == OrgRole.OWNER:
        if by_role != OrgRole.OWNER:
            raise ServiceError(_("Only an owner can remove an owner."))
        if _owner_count(member.org_id) <= 1:
            raise ServiceError(
                _("The organisation needs at least one owner. Make someone else owner first.")
            )
    facilitated = db.session.scalars(
        select(CircleMember.circle_id)
        .join(Circle, Circle.id == CircleMember.circle_id)
        .where(
            Circle.org_id == member.org_id,
            CircleMember.user_id == member.user_id,
            CircleMember.role == CircleRole.FACILITATOR,
        )
    ).all()
    if facilitated:
        counts: dict[int, int] = dict(
            db.session.execute(  # type: ignore[arg-type]
                select(CircleMember.circle_id, func.count())
                .where(
                    CircleMember.circle_id.in_(facilitated),
                    CircleMember.role == CircleRole.FACILITATOR,
                )
                .group_by(CircleMember.circle_id)
            ).all()
        )
        sole = [circle_id for circle_id in facilitated if counts.get(circle_id, 0) <= 1]
        if sole:
            names = db.session.scalars(select(Circle.name).where(Circle.id.in_(sole))).all()
            raise ServiceError(
                _(
                    "This person is the only facilitator of %(circles)s. Add another "
                    "facilitator there first.",
                    circles=", ".join(sorted(names)),
                )
            )
        from circles.meetings.services import forget_answers  # meetings build on orgs

        forget_answers(member.user_id, facilitated)
        db.session.execute(
            delete(CircleMember).where(
                CircleMember.circle_id.in_(facilitated), CircleMember.user_id == member.user_id
            )
        )
    audit.record(
        member.org_id, by.id if by else None, AuditAction.STAFF_REMOVED, "user", member.user_id
    )
    db.session.delete(member)
    db.session.flush()

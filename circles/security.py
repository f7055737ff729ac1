"""Who may see and do what: the checks every view (and later every socket event) goes through."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import abort
from sqlalchemy import and_, select
from sqlalchemy.orm import joinedload

from circles.accounts.models import User
from circles.extensions import db
from circles.groups.models import Circle, CircleMember, CircleRole
from circles.orgs.models import Organisation, OrgMember, OrgRole


@dataclass(frozen=True)
class CircleAccess:
    """A person's standing in one circle, loaded in a single query."""

    circle: Circle
    membership: CircleMember | None
    org_role: OrgRole | None

    @property
    def is_facilitator(self) -> bool:
        return self.membership is not None and self.membership.role == CircleRole.FACILITATOR

    @property
    def is_org_admin(self) -> bool:
        return self.org_role is not None and self.org_role.is_admin

    @property
    def can_manage(self) -> bool:
        """Facilitators of the circle and admins of its organisation run the circle."""
        return self.is_facilitator or self.is_org_admin


@dataclass(frozen=True)
class OrgAccess:
    org: Organisation
    role: OrgRole

    @property
    def is_admin(self) -> bool:
        return self.role.is_admin


def circle_access_or_404(circle_id: int, user: User) -> CircleAccess:
    """The user's access to a circle; 404 unless they are in it or administer its organisation."""
    row = db.session.execute(
        select(Circle, CircleMember, OrgMember.role)
        .options(joinedload(Circle.org))  # pages show their organisation's name in the header
        .outerjoin(
            CircleMember, and_(CircleMember.circle_id == Circle.id, CircleMember.user_id == user.id)
        )
        .outerjoin(OrgMember, and_(OrgMember.org_id == Circle.org_id, OrgMember.user_id == user.id))
        .where(Circle.id == circle_id)
    ).first()
    if row is None:
        abort(404)
    circle, membership, org_role = row
    access = CircleAccess(circle, membership, org_role)
    if membership is None and not access.is_org_admin:
        abort(404)
    return access


def managed_circle_or_404(circle_id: int, user: User) -> CircleAccess:
    """Like :func:`circle_access_or_404`, and 403 for a member who does not run the circle."""
    access = circle_access_or_404(circle_id, user)
    if not access.can_manage:
        abort(403)
    return access


def org_access_or_404(org_id: int, user: User, *, admin: bool = False) -> OrgAccess:
    """The user's staff role in an organisation; 404 for outsiders, 403 when admin is needed."""
    row = db.session.execute(
        select(Organisation, OrgMember.role)
        .join(OrgMember, OrgMember.org_id == Organisation.id)
        .where(Organisation.id == org_id, OrgMember.user_id == user.id)
    ).first()
    if row is None:
        abort(404)
    access = OrgAccess(row[0], row[1])
    if admin and not access.is_admin:
        abort(403)
    return access


def safe_next_url(target: str | None) -> str | None:
    """A same-site path to go to after login, or None for anything that could leave the site."""
    if not target:
        return None
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if not target.isprintable():
        return None  # no control characters: a line break would split the Location header
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target

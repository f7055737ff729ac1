"""Imports every model so that metadata (Alembic, tests) sees all tables."""

from circles.accounts.models import AuthSession, User
from circles.groups.models import Circle, CircleInvite, CircleMember
from circles.orgs.models import Organisation, OrgInvite, OrgMember

__all__ = [
    "AuthSession",
    "Circle",
    "CircleInvite",
    "CircleMember",
    "OrgInvite",
    "OrgMember",
    "Organisation",
    "User",
]

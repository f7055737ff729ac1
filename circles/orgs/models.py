"""Organisations, their staff and the links that invite new staff."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from circles.db import Base, CreatedMixin, str_enum_type
from circles.i18n import Labelled
from circles.i18n import lazy_gettext as _l
from circles.tokens import InviteLinkMixin

if TYPE_CHECKING:
    from circles.accounts.models import User
    from circles.groups.models import Circle

#: The anonymity threshold can never be set below this (PRODUCT.md privacy rule 3).
MIN_ANONYMITY_K = 3
DEFAULT_ANONYMITY_K = 5


class OrgRole(Labelled, enum.StrEnum):
    """What a person may do across an organisation."""

    OWNER = "owner"
    ADMIN = "admin"
    FACILITATOR = "facilitator"

    @property
    def in_sentence(self) -> str:
        """The role's name inside a sentence ("You are facilitator here")."""
        return str(_ROLE_IN_SENTENCE[self.value])

    @classmethod
    def labels(cls) -> Mapping[str, str]:
        return _ROLE_LABELS

    @property
    def is_admin(self) -> bool:
        return self in (OrgRole.OWNER, OrgRole.ADMIN)


_ROLE_LABELS = {"owner": _l("Owner"), "admin": _l("Admin"), "facilitator": _l("Facilitator")}

_ROLE_IN_SENTENCE = {"owner": _l("owner"), "admin": _l("admin"), "facilitator": _l("facilitator")}

ORG_ROLE_TYPE = str_enum_type(OrgRole, "org_role")


#: Longest an organisation may keep live-session answers.
MAX_LIVE_RETENTION_DAYS = 90
#: Closed support requests are kept for this long (days) after they are closed, by default.
DEFAULT_SUPPORT_RETENTION_DAYS = 180
SUPPORT_RETENTION_RANGE = (7, 730)
#: Invitation links that can no longer be used are kept this long (days) for the team's record.
DEFAULT_INVITE_RETENTION_DAYS = 30
INVITE_RETENTION_RANGE = (0, 365)


class Organisation(CreatedMixin, Base):
    """A clinic, practice or community that hosts circles."""

    __tablename__ = "organisations"
    __table_args__ = (
        CheckConstraint(f"anonymity_k >= {MIN_ANONYMITY_K}", name="anonymity_k_floor"),
        CheckConstraint(
            f"live_retention_days >= 0 AND live_retention_days <= {MAX_LIVE_RETENTION_DAYS}",
            name="live_retention_range",
        ),
        CheckConstraint(
            "support_retention_days >= {} AND support_retention_days <= {}".format(
                *SUPPORT_RETENTION_RANGE
            ),
            name="support_retention_range",
        ),
        CheckConstraint(
            "invite_retention_days >= {} AND invite_retention_days <= {}".format(
                *INVITE_RETENTION_RANGE
            ),
            name="invite_retention_range",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    #: True for the organisation created for a facilitator who signed up alone.
    personal: Mapped[bool] = mapped_column(default=False)
    #: Smallest number of distinct respondents an aggregate report may cover.
    anonymity_k: Mapped[int] = mapped_column(default=DEFAULT_ANONYMITY_K)
    #: Shown to members as "Need help now?": phone lines, links, what to do in an emergency.
    crisis_resources: Mapped[str] = mapped_column(Text, default="")
    #: Days live-session answers are kept after the session; 0 deletes them when it ends.
    live_retention_days: Mapped[int] = mapped_column(default=0, server_default="0")
    #: Days a closed support request is kept after it was closed (then `flask purge` deletes it).
    support_retention_days: Mapped[int] = mapped_column(
        default=DEFAULT_SUPPORT_RETENTION_DAYS, server_default=str(DEFAULT_SUPPORT_RETENTION_DAYS)
    )
    #: Days an expired or withdrawn invitation link is kept before `flask purge` deletes it.
    invite_retention_days: Mapped[int] = mapped_column(
        default=DEFAULT_INVITE_RETENTION_DAYS, server_default=str(DEFAULT_INVITE_RETENTION_DAYS)
    )
    #: Everyone on the team (owners, admins, facilitators) must use two-step sign-in.
    require_second_factor: Mapped[bool] = mapped_column(default=False, server_default=false())
    #: The organisation's accent colour on its pages, as ``#rrggbb``; None keeps Circles' own.
    accent_colour: Mapped[str | None] = mapped_column(String(7))

    members: Mapped[list[OrgMember]] = relationship(
        back_populates="org", cascade="all, delete-orphan", passive_deletes=True
    )
    circles: Mapped[list[Circle]] = relationship(back_populates="org", passive_deletes=True)


class OrgMember(CreatedMixin, Base):
    """A person's staff role in an organisation."""

    __tablename__ = "org_members"
    __table_args__ = (UniqueConstraint("org_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[OrgRole] = mapped_column(ORG_ROLE_TYPE)

    org: Mapped[Organisation] = relationship(back_populates="members")
    user: Mapped[User] = relationship(back_populates="org_memberships")


class OrgInvite(InviteLinkMixin, CreatedMixin, Base):
    """A link that makes whoever opens it a facilitator or admin of the organisation."""

    __tablename__ = "org_invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    #: The role given to whoever accepts the link.
    role: Mapped[OrgRole] = mapped_column(ORG_ROLE_TYPE)

    org: Mapped[Organisation] = relationship()

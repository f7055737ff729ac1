"""Circles, who is in them, and the links that invite people in."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from circles.db import Base, CreatedMixin, str_enum_type
from circles.tokens import InviteLinkMixin

if TYPE_CHECKING:
    from circles.accounts.models import User
    from circles.orgs.models import Organisation

MAX_CAPACITY = 50
MAX_DISPLAY_NAME = 40
MAX_INVITE_LABEL = 80


class CircleRole(enum.StrEnum):
    """A person's part in one circle."""

    FACILITATOR = "facilitator"
    MEMBER = "member"


CIRCLE_ROLE_TYPE = str_enum_type(CircleRole, "circle_role")


class Circle(CreatedMixin, Base):
    """A small facilitated group that meets over weeks."""

    __tablename__ = "circles"
    __table_args__ = (
        CheckConstraint(f"capacity >= 2 AND capacity <= {MAX_CAPACITY}", name="capacity_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    #: What every member accepts before joining: confidentiality, care, how the circle works.
    agreement: Mapped[str] = mapped_column(Text)
    #: Most members (facilitators not counted) the circle takes.
    capacity: Mapped[int] = mapped_column(default=12)
    archived_at: Mapped[datetime | None]

    org: Mapped[Organisation] = relationship(back_populates="circles")
    members: Mapped[list[CircleMember]] = relationship(
        back_populates="circle", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def archived(self) -> bool:
        return self.archived_at is not None


class CircleMember(CreatedMixin, Base):
    """A person in a circle, under the display name they chose for it."""

    __tablename__ = "circle_members"
    __table_args__ = (
        UniqueConstraint("circle_id", "user_id"),
        UniqueConstraint("circle_id", "name_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circles.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[CircleRole] = mapped_column(CIRCLE_ROLE_TYPE)
    #: First name or pseudonym, the only thing other members see of this person.
    display_name: Mapped[str] = mapped_column(String(MAX_DISPLAY_NAME))
    #: Case-folded display name, so two people cannot share a name in one circle.
    name_key: Mapped[str] = mapped_column(String(MAX_DISPLAY_NAME))
    #: When the member accepted the circle agreement (facilitators: when they were added).
    agreed_at: Mapped[datetime]
    #: The invitation link they joined through, while it is kept (facilitators see who came in
    #: through which link).
    invite_id: Mapped[int | None] = mapped_column(
        ForeignKey("circle_invites.id", ondelete="SET NULL"), index=True
    )

    circle: Mapped[Circle] = relationship(back_populates="members")
    user: Mapped[User] = relationship(back_populates="circle_memberships")


class CircleInvite(InviteLinkMixin, CreatedMixin, Base):
    """A link that lets people join one circle as members."""

    __tablename__ = "circle_invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circles.id", ondelete="CASCADE"), index=True)
    #: The facilitator's own name for the link ("for Maria"); seen by the circle's staff only.
    label: Mapped[str | None] = mapped_column(String(MAX_INVITE_LABEL))

    circle: Mapped[Circle] = relationship()

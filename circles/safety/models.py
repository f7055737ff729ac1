"""Support requests: a member asks, by name, for a facilitator to reach out."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from circles.db import Base, CreatedMixin, str_enum_type, utcnow
from circles.i18n import Labelled
from circles.i18n import lazy_gettext as _l

if TYPE_CHECKING:
    from circles.accounts.models import User
    from circles.groups.models import Circle

MAX_MESSAGE = 2000


class SupportStatus(Labelled, enum.StrEnum):
    """Where a request stands."""

    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    CLOSED = "closed"

    @classmethod
    def labels(cls) -> Mapping[str, str]:
        return _STATUS_LABELS


_STATUS_LABELS = {
    "new": _l("New"),
    "acknowledged": _l("Seen by a facilitator"),
    "closed": _l("Closed"),
}


class SupportRequest(CreatedMixin, Base):
    """A named request for contact; never linked to a check-in."""

    __tablename__ = "support_requests"
    __table_args__ = (
        Index("ix_support_requests_circle_id_status", "circle_id", "status"),
        Index("ix_support_requests_closed_at", "closed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circles.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: Optional words from the member; shown to the circle's facilitators only, never mailed.
    message: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[SupportStatus] = mapped_column(
        str_enum_type(SupportStatus, "support_status"), default=SupportStatus.NEW
    )
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    #: When a facilitator closed it; the organisation's retention runs from here.
    closed_at: Mapped[datetime | None]

    circle: Mapped[Circle] = relationship()
    user: Mapped[User] = relationship()

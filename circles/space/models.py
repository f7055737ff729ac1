"""Follow-ups of commitments and 72-hour plans: a user id and sealed bytes of one size each.

Whatever they say (the words of a commitment, how it went, the dosing session a plan is for,
the action chosen, whether reminders are on) is inside the seal, under the member's own key.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, LargeBinary
from sqlalchemy.orm import Mapped, mapped_column

from circles.db import Base


class FollowUp(Base):
    """One of the member's commitments as they follow it up: one made in a live session (the
    seal names it), one they added themselves, or the action of a 72-hour plan."""

    __tablename__ = "commitment_follow_ups"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)


class IntegrationPlan(Base):
    """The plan a member made for the three days after one dosing session."""

    __tablename__ = "integration_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)

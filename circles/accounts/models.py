"""People and their login sessions."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from circles.db import Base, CreatedMixin, utcnow

if TYPE_CHECKING:
    from circles.groups.models import CircleMember
    from circles.orgs.models import OrgMember


class User(CreatedMixin, Base):
    """Someone with an account: a member, a facilitator or an organisation admin."""

    __tablename__ = "users"
    __allow_unmapped__ = True  # current_session is per-request state, not a column

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stored lower-cased; the login identifier.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    #: How the person is addressed in their own account pages (circles use their own names).
    display_name: Mapped[str] = mapped_column(String(80))
    #: IANA zone name used to show every time to this person.
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    password_changed_at: Mapped[datetime] = mapped_column(default=utcnow)

    sessions: Mapped[list[AuthSession]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )
    org_memberships: Mapped[list[OrgMember]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )
    circle_memberships: Mapped[list[CircleMember]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )

    #: Set by the user loader to the login session this request runs under.
    current_session: AuthSession | None = None

    # Flask-Login protocol -------------------------------------------------------------------
    is_active = True
    is_anonymous = False
    is_authenticated = True

    def get_id(self) -> str:
        """The login session token held in the cookie, never the database id."""
        if self.current_session is None or self.current_session.raw_token is None:
            raise RuntimeError(
                "get_id() needs a login session; use accounts.services.start_session"
            )
        return self.current_session.raw_token

    def __repr__(self) -> str:
        return f"<User {self.id}>"


class AuthSession(CreatedMixin, Base):
    """One logged-in browser; deleting the row logs that browser out (a replayed cookie fails)."""

    __tablename__ = "auth_sessions"
    __allow_unmapped__ = True  # raw_token lives only in the request that made the session

    id: Mapped[int] = mapped_column(primary_key=True)
    #: SHA-256 of the random token kept in the signed session cookie.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(back_populates="sessions")

    #: The raw token, only known in the request that created the session.
    raw_token: str | None = None

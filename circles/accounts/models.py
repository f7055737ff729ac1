"""People and their login sessions."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, LargeBinary, String
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
    #: Language code (``en``, ``de``, ``es``; see circles.i18n) for pages and mail; None follows
    #: the browser.
    language: Mapped[str | None] = mapped_column(String(8))
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
    #: Set by the user loader: an organisation this person is staff of asks for two-step
    #: sign-in, and they have not set it up yet (pages send them to set it up).
    second_factor_due: bool = False

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


class TotpCredential(CreatedMixin, Base):
    """A person's authenticator app (RFC 6238 time-based codes); at most one per person."""

    __tablename__ = "totp_credentials"
    __table_args__ = (CheckConstraint("last_step >= 0", name="last_step_not_negative"),)

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    #: The shared secret, sealed with AES-GCM under a key derived from SECRET_KEY and the user id.
    sealed_secret: Mapped[bytes] = mapped_column(LargeBinary)
    #: Set once the person entered a code from their app; until then the credential does nothing.
    confirmed_at: Mapped[datetime | None]
    #: The 30-second time step of the last code accepted; that code and older ones are refused.
    last_step: Mapped[int | None]


class RecoveryCode(CreatedMixin, Base):
    """A one-time code for signing in without the authenticator app; only its HMAC is kept."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: HMAC-SHA256 of the code under a key derived from SECRET_KEY (hex).
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None]


class SignupRequest(CreatedMixin, Base):
    """A sign-up waiting for its email address to be confirmed; no account exists until then.

    The link in the confirmation mail carries the token, kept here only as its hash. The row is
    deleted when the link is used, when the address gets an account, or a day later by the
    periodic purge, whichever comes first.
    """

    __tablename__ = "signup_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: Lower-cased; becomes the account's email once confirmed.
    email: Mapped[str] = mapped_column(String(254), index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(80))
    timezone: Mapped[str] = mapped_column(String(64))
    #: The language the sign-up page spoke: the confirmation mail's, then the account's.
    language: Mapped[str | None] = mapped_column(String(8))
    #: Signed up to host circles: confirming also makes their personal organisation.
    facilitator: Mapped[bool] = mapped_column(default=False)
    #: A same-site path to open once confirmed, sealed: it can be an invitation link, which
    #: works for whoever reads it (links are otherwise kept only as hashes).
    sealed_next: Mapped[bytes | None] = mapped_column(LargeBinary)

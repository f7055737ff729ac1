"""Random tokens for links and sessions, stored only as hashes, and the invitation-link mixin."""

from __future__ import annotations

import enum
import hashlib
import secrets
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from circles.db import utcnow


def new_token() -> str:
    """A URL-safe random token with 256 bits of entropy."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """The SHA-256 hex digest under which a token is stored and looked up."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


class LinkState(enum.StrEnum):
    """Whether an invitation link can still be used, and if not, why."""

    USABLE = "usable"
    EXPIRED = "expired"
    REVOKED = "revoked"
    USED_UP = "used_up"


class InviteLinkMixin:
    """Columns and rules shared by every invitation link: hashed token, expiry, uses, revocation."""

    #: SHA-256 of the token in the link; the token itself is shown once and never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: When set, only an account with this (lower-cased) email may use the link.
    email: Mapped[str | None] = mapped_column(String(254))
    expires_at: Mapped[datetime]
    max_uses: Mapped[int] = mapped_column(default=1)
    uses: Mapped[int] = mapped_column(default=0)
    revoked_at: Mapped[datetime | None]

    @declared_attr
    def created_by_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    def state(self, now: datetime | None = None) -> LinkState:
        """Why this link can or cannot be used right now."""
        now = now or utcnow()
        if self.revoked_at is not None:
            return LinkState.REVOKED
        if self.expires_at <= now:
            return LinkState.EXPIRED
        if self.uses >= self.max_uses:
            return LinkState.USED_UP
        return LinkState.USABLE

    def allows_email(self, email: str) -> bool:
        """True when the link is not bound to an email, or bound to this one."""
        return self.email is None or self.email == email.strip().lower()

"""Creating, finding and redeeming invitation links (shared by organisation and circle invites)."""

from __future__ import annotations

from datetime import timedelta
from typing import TypeVar

from sqlalchemy import select, update

from circles.db import utcnow
from circles.exceptions import ServiceError
from circles.extensions import db
from circles.i18n import gettext as _
from circles.i18n import lazy_gettext as _l
from circles.tokens import InviteLinkMixin, LinkState, hash_token, new_token

L = TypeVar("L", bound=InviteLinkMixin)

MAX_INVITE_DAYS = 90
MAX_INVITE_USES = 100

#: What a person sees when a link cannot be used, by the link's state.
UNUSABLE_MESSAGES = {
    LinkState.EXPIRED: _l("This invitation has expired. Ask the person who sent it for a new one."),
    LinkState.REVOKED: _l(
        "This invitation was withdrawn. Ask the person who sent it for a new one."
    ),
    LinkState.USED_UP: _l(
        "This invitation has already been used. Ask the person who sent it for a new one."
    ),
}


def new_link(link: L, *, days: int, max_uses: int, email: str | None, created_by_id: int) -> str:
    """Fill in a new link's token, expiry and limits; returns the raw token (shown once)."""
    if not 1 <= days <= MAX_INVITE_DAYS:
        raise ServiceError(_("Choose between 1 and %(max)d days.", max=MAX_INVITE_DAYS), "days")
    if not 1 <= max_uses <= MAX_INVITE_USES:
        raise ServiceError(_("Choose between 1 and %(max)d uses.", max=MAX_INVITE_USES), "max_uses")
    token = new_token()
    link.token_hash = hash_token(token)
    link.expires_at = utcnow() + timedelta(days=days)
    link.max_uses = max_uses
    link.uses = 0
    link.email = email.strip().lower() if email else None
    link.created_by_id = created_by_id
    return token


def find_link(model: type[L], token: str) -> L | None:
    """The link a token opens, whatever its state; None for a token that was never issued."""
    if not token or len(token) > 100:
        return None
    return db.session.scalar(select(model).where(model.token_hash == hash_token(token)))


def check_usable(link: InviteLinkMixin, email: str) -> None:
    """Raise a :class:`ServiceError` saying why this person cannot use the link, if they cannot."""
    state = link.state()
    if state != LinkState.USABLE:
        raise ServiceError(str(UNUSABLE_MESSAGES[state]))
    if not link.allows_email(email):
        raise ServiceError(
            _(
                "This invitation was made for a different email address. Log in with the address "
                "it was sent to, or ask for a new invitation."
            )
        )


def consume_use(link: L) -> None:
    """Count one use of the link, atomically: two people racing for the last use cannot both win."""
    model = type(link)
    result = db.session.execute(
        update(model)
        .where(
            model.id == link.id,  # type: ignore[attr-defined]
            model.uses < model.max_uses,
            model.revoked_at.is_(None),
            model.expires_at > utcnow(),
        )
        .values(uses=model.uses + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise ServiceError(str(UNUSABLE_MESSAGES[LinkState.USED_UP]))
    db.session.refresh(link)


def revoke(link: InviteLinkMixin) -> None:
    if link.revoked_at is None:
        link.revoked_at = utcnow()


#: What a person sees for a link that was never issued (or was mistyped).
UNKNOWN_LINK = _l(
    "This invitation link is not valid. Check that you copied the whole link, or ask for a new one."
)

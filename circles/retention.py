"""The clean-up behind ``flask purge``: delete what each organisation's retention has let go.

Every step is one ``DELETE`` of rows already past their time, so running it twice finds nothing
the second time, and two runs at once only delete each row once (the database serialises the
deletes of one row). Only counts come back: nothing about what the rows held.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import Delete, delete, or_, select

from circles import signals
from circles.accounts.models import AuthSession
from circles.accounts.signup import purge_expired_signups
from circles.extensions import db
from circles.groups.models import Circle, CircleInvite
from circles.orgs.models import Organisation, OrgInvite
from circles.safety.models import SupportRequest, SupportStatus


@dataclass(frozen=True)
class Purged:
    """How many rows of each kind one run deleted."""

    live_answers: int
    support_requests: int
    invitations: int
    logins: int
    signups: int

    def lines(self) -> list[str]:
        # For the server's operator (``flask purge``): not translated.
        return [
            f"Live-session answers deleted: {self.live_answers}.",  # untranslated: operator
            f"Closed support requests deleted: {self.support_requests}.",  # untranslated: operator
            f"Expired invitation links deleted: {self.invitations}.",  # untranslated: operator
            f"Expired logins deleted: {self.logins}.",  # untranslated: operator
            f"Unconfirmed sign-ups deleted: {self.signups}.",  # untranslated: operator
        ]


def _count(statement: Delete) -> int:
    return int(getattr(db.session.execute(statement), "rowcount", 0) or 0)


def _cutoffs(column: str, now: datetime) -> Iterator[tuple[datetime, list[int]]]:
    """Each retention (in days) organisations chose, as a cutoff moment and those orgs' ids."""
    days_column = getattr(Organisation, column)
    rows = db.session.execute(select(days_column, Organisation.id)).all()
    by_days: dict[int, list[int]] = {}
    for days, org_id in rows:
        by_days.setdefault(days, []).append(org_id)
    for days, org_ids in sorted(by_days.items()):
        yield now - timedelta(days=days), org_ids


def purge_support_requests(now: datetime) -> int:
    """Closed requests whose organisation's retention has passed since they were closed."""
    deleted = 0
    for cutoff, org_ids in _cutoffs("support_retention_days", now):
        circles = select(Circle.id).where(Circle.org_id.in_(org_ids))
        deleted += _count(
            delete(SupportRequest).where(
                SupportRequest.status == SupportStatus.CLOSED,
                SupportRequest.closed_at <= cutoff,
                SupportRequest.circle_id.in_(circles),
            )
        )
    return deleted


def purge_invitations(now: datetime) -> int:
    """Team and circle links that expired or were withdrawn longer ago than the retention."""
    deleted = 0
    for cutoff, org_ids in _cutoffs("invite_retention_days", now):
        deleted += _count(
            delete(OrgInvite).where(
                OrgInvite.org_id.in_(org_ids),
                or_(OrgInvite.expires_at <= cutoff, OrgInvite.revoked_at <= cutoff),
            )
        )
        circles = select(Circle.id).where(Circle.org_id.in_(org_ids))
        deleted += _count(
            delete(CircleInvite).where(
                CircleInvite.circle_id.in_(circles),
                or_(CircleInvite.expires_at <= cutoff, CircleInvite.revoked_at <= cutoff),
            )
        )
    return deleted


def purge_logins(now: datetime) -> int:
    """Login sessions older than the longest a login may last (they no longer work anyway)."""
    oldest = now - timedelta(days=current_app.config["CIRCLES_SESSION_MAX_DAYS"])
    return _count(delete(AuthSession).where(AuthSession.created_at <= oldest))


def purge(now: datetime) -> Purged:
    """Run every clean-up step; the caller commits."""
    return Purged(
        live_answers=signals.ask(signals.content_expired, now),
        support_requests=purge_support_requests(now),
        invitations=purge_invitations(now),
        logins=purge_logins(now),
        signups=purge_expired_signups(now),
    )

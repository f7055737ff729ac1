"""Recording and reading the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select

from circles import paging
from circles.accounts.models import User
from circles.audit.models import AuditAction, AuditEntry
from circles.extensions import db

#: What the log shows (lower case) for an entry without an actor, found by the search too.
NO_ACTOR_NAMES = ("the server's operator", "(account deleted)")
#: Entries on one page of the log.
PAGE_SIZE = paging.PAGE_SIZE


def record(
    org_id: int,
    actor_id: int | None,
    action: AuditAction,
    object_type: str,
    object_id: int | None,
    **details: Any,
) -> AuditEntry:
    """Add an entry to the organisation's log, in the caller's transaction."""
    entry = AuditEntry(
        org_id=org_id,
        actor_id=actor_id,
        action=action.value,
        object_type=object_type,
        object_id=object_id,
        details=details,
    )
    db.session.add(entry)
    return entry


@dataclass(frozen=True)
class AuditFilter:
    action: AuditAction | None = None
    actor_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    #: Words to find in what was done (its label, as the log shows it) or in who did it.
    text: str = ""


def entries_for(
    org_id: int, wanted: AuditFilter, page: int = 1
) -> paging.Page[tuple[AuditEntry, str | None]]:
    """The organisation's entries, newest first, filtered, one page at a time (two queries),
    each with its actor's name."""
    query = (
        select(AuditEntry, User.display_name)
        .outerjoin(User, User.id == AuditEntry.actor_id)
        .where(AuditEntry.org_id == org_id)
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    )
    if wanted.action is not None:
        query = query.where(AuditEntry.action == wanted.action.value)
    if wanted.actor_id is not None:
        query = query.where(AuditEntry.actor_id == wanted.actor_id)
    if wanted.since is not None:
        query = query.where(AuditEntry.created_at >= wanted.since)
    if wanted.until is not None:
        query = query.where(AuditEntry.created_at < wanted.until)
    if wanted.text:
        words = wanted.text.casefold()
        labelled = [a.value for a in AuditAction if words in a.label.casefold()]
        found = [
            AuditEntry.action.in_(labelled),
            User.display_name.ilike(paging.contains(wanted.text), escape="\\"),
        ]
        if any(words in shown for shown in NO_ACTOR_NAMES):
            found.append(AuditEntry.actor_id.is_(None))
        query = query.where(or_(*found))
    rows = paging.paginate_rows(query, page, PAGE_SIZE)
    return paging.Page(
        [(entry, name) for entry, name in rows.items], rows.total, rows.page, rows.per_page
    )


def actors_of(org_id: int) -> list[tuple[int, str]]:
    """Everyone who appears in the organisation's log, for the filter (one query)."""
    rows = db.session.execute(
        select(User.id, User.display_name)
        .where(User.id.in_(select(AuditEntry.actor_id).where(AuditEntry.org_id == org_id)))
        .order_by(User.display_name)
    ).all()
    return [(user_id, name) for user_id, name in rows]

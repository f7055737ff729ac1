"""Recording and reading the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from circles.accounts.models import User
from circles.audit.models import AuditAction, AuditEntry
from circles.extensions import db

PAGE_SIZE = 50


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


@dataclass(frozen=True)
class AuditPage:
    entries: list[tuple[AuditEntry, str | None]]  # each entry with its actor's name
    total: int
    page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))


def entries_for(org_id: int, wanted: AuditFilter, page: int = 1) -> AuditPage:
    """The organisation's entries, newest first, filtered, one page at a time (two queries)."""
    conditions = [AuditEntry.org_id == org_id]
    if wanted.action is not None:
        conditions.append(AuditEntry.action == wanted.action.value)
    if wanted.actor_id is not None:
        conditions.append(AuditEntry.actor_id == wanted.actor_id)
    if wanted.since is not None:
        conditions.append(AuditEntry.created_at >= wanted.since)
    if wanted.until is not None:
        conditions.append(AuditEntry.created_at < wanted.until)
    total = db.session.scalar(select(func.count()).select_from(AuditEntry).where(*conditions))
    rows = db.session.execute(
        select(AuditEntry, User.display_name)
        .outerjoin(User, User.id == AuditEntry.actor_id)
        .where(*conditions)
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    return AuditPage([(entry, name) for entry, name in rows], total or 0, page)


def actors_of(org_id: int) -> list[tuple[int, str]]:
    """Everyone who appears in the organisation's log, for the filter (one query)."""
    rows = db.session.execute(
        select(User.id, User.display_name)
        .where(User.id.in_(select(AuditEntry.actor_id).where(AuditEntry.org_id == org_id)))
        .order_by(User.display_name)
    ).all()
    return [(user_id, name) for user_id, name in rows]

"""Recording and reading the audit log."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import aliased

from circles import paging
from circles.accounts.models import User
from circles.audit.models import AuditAction, AuditEntry
from circles.extensions import db

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
    #: Words to find in what was done (its label, as the log shows it), in who did it, or in
    #: the person or circle it was done to.
    text: str = ""


@dataclass(frozen=True)
class Shown:
    """An entry as the log shows it: who did it and which object, by name, never by id."""

    entry: AuditEntry
    actor: str
    #: The object: a person's or circle's name, "a team invitation link", ...
    which: str
    #: The entry's details, with a circle's id replaced by its name.
    details: dict[str, Any]


def entries_for(org_id: int, wanted: AuditFilter, page: int = 1) -> paging.Page[Shown]:
    """The organisation's entries, newest first, filtered, one page at a time, each with its
    actor and object named (three queries: the page, the count, the circles it names)."""
    # Imported here: the groups package records audit entries, so it imports this module.
    from circles.groups.models import Circle

    target = aliased(User)
    query = (
        select(AuditEntry, User.display_name, target.display_name, Circle.name)
        .outerjoin(User, User.id == AuditEntry.actor_id)
        .outerjoin(
            target, and_(AuditEntry.object_type == "user", target.id == AuditEntry.object_id)
        )
        .outerjoin(
            Circle,
            and_(
                AuditEntry.object_type == "circle",
                Circle.id == AuditEntry.object_id,
                Circle.org_id == org_id,
            ),
        )
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
        pattern = paging.contains(wanted.text)
        labelled = [a.value for a in AuditAction if words in a.label.casefold()]
        found: list[ColumnElement[bool]] = [
            AuditEntry.action.in_(labelled),
            User.display_name.ilike(pattern, escape="\\"),
            target.display_name.ilike(pattern, escape="\\"),
            Circle.name.ilike(pattern, escape="\\"),
        ]
        if words in OPERATOR.casefold() or words in DELETED_ACCOUNT.casefold():
            found.append(AuditEntry.actor_id.is_(None))
        if words in DELETED_ACCOUNT.casefold():
            found.append(and_(AuditEntry.object_type == "user", target.id.is_(None)))
        query = query.where(or_(*found))
    rows = paging.paginate_rows(query, page, PAGE_SIZE)
    circles = _circle_names(org_id, [entry for entry, *_ in rows.items])
    shown = [
        Shown(
            entry,
            _actor_name(entry, actor),
            _object_name(entry, person, circle, circles),
            _named_details(entry.details, circles),
        )
        for entry, actor, person, circle in rows.items
    ]
    return paging.Page(shown, rows.total, rows.page, rows.per_page)


#: How the log names whoever did something without an account: the operator on the command line.
OPERATOR = "The server's operator"
#: How the log names a person whose account was deleted (erasure empties their id).
DELETED_ACCOUNT = "A deleted account"
#: A circle the log names that the organisation no longer has.
GONE_CIRCLE = "a circle no longer kept"


def _actor_name(entry: AuditEntry, name: str | None) -> str:
    if name is not None:
        return name
    return OPERATOR if entry.details.get("via") == "command line" else DELETED_ACCOUNT


def _details_circle(entry: AuditEntry) -> int | None:
    circle_id = entry.details.get("circle")
    return circle_id if isinstance(circle_id, int) and not isinstance(circle_id, bool) else None


def _circle_names(org_id: int, entries: list[AuditEntry]) -> dict[int, str]:
    """Names of the organisation's circles that the entries' details mention (one query)."""
    from circles.groups.models import Circle

    ids = {i for i in map(_details_circle, entries) if i is not None}
    if not ids:
        return {}
    rows = db.session.execute(
        select(Circle.id, Circle.name).where(Circle.id.in_(ids), Circle.org_id == org_id)
    )
    return {circle_id: name for circle_id, name in rows}


def _object_name(
    entry: AuditEntry, person: str | None, circle: str | None, circles: dict[int, str]
) -> str:
    match entry.object_type:
        case "user":
            return person if person is not None else DELETED_ACCOUNT.lower()
        case "circle":
            return circle if circle is not None else GONE_CIRCLE
        case "organisation":
            return "the organisation"
        case "invite":
            circle_id = _details_circle(entry)
            if circle_id is None:
                return "a team invitation link"
            return f"an invitation link to {circles.get(circle_id, GONE_CIRCLE)}"
    return entry.object_type.replace("_", " ")


def _named_details(details: dict[str, Any], circles: dict[int, str]) -> dict[str, Any]:
    """The details as the log shows them: a circle by its name, never its number."""
    named = dict(details)
    circle_id = named.get("circle")
    if isinstance(circle_id, int) and not isinstance(circle_id, bool):
        named["circle"] = circles.get(circle_id, GONE_CIRCLE)
    return named


def actors_of(org_id: int) -> list[tuple[int, str]]:
    """Everyone who did something in the organisation's log, for its "Who" filter (one query);
    two people of the same name are told apart by their email."""
    rows = db.session.execute(
        select(User.id, User.display_name, User.email)
        .where(
            User.id.in_(
                select(AuditEntry.actor_id).where(
                    AuditEntry.org_id == org_id, AuditEntry.actor_id.is_not(None)
                )
            )
        )
        .order_by(User.display_name, User.email)
    ).all()
    names = Counter(name.casefold() for _, name, _ in rows)
    return [
        (user_id, name if names[name.casefold()] == 1 else f"{name} ({email})")
        for user_id, name, email in rows
    ]

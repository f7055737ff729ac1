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
from circles.i18n import gettext as _
from circles.i18n import lazy_gettext as _l

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
        operator, deleted = str(OPERATOR).casefold(), str(DELETED_ACCOUNT).casefold()
        if words in operator or words in deleted:
            found.append(AuditEntry.actor_id.is_(None))
        if words in deleted or words in str(DELETED_ACCOUNT_NAMED).casefold():
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
OPERATOR = _l("The server's operator")
#: How the log names a person whose account was deleted (erasure empties their id).
DELETED_ACCOUNT = _l("A deleted account")
#: The same, as the object of an action ("Which").
DELETED_ACCOUNT_NAMED = _l("a deleted account")
#: A circle the log names that the organisation no longer has.
GONE_CIRCLE = _l("a circle no longer kept")


def _actor_name(entry: AuditEntry, name: str | None) -> str:
    if name is not None:
        return name
    return str(OPERATOR if entry.details.get("via") == "command line" else DELETED_ACCOUNT)


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
            return person if person is not None else str(DELETED_ACCOUNT_NAMED)
        case "circle":
            return circle if circle is not None else str(GONE_CIRCLE)
        case "organisation":
            return _("the organisation")
        case "invite":
            circle_id = _details_circle(entry)
            if circle_id is None:
                return _("a team invitation link")
            return _(
                "an invitation link to %(circle)s", circle=circles.get(circle_id, str(GONE_CIRCLE))
            )
    return entry.object_type.replace("_", " ")


#: The details' names as the log shows them (the stored keys stay as they are).
DETAIL_NAMES = {
    "changed": _l("changed"),
    "role": _l("role"),
    "circle": _l("circle"),
    "via": _l("via"),
}
#: Settings named in a "changed" detail, as the log shows them.
SETTING_NAMES = {
    "name": _l("name"),
    "anonymity_k": _l("anonymity threshold"),
    "crisis_resources": _l("crisis resources"),
    "live_retention_days": _l("days live-session answers are kept"),
    "support_retention_days": _l("days closed support requests are kept"),
    "invite_retention_days": _l("days expired invitation links are kept"),
    "require_second_factor": _l("two-step sign-in for the team"),
    "accent_colour": _l("accent colour"),
}
#: Other stored detail values the log translates.
DETAIL_VALUES = {"command line": _l("command line")}


def _role_name(value: str) -> str:
    from circles.orgs.models import OrgRole  # the orgs package records entries here

    return OrgRole(value).in_sentence if value in set(OrgRole) else value


def _shown_value(key: str, value: Any) -> Any:
    """A stored detail value as the log shows it, in the reader's language."""
    if key == "changed" and isinstance(value, list):
        return [str(SETTING_NAMES[v]) if v in SETTING_NAMES else v for v in value]
    if key == "role" and isinstance(value, str):
        before, found, after = value.partition(" to ")
        if found:
            return _("%(before)s to %(after)s", before=_role_name(before), after=_role_name(after))
        return _role_name(value)
    if isinstance(value, str) and value in DETAIL_VALUES:
        return str(DETAIL_VALUES[value])
    return value


def _named_details(details: dict[str, Any], circles: dict[int, str]) -> dict[str, Any]:
    """The details as the log shows them, in the reader's language: a circle by its name, never
    its number."""
    named = dict(details)
    circle_id = named.get("circle")
    if isinstance(circle_id, int) and not isinstance(circle_id, bool):
        named["circle"] = circles.get(circle_id, str(GONE_CIRCLE))
    return {
        str(DETAIL_NAMES.get(key, key)): _shown_value(key, value) for key, value in named.items()
    }


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

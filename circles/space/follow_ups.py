"""Commitments followed up: the member's own list of what they set out to do, and how it went.

It brings together the commitments they made in live sessions (asked of the live package with
:data:`circles.signals.commitments_asked`), the ones they added here, and the action of each
72-hour plan. Each has a status: not looked at yet, still on it, done, or let go, and a note.
The live room shows back the ones not done or let go (:func:`closed_live_ids`). Nothing here is
ever shown to anyone else, as a count either.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from circles import signals
from circles.exceptions import ServiceError
from circles.extensions import db
from circles.i18n import gettext as _
from circles.i18n import lazy_gettext as _l
from circles.i18n import ngettext
from circles.space.models import FollowUp
from circles.space.sealed import open_record, seal_record

MAX_TEXT = 300
MAX_NOTE = 500
#: Text and note at 6 bytes a character (JSON escapes), with room for the rest.
FOLLOW_UP_SIZE = 6 * (MAX_TEXT + MAX_NOTE) + 512
#: A commitment made in a live session is for the week after it.
LIVE_COMMITMENT_FOR = timedelta(days=7)


class Status(enum.StrEnum):
    OPEN = "open"
    ONGOING = "ongoing"
    DONE = "done"
    LET_GO = "let_go"

    @property
    def label(self) -> str:
        """Its name in the language of the page (or of the export)."""
        return str(LABELS[self])

    @property
    def closed(self) -> bool:
        return self in (Status.DONE, Status.LET_GO)


#: Each status's name, as the member reads it (lazy: also for the form's choices).
LABELS = {
    Status.OPEN: _l("Not looked at yet"),
    Status.ONGOING: _l("Still on it"),
    Status.DONE: _l("Done"),
    Status.LET_GO: _l("Let go"),
}

#: What a member can set (not looked at yet is where every commitment starts).
CHOICES = (Status.ONGOING, Status.DONE, Status.LET_GO)


class Source(enum.StrEnum):
    LIVE = "live"
    OWN = "own"
    PLAN = "plan"


def _purpose(user_id: int) -> str:
    return f"follow-up:{user_id}"


@dataclass(frozen=True)
class Commitment:
    """One commitment as the member sees it in their list."""

    source: Source
    text: str
    made_at: datetime
    due: datetime | None
    status: Status = Status.OPEN
    note: str = ""
    circle: str | None = None
    #: The follow-up row, once there is one (always for the member's own).
    follow_up_id: int | None = None
    #: The live package's commitment, for one made in a live session.
    live_id: int | None = None
    changed_at: datetime | None = None


def _record(row: FollowUp) -> dict[str, Any] | None:
    return open_record(_purpose(row.user_id), row.sealed)


def _rows(user_id: int) -> list[tuple[FollowUp, dict[str, Any]]]:
    rows = db.session.scalars(select(FollowUp).where(FollowUp.user_id == user_id))
    return [(row, record) for row in rows if (record := _record(row)) is not None]


def _seal(user_id: int, record: dict[str, Any]) -> bytes:
    return seal_record(_purpose(user_id), record, FOLLOW_UP_SIZE)


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def commitments_of(user_id: int) -> list[Commitment]:
    """Every commitment of the person: open ones first, the soonest due first; then the closed
    ones, the latest first."""
    rows = _rows(user_id)
    by_live = {r["live"]: (row, r) for row, r in rows if r.get("live") is not None}
    found: list[Commitment] = []
    for made in signals.ask(signals.commitments_asked, user_id):
        row, record = by_live.get(made["id"], (None, {}))
        found.append(
            Commitment(
                Source.LIVE,
                made["text"],
                made["made_at"],
                made["made_at"] + LIVE_COMMITMENT_FOR,
                Status(record.get("status", Status.OPEN)),
                record.get("note", ""),
                made["circle"],
                row.id if row is not None else None,
                made["id"],
                _when(record.get("changed")),
            )
        )
    for row, record in rows:
        if record.get("live") is None:
            found.append(
                Commitment(
                    Source(record["source"]),
                    record["text"],
                    datetime.fromisoformat(record["made"]),
                    _when(record.get("due")),
                    Status(record["status"]),
                    record.get("note", ""),
                    follow_up_id=row.id,
                    changed_at=_when(record.get("changed")),
                )
            )
    still = sorted(
        (c for c in found if not c.status.closed),
        key=lambda c: (c.due is None, c.due or c.made_at, c.made_at),
    )
    closed = sorted(
        (c for c in found if c.status.closed),
        key=lambda c: c.changed_at or c.made_at,
        reverse=True,
    )
    return still + closed


def next_due(user_id: int, now: datetime) -> Commitment | None:
    """The open commitment due soonest (for the home page), or None."""
    due = [c for c in commitments_of(user_id) if not c.status.closed and c.due is not None]
    return min(due, key=lambda c: c.due or now, default=None)


def closed_live_ids(user_id: int) -> set[int]:
    """Live commitments the person marked done or let go: the room does not show them back."""
    return {
        r["live"]
        for _, r in _rows(user_id)
        if r.get("live") is not None and Status(r["status"]).closed
    }


def _closed_live(user_id: int, **_: Any) -> set[int]:
    return closed_live_ids(user_id)


def connect() -> None:
    """Answer the live room's question (connecting again changes nothing)."""
    signals.closed_commitments_asked.connect(_closed_live)


def checked_text(text: str, field: str = "text") -> str:
    text = text.strip()
    if not text:
        raise ServiceError(_("Write what you want to do, in a few words."), field)
    if len(text) > MAX_TEXT:
        raise ServiceError(
            ngettext(
                "Please keep it under %(num)d character.",
                "Please keep it under %(num)d characters.",
                MAX_TEXT,
            ),
            field,
        )
    return text


def add_own(
    user_id: int, text: str, due: date | None, now: datetime, source: Source = Source.OWN
) -> FollowUp:
    """A commitment the member adds themselves (or a plan's action); the caller commits."""
    due_at = datetime.combine(due, time(23, 59), now.tzinfo) if due else None
    return add_record(user_id, checked_text(text), due_at, now, source)


def add_record(
    user_id: int, text: str, due_at: datetime | None, now: datetime, source: Source
) -> FollowUp:
    record = {
        "source": source.value,
        "text": text,
        "made": now.isoformat(),
        "due": due_at.isoformat() if due_at else None,
        "status": Status.OPEN.value,
        "note": "",
    }
    row = FollowUp(user_id=user_id, sealed=_seal(user_id, record))
    db.session.add(row)
    db.session.flush()
    return row


def own_row(user_id: int, follow_up_id: int) -> tuple[FollowUp, dict[str, Any]] | None:
    row = db.session.scalar(
        select(FollowUp).where(FollowUp.id == follow_up_id, FollowUp.user_id == user_id)
    )
    record = _record(row) if row is not None else None
    return (row, record) if row is not None and record is not None else None


def owns(user_id: int, follow_up_id: int | None, live_id: int | None) -> bool:
    """Whether the follow-up, or the live commitment, is the person's own."""
    if follow_up_id is not None:
        return own_row(user_id, follow_up_id) is not None
    return live_id in {c["id"] for c in signals.ask(signals.commitments_asked, user_id)}


def set_status(
    user_id: int,
    follow_up_id: int | None,
    live_id: int | None,
    status: Status,
    note: str,
    now: datetime,
) -> None:
    """Record how a commitment went; the caller commits. Exactly one of the ids is given; a
    live commitment gets its follow-up row the first time."""
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise ServiceError(
            ngettext(
                "Please keep the note under %(num)d character.",
                "Please keep the note under %(num)d characters.",
                MAX_NOTE,
            ),
            "note",
        )
    if follow_up_id is not None:
        found = own_row(user_id, follow_up_id)
        if found is None:
            raise LookupError(follow_up_id)
        row, record = found
    else:
        mine = {c["id"] for c in signals.ask(signals.commitments_asked, user_id)}
        if live_id not in mine:
            raise LookupError(live_id)
        existing = [(r, rec) for r, rec in _rows(user_id) if rec.get("live") == live_id]
        row, record = existing[0] if existing else (FollowUp(user_id=user_id), {"live": live_id})
    record.update(status=status.value, note=note, changed=now.isoformat())
    row.sealed = _seal(user_id, record)
    db.session.add(row)
    db.session.flush()


def update_text(row: FollowUp, record: dict[str, Any], text: str, due_at: datetime | None) -> None:
    """A plan's action chosen again: the same commitment with new words (the caller commits)."""
    record.update(text=checked_text(text, "action"), due=due_at.isoformat() if due_at else None)
    row.sealed = _seal(row.user_id, record)


def delete_own(user_id: int, follow_up_id: int) -> None:
    found = own_row(user_id, follow_up_id)
    if found is None or found[1].get("live") is not None:
        raise LookupError(follow_up_id)
    db.session.delete(found[0])

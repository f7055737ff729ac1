"""The journal: entries sealed per person, read back only for that person, and the notes a member
chose to share with their facilitators.

An entry's text, title, tags, links and times are sealed together under a key derived for its
writer alone ("journal:<user id>"), padded to one size (:data:`ENTRY_SIZE`): a copy of the
database holds a user id and bytes that look like every other entry's. Searching therefore opens
the person's own entries and looks through them here.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sqlalchemy import select

from circles.db import utcnow
from circles.exceptions import ServiceError
from circles.extensions import db
from circles.groups.models import Circle, CircleMember, CircleRole
from circles.i18n import gettext as _
from circles.journal.models import MAX_ENTRY, MAX_TITLE, JournalEntry, SharedNote
from circles.journal.prompts import THEMES
from circles.meetings.models import DosingSession, Meeting
from circles.sealing import keyring
from circles.templating import number

#: Bytes every sealed entry is padded to: the details (JSON, at most :data:`_DETAILS_MAX` bytes:
#: 120 title and 300 prompt characters at 6 bytes each, escapes included, tags, ids and times),
#: then the text, at most 4 bytes a character.
_DETAILS_MAX = 3072
MAX_PROMPT = 300
_DETAILS_LENGTH = struct.Struct(">H")
ENTRY_SIZE = _DETAILS_LENGTH.size + _DETAILS_MAX + 4 * MAX_ENTRY
#: Meetings an entry may be linked to: of the person's circles, from this long ago on.
MEETINGS_BACK = timedelta(days=90)
MEETINGS_AHEAD = timedelta(days=30)


def _purpose(user_id: int) -> str:
    return f"journal:{user_id}"


@dataclass(frozen=True)
class Entry:
    """An opened entry, for its writer's eyes only."""

    id: int
    text: str
    title: str = ""
    themes: tuple[str, ...] = ()
    dosing_session_id: int | None = None
    meeting_id: int | None = None
    #: The guided prompt it was started from, as the member saw it.
    prompt: str = ""
    written_at: datetime = field(default_factory=utcnow)
    changed_at: datetime | None = None

    @property
    def heading(self) -> str:
        """The title, else the first words of the text."""
        if self.title:
            return self.title
        first = self.text.strip().splitlines()[0] if self.text.strip() else ""
        return first if len(first) <= 60 else first[:57].rstrip() + "…"


@dataclass(frozen=True)
class Draft:
    """What a member typed, before it is checked and sealed."""

    text: str
    title: str = ""
    themes: Sequence[str] = ()
    dosing_session_id: int | None = None
    meeting_id: int | None = None
    prompt: str = ""


def _seal(user_id: int, entry: Entry) -> bytes:
    details = {
        "title": entry.title,
        "themes": list(entry.themes),
        "dosing": entry.dosing_session_id,
        "meeting": entry.meeting_id,
        "prompt": entry.prompt,
        "written": entry.written_at.isoformat(),
        "changed": entry.changed_at.isoformat() if entry.changed_at else None,
    }
    packed = json.dumps(details, ensure_ascii=False, separators=(",", ":")).encode()
    plain = _DETAILS_LENGTH.pack(len(packed)) + packed + entry.text.encode()
    return keyring().seal(_purpose(user_id), plain, ENTRY_SIZE)


def _open(user_id: int, row: JournalEntry) -> Entry | None:
    plain = keyring().unseal(_purpose(user_id), row.sealed)
    if plain is None:
        return None
    (length,) = _DETAILS_LENGTH.unpack_from(plain)
    start = _DETAILS_LENGTH.size
    details = json.loads(plain[start : start + length])
    changed = details.get("changed")
    return Entry(
        id=row.id,
        text=plain[start + length :].decode(),
        title=details["title"],
        themes=tuple(t for t in details["themes"] if t in THEMES),
        dosing_session_id=details["dosing"],
        meeting_id=details["meeting"],
        prompt=details["prompt"],
        written_at=datetime.fromisoformat(details["written"]),
        changed_at=datetime.fromisoformat(changed) if changed else None,
    )


def entries_of(user_id: int) -> list[Entry]:
    """The person's entries, newest first (one query); any that no key opens are left out."""
    rows = db.session.scalars(select(JournalEntry).where(JournalEntry.user_id == user_id))
    opened = [entry for row in rows if (entry := _open(user_id, row)) is not None]
    return sorted(opened, key=lambda e: (e.written_at, e.id), reverse=True)


def entry_of(user_id: int, entry_id: int) -> tuple[JournalEntry, Entry] | None:
    """One of the person's own entries, or None (another person's id is simply not found)."""
    row = db.session.scalar(
        select(JournalEntry).where(JournalEntry.id == entry_id, JournalEntry.user_id == user_id)
    )
    entry = _open(user_id, row) if row is not None else None
    return (row, entry) if row is not None and entry is not None else None


def search(entries: Iterable[Entry], query: str) -> list[Entry]:
    """Entries whose title, text, prompt or theme names hold every word of ``query``."""
    words = query.casefold().split()
    found = []
    for entry in entries:
        haystack = " ".join(
            [entry.title, entry.text, entry.prompt, *(THEMES[t] for t in entry.themes)]
        ).casefold()
        if all(word in haystack for word in words):
            found.append(entry)
    return found


def _checked(user_id: int, draft: Draft) -> Draft:
    text, title = draft.text.strip(), draft.title.strip()
    if not text:
        raise ServiceError(_("Write something first; even a line is enough."), "text")
    if len(text) > MAX_ENTRY:
        raise ServiceError(
            _("Please keep an entry under %(num)s characters.", num=number(MAX_ENTRY)), "text"
        )
    if len(title) > MAX_TITLE:
        raise ServiceError(
            _("Please keep the title under %(num)d characters.", num=MAX_TITLE), "title"
        )
    unknown = [t for t in draft.themes if t not in THEMES]
    if unknown:
        raise ServiceError(_("Choose the themes from the list."), "themes")
    if draft.dosing_session_id is not None and draft.dosing_session_id not in {
        s.id for s in dosing_choices(user_id)
    }:
        raise ServiceError(_("Choose one of your own noted sessions."), "dosing_session")
    if draft.meeting_id is not None and draft.meeting_id not in {
        m.id for m, _ in meeting_choices(user_id, utcnow())
    }:
        raise ServiceError(_("Choose a meeting of one of your circles."), "meeting")
    return replace(draft, text=text, title=title, themes=tuple(dict.fromkeys(draft.themes)))


def add_entry(user_id: int, draft: Draft, now: datetime) -> JournalEntry:
    """Seal and keep a new entry; the caller commits."""
    clean = _checked(user_id, draft)
    entry = Entry(
        0,
        clean.text,
        clean.title,
        tuple(clean.themes),
        clean.dosing_session_id,
        clean.meeting_id,
        clean.prompt[:MAX_PROMPT],
        now,
    )
    row = JournalEntry(user_id=user_id, sealed=_seal(user_id, entry))
    db.session.add(row)
    db.session.flush()
    return row


def update_entry(
    user_id: int, row: JournalEntry, before: Entry, draft: Draft, now: datetime
) -> None:
    """Seal the changed entry over the old one (a fresh nonce: nothing tells what changed)."""
    clean = _checked(user_id, draft)
    entry = replace(
        before,
        text=clean.text,
        title=clean.title,
        themes=tuple(clean.themes),
        dosing_session_id=clean.dosing_session_id,
        meeting_id=clean.meeting_id,
        changed_at=now,
    )
    row.sealed = _seal(user_id, entry)


def delete_entry(row: JournalEntry) -> None:
    db.session.delete(row)


def dosing_choices(user_id: int) -> list[DosingSession]:
    """The person's own noted sessions, latest first."""
    return list(
        db.session.scalars(
            select(DosingSession)
            .where(DosingSession.user_id == user_id)
            .order_by(DosingSession.taken_at.desc())
        )
    )


def meeting_choices(user_id: int, now: datetime) -> list[tuple[Meeting, str]]:
    """Meetings of the person's circles, from three months back to a month ahead, with the
    circle's name (one query), latest first."""
    rows = db.session.execute(
        select(Meeting, Circle.name)
        .join(Circle, Circle.id == Meeting.circle_id)
        .join(CircleMember, CircleMember.circle_id == Circle.id)
        .where(
            CircleMember.user_id == user_id,
            Meeting.starts_at >= now - MEETINGS_BACK,
            Meeting.starts_at <= now + MEETINGS_AHEAD,
            Meeting.cancelled_at.is_(None),
        )
        .order_by(Meeting.starts_at.desc())
    ).all()
    return [(meeting, name) for meeting, name in rows]


# Sharing, entry by entry, on purpose.


def share_circles(user_id: int) -> list[Circle]:
    """Circles whose facilitators the person may share an entry with: those they are a member of."""
    return list(
        db.session.scalars(
            select(Circle)
            .join(CircleMember, CircleMember.circle_id == Circle.id)
            .where(
                CircleMember.user_id == user_id,
                CircleMember.role == CircleRole.MEMBER,
                Circle.archived_at.is_(None),
            )
            .order_by(Circle.name)
        )
    )


def share_entry(user_id: int, entry: Entry, circle_id: int) -> SharedNote:
    """Copy the entry, with the member's name, to the circle's facilitators; the caller commits."""
    if circle_id not in {c.id for c in share_circles(user_id)}:
        raise ServiceError(_("Choose one of your circles."), "circle")
    note = SharedNote(circle_id=circle_id, user_id=user_id, title=entry.heading, text=entry.text)
    db.session.add(note)
    db.session.flush()
    return note


def own_notes(user_id: int) -> list[tuple[SharedNote, str]]:
    """What the person shared, with the circle's name, newest first."""
    rows = db.session.execute(
        select(SharedNote, Circle.name)
        .join(Circle, Circle.id == SharedNote.circle_id)
        .where(SharedNote.user_id == user_id)
        .order_by(SharedNote.created_at.desc(), SharedNote.id.desc())
    ).all()
    return [(note, name) for note, name in rows]


def circle_notes(circle_id: int) -> list[tuple[SharedNote, str]]:
    """Notes shared with the circle's facilitators, with the member's name in the circle."""
    rows = db.session.execute(
        select(SharedNote, CircleMember.display_name)
        .join(
            CircleMember,
            (CircleMember.circle_id == SharedNote.circle_id)
            & (CircleMember.user_id == SharedNote.user_id),
        )
        .where(SharedNote.circle_id == circle_id)
        .order_by(SharedNote.created_at.desc(), SharedNote.id.desc())
    ).all()
    return [(note, name) for note, name in rows]

"""A member's private journal, and the entries they chose to share with their facilitators."""

from __future__ import annotations

from sqlalchemy import ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from circles.db import Base, CreatedMixin

#: Longest entry, in characters (a few pages); its UTF-8 bytes and the sealed details fit
#: :data:`circles.journal.services.ENTRY_SIZE` whatever the characters.
MAX_ENTRY = 5000
MAX_TITLE = 120


class JournalEntry(Base):
    """One entry, sealed under its writer's own key: text, title, theme tags, the dosing session
    or meeting it belongs to, when it was written and changed. Nothing of that is a column: a copy
    of the database reads no entry, no tag and no link, and every entry is the same size."""

    __tablename__ = "journal_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)


class SharedNote(CreatedMixin, Base):
    """A copy of an entry a member chose to share, by name, with one circle's facilitators.

    It is the member's decision, made entry by entry after being told who will read it; the
    facilitators read it like a support request. The member can withdraw it at any time; it goes
    with their account. No column points back to the entry it was copied from.
    """

    __tablename__ = "shared_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circles.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(MAX_TITLE), default="")
    text: Mapped[str] = mapped_column(Text)

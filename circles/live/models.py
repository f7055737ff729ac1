"""Live sessions: their state (kept in the database so a restart loses nothing) and content.

Anonymous responses carry no author at all: who has answered a prompt is kept apart, in
:class:`LiveSubmission`. Until the reveal an anonymous answer waits there sealed (unreadable, one
size for every answer and pass); the reveal opens them all and writes the responses out in a
random order, in one transaction. Response keys are random, not sequential.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from circles.db import Base, CreatedMixin, str_enum_type
from circles.i18n import lazy_gettext as _l

MAX_PROMPT_TEXT = 500
MAX_RESPONSE = 1000
#: One word: long enough for "Verbundenheit" or a compound, short enough for a cloud.
MAX_WORD = 30
MAX_OPTIONS = 8
MAX_OPTION = 80


class LiveStatus(enum.StrEnum):
    """Where a live session is: waiting for people, running, or over."""

    LOBBY = "lobby"
    OPEN = "open"
    ENDED = "ended"


_KIND_LABELS = {
    "text": _l("Open text"),
    "scale": _l("Scale"),
    "choice": _l("Single choice"),
    "reflection": _l("Silent reflection"),
    "commitment": _l("Commitment for the week"),
    "word": _l("One word"),
    "pick": _l("Pick up to N"),
}


class PromptKind(enum.StrEnum):
    TEXT = "text"
    SCALE = "scale"
    CHOICE = "choice"
    REFLECTION = "reflection"
    COMMITMENT = "commitment"
    WORD = "word"
    PICK = "pick"

    @property
    def label(self) -> str:
        """Its name for people (lazy: form choices are built when the module is imported)."""
        return _KIND_LABELS[self.value]

    @property
    def takes_answers(self) -> bool:
        return self != PromptKind.REFLECTION

    @property
    def has_options(self) -> bool:
        return self in (PromptKind.CHOICE, PromptKind.PICK)

    @property
    def summarised(self) -> bool:
        """Its reveal carries a summary: counts (and a mean for a scale)."""
        return self in (PromptKind.SCALE, PromptKind.CHOICE, PromptKind.PICK, PromptKind.WORD)


class PromptStatus(enum.StrEnum):
    OPEN = "open"
    REVEALED = "revealed"
    CLOSED = "closed"


class LiveSession(CreatedMixin, Base):
    """One live gathering of a circle, for a meeting or ad hoc."""

    __tablename__ = "live_sessions"
    __table_args__ = (
        Index("ix_live_sessions_circle_id_status", "circle_id", "status"),
        # One room at a time per circle, even when two facilitators open it at once.
        Index(
            "uq_live_sessions_running_circle",
            "circle_id",
            unique=True,
            sqlite_where=text("status != 'ended'"),
            postgresql_where=text("status != 'ended'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circles.id", ondelete="CASCADE"))
    meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("meetings.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[LiveStatus] = mapped_column(str_enum_type(LiveStatus, "live_status"))
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: The server's clock when the running timer ends; clients count down to it.
    timer_ends_at: Mapped[datetime | None]
    #: Talking round: the speakers' user ids in order, and whose turn it is (an index).
    round_order: Mapped[list[int] | None] = mapped_column(JSON)
    round_position: Mapped[int | None]
    #: A guided breathing pause for everyone: {"pattern", "started_at", "ends_at"} (grounding).
    grounding: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    ended_at: Mapped[datetime | None]
    #: Response content is deleted at the end, or by the retention job after this moment.
    content_expires_at: Mapped[datetime | None]

    prompts: Mapped[list[LivePrompt]] = relationship(
        back_populates="session",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="LivePrompt.id",
    )


class LivePrompt(CreatedMixin, Base):
    """A prompt put to the room."""

    __tablename__ = "live_prompts"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("live_sessions.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[PromptKind] = mapped_column(str_enum_type(PromptKind, "prompt_kind"))
    text: Mapped[str] = mapped_column(String(MAX_PROMPT_TEXT))
    anonymous: Mapped[bool] = mapped_column(default=True)
    #: Choice and pick prompts: the options;
    #: scale prompts: {"min", "max", "min_label", "max_label"}.
    options: Mapped[list[str] | None] = mapped_column(JSON)
    scale: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    seconds: Mapped[int | None]
    #: Pick prompts: how many of the options one answer may pick.
    max_picks: Mapped[int | None]
    status: Mapped[PromptStatus] = mapped_column(str_enum_type(PromptStatus, "prompt_status"))
    #: Its answers have been shown (a reveal); stays set once the prompt is closed.
    revealed: Mapped[bool] = mapped_column(default=False, server_default=false())
    #: Asks how last time's commitments went: each member sees their own next to it.
    follow_up: Mapped[bool] = mapped_column(default=False, server_default=false())
    #: The step of the meeting's session plan this prompt was opened from, if any.
    plan_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("plan_items.id", ondelete="SET NULL")
    )

    session: Mapped[LiveSession] = relationship(back_populates="prompts")


class LiveResponse(Base):
    """One answer's content. No author column for anonymous prompts; no timestamp; random key."""

    __tablename__ = "live_responses"

    #: Random hex, so keys say nothing about who answered first.
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    prompt_id: Mapped[int] = mapped_column(
        ForeignKey("live_prompts.id", ondelete="CASCADE"), index=True
    )
    value: Mapped[str] = mapped_column(Text)
    #: The circle display name, for named prompts only.
    author_name: Mapped[str | None] = mapped_column(String(40))
    #: Random number the reveal is ordered by: shuffled, and the same for everyone and on reload.
    shuffle_key: Mapped[int]
    hidden: Mapped[bool] = mapped_column(default=False)


class LiveSubmission(Base):
    """That a person answered or passed a prompt. Makes submitting idempotent.

    For an anonymous prompt it also holds the answer (or the pass) sealed until the reveal,
    emptied then; a named prompt's answer is written as a response at once.
    """

    __tablename__ = "live_submissions"
    __table_args__ = (UniqueConstraint("prompt_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    prompt_id: Mapped[int] = mapped_column(ForeignKey("live_prompts.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: The client's id for the submission: the same id again is the same submission.
    client_id: Mapped[str] = mapped_column(String(64))
    #: Anonymous prompts, until the reveal: the answer or pass sealed (circles.live.mixing).
    sealed: Mapped[bytes | None] = mapped_column(LargeBinary)


class LiveParticipant(Base):
    """Someone who joined a session: attendance, raised hand, removal."""

    __tablename__ = "live_participants"
    __table_args__ = (UniqueConstraint("session_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("live_sessions.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    joined_at: Mapped[datetime]
    hand_raised_at: Mapped[datetime | None]
    removed_at: Mapped[datetime | None]


class LiveConnection(Base):
    """An open socket in a session (for presence and for disconnecting a person at once)."""

    __tablename__ = "live_connections"

    sid: Mapped[str] = mapped_column(String(64), primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("live_sessions.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)


class Commitment(CreatedMixin, Base):
    """A small action a member chose for the week; private to them, shown back next session.

    Its words are sealed under the member's own key and padded to one size, so that neither they
    nor their length match the anonymous response they may also have given (docs/privacy.md).
    """

    __tablename__ = "commitments"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circles.id", ondelete="CASCADE"))
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("live_sessions.id", ondelete="SET NULL")
    )
    #: The words, sealed (circles.live.commitments).
    sealed: Mapped[bytes] = mapped_column(LargeBinary)


class SavedPrompt(CreatedMixin, Base):
    """A prompt an organisation keeps in its library, for all its circles or for one circle."""

    __tablename__ = "saved_prompts"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    #: Set for a circle's own prompt; empty for one shared with the whole organisation.
    circle_id: Mapped[int | None] = mapped_column(
        ForeignKey("circles.id", ondelete="CASCADE"), index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: The prompt as ``prompt.open`` takes it, already validated.
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: Theme keys from :data:`circles.live.library.THEMES`.
    themes: Mapped[list[str]] = mapped_column(JSON)


class PlanItem(CreatedMixin, Base):
    """One step of a meeting's session plan; the plan is the meeting's items in order."""

    __tablename__ = "plan_items"
    __table_args__ = (Index("ix_plan_items_meeting_id_position", "meeting_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    position: Mapped[int]
    #: A copy of the prompt (editing the library later leaves prepared plans alone).
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)

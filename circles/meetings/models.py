"""Meetings: series on a wall clock, their materialised occurrences, RSVPs, feeds and reminders."""

from __future__ import annotations

import enum
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import (
    CheckConstraint,
    ColumnElement,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    Update,
    and_,
    update,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from circles.db import Base, CreatedMixin, str_enum_type, utcnow
from circles.i18n import lazy_gettext as _l
from circles.meetings.recurrence import Repeat

if TYPE_CHECKING:
    from circles.groups.models import Circle

MAX_DURATION_MINUTES = 8 * 60
MAX_URL = 500


class RsvpAnswer(enum.StrEnum):
    """Whether someone plans to come to a meeting."""

    GOING = "going"
    MAYBE = "maybe"
    NOT_GOING = "not_going"

    @property
    def label(self) -> str:
        """The answer's button label (lazy: forms build their choices at import time)."""
        labels: dict[str, str] = {
            "going": _l("Going"),
            "maybe": _l("Maybe"),
            "not_going": _l("Not going"),
        }
        return labels[self.value]


class MeetingSeries(CreatedMixin, Base):
    """How a circle's meetings repeat, on the wall clock of one IANA time zone.

    A one-off meeting is a series of one. The occurrences are materialised as :class:`Meeting`
    rows, so one of them can be moved, changed or cancelled on its own.
    """

    __tablename__ = "meeting_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circles.id", ondelete="CASCADE"), index=True)
    #: IANA zone whose wall clock the series keeps (19:00 London stays 19:00 across DST).
    timezone: Mapped[str] = mapped_column(String(64))
    repeat: Mapped[Repeat] = mapped_column(str_enum_type(Repeat, "meeting_repeat"))
    #: The RRULE the occurrences were expanded from (no DTSTART); None for a one-off meeting.
    rule: Mapped[str | None] = mapped_column(String(200))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    meetings: Mapped[list[Meeting]] = relationship(
        back_populates="series",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="Meeting.starts_at",
    )


class Meeting(CreatedMixin, Base):
    """One meeting of a circle, at a UTC instant, possibly moved or cancelled on its own."""

    __tablename__ = "meetings"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        Index("ix_meetings_circle_id_starts_at", "circle_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(
        ForeignKey("meeting_series.id", ondelete="CASCADE"), index=True
    )
    #: Copied from the series so that every lookup can be scoped to a circle in one step.
    circle_id: Mapped[int] = mapped_column(ForeignKey("circles.id", ondelete="CASCADE"))
    #: Random, never reused: the iCalendar UID, stable across edits and moves.
    uid: Mapped[str] = mapped_column(String(64), unique=True)
    starts_at: Mapped[datetime]
    #: Stored (not only the duration) so "not over yet" is a plain indexed comparison.
    ends_at: Mapped[datetime]
    #: An https link to the video call; empty when there is none.
    video_url: Mapped[str] = mapped_column(String(MAX_URL), default="")
    agenda: Mapped[str] = mapped_column(Text, default="")
    cancelled_at: Mapped[datetime | None]
    #: iCalendar SEQUENCE: raised on every change, so calendar apps take the newest version.
    sequence: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    series: Mapped[MeetingSeries] = relationship(back_populates="meetings")
    circle: Mapped[Circle] = relationship()

    @property
    def duration_minutes(self) -> int:
        return (self.ends_at - self.starts_at) // timedelta(minutes=1)

    @property
    def cancelled(self) -> bool:
        return self.cancelled_at is not None


class Rsvp(Base):
    """One person's answer for one meeting; only they see it (facilitators see counts)."""

    __tablename__ = "meeting_rsvps"
    __table_args__ = (UniqueConstraint("meeting_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    answer: Mapped[RsvpAnswer] = mapped_column(str_enum_type(RsvpAnswer, "rsvp_answer"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class CalendarFeed(CreatedMixin, Base):
    """A person's private iCalendar feed: a secret URL, regenerable and revocable."""

    __tablename__ = "calendar_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    #: Random salt from which the URL token is derived with the app's secret key, so the owner
    #: can see their URL again while a copy of the database alone cannot rebuild it.
    #: None once the link is turned off (the title choice is kept).
    salt: Mapped[str | None] = mapped_column(String(64))
    #: Off by default: events are titled "Circle meeting", so a glance at a calendar tells nothing.
    show_circle_names: Mapped[bool] = mapped_column(default=False)


#: A meeting reminder claimed this long ago and still undelivered belonged to a run that died
#: while sending: far longer than a delivery can take (the SMTP timeout is 20 seconds).
CLAIM_TIMEOUT = timedelta(minutes=15)


class ReminderSent(Base):
    """Claims one reminder for one person and meeting, so it is sent once (circles.mail)."""

    __tablename__ = "meeting_reminders"
    __table_args__ = (UniqueConstraint("meeting_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: When it was claimed for sending (and, once delivered, about when it was sent).
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: The mail server took it. A claim left undelivered past :data:`CLAIM_TIMEOUT` belonged to
    #: a run that died while sending, and is sent again (see circles.mail.send_once).
    delivered: Mapped[bool] = mapped_column(default=False)

    @classmethod
    def unfinished(cls, now: datetime) -> ColumnElement[bool]:
        return and_(cls.delivered.is_(False), cls.sent_at < now - CLAIM_TIMEOUT)

    def take_over(self, now: datetime) -> Update:
        """Claims an unfinished reminder for this run; no other run can then (its time is new)."""
        cls = type(self)
        return update(cls).where(*self.same_reminder(), cls.unfinished(now)).values(sent_at=now)

    def same_reminder(self) -> tuple[ColumnElement[bool], ...]:
        cls = type(self)
        return (cls.meeting_id == self.meeting_id, cls.user_id == self.user_id)


class DosingSession(CreatedMixin, Base):
    """When a person had an assisted session; private to them, used for the integration window."""

    __tablename__ = "dosing_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    taken_at: Mapped[datetime]

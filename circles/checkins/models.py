"""Check-in tables. See docs/privacy.md: which table may hold what, and why.

The anonymous tables (responses, scores, choices) hold no user, membership, IP, agent or time
column; a random key and the period are all they carry, and they are written only in shuffled
batches of at least k, never when a person checks in. Until then a check-in waits sealed in
:class:`CheckinWaiting`, unreadable and of a fixed size.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ColumnElement,
    Date,
    ForeignKey,
    Index,
    LargeBinary,
    SmallInteger,
    String,
    UniqueConstraint,
    Update,
    and_,
    update,
)
from sqlalchemy.orm import Mapped, mapped_column

from circles.db import Base, str_enum_type
from circles.i18n import lazy_gettext as _l

SCALE_MIN = 0
SCALE_MAX = 5
MAX_OPTION_LABEL = 80
#: Item and option keys: "wb1".."wb5", built-in "t_..."/"p_..." keys, or "c<option id>".
KEY_LENGTH = 24


class PeriodKind(enum.StrEnum):
    """How often members check in."""

    WEEKLY = "weekly"
    MEETING = "meeting"

    @property
    def label(self) -> str:
        """How often, in the reader's language (lazy: form choices are built at import)."""
        return _PERIOD_LABELS[self.value]


_PERIOD_LABELS = {"weekly": _l("Once a week"), "meeting": _l("Once after each meeting")}


class OptionKind(enum.StrEnum):
    """What a facilitator's own addition to the instrument is."""

    SCALE = "scale"
    THEME = "theme"
    PRACTICE = "practice"


class CheckinInstrument(Base):
    """A circle's check-in set-up; the wellbeing items, themes and practices are built in."""

    __tablename__ = "checkin_instruments"

    circle_id: Mapped[int] = mapped_column(
        ForeignKey("circles.id", ondelete="CASCADE"), primary_key=True
    )
    period_kind: Mapped[PeriodKind] = mapped_column(str_enum_type(PeriodKind, "checkin_period"))


class CheckinOption(Base):
    """A facilitator's own scale item, theme or practice, asked from the period after it is added.

    Items never change within a period, so every figure of a period covers the same people.
    """

    __tablename__ = "checkin_options"

    id: Mapped[int] = mapped_column(primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circles.id", ondelete="CASCADE"), index=True)
    kind: Mapped[OptionKind] = mapped_column(str_enum_type(OptionKind, "checkin_option_kind"))
    label: Mapped[str] = mapped_column(String(MAX_OPTION_LABEL))
    #: Asked in periods that start after this day.
    added_on: Mapped[date] = mapped_column(Date)
    #: No longer asked in periods that start after this day.
    removed_on: Mapped[date | None] = mapped_column(Date)

    @property
    def key(self) -> str:
        return f"c{self.id}"

    def asked_in(self, period: date) -> bool:
        """Whether the option is part of the check-in for the period starting on ``period``."""
        return self.added_on < period and (self.removed_on is None or period <= self.removed_on)


class CheckinResponse(Base):
    """One anonymous check-in: a random key, the circle and the period, nothing about the person."""

    __tablename__ = "checkin_responses"
    __table_args__ = (
        Index("ix_checkin_responses_circle_id_period", "circle_id", "period"),
        {"sqlite_with_rowid": False},
    )

    #: Random (secrets.token_hex), never sequential, so its value says nothing of when or who.
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circles.id", ondelete="CASCADE"))
    #: First day of the period (the Monday of the week, or the day of the meeting); no timestamp.
    period: Mapped[date] = mapped_column(Date)
    #: Part of the published figures. Rows of a period are released together, k or more at a
    #: time, so a figure never changes by fewer than k people (docs/privacy.md, rule 4).
    released: Mapped[bool] = mapped_column(default=False)


class CheckinWaiting(Base):
    """A check-in not yet released: sealed, padded to one size, unreadable without the key.

    It is written in the member's own transaction, beside their receipt, so it carries nothing
    a copy of the database could read. :mod:`circles.checkins.release` opens the waiting
    check-ins of a circle together, once at least k can be released, and writes them out as
    :class:`CheckinResponse` rows in a random order, in a transaction of their own.
    """

    __tablename__ = "checkin_waiting"
    __table_args__ = (
        Index("ix_checkin_waiting_circle_id_period", "circle_id", "period"),
        {"sqlite_with_rowid": False},
    )

    #: Random, like the anonymous keys.
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circles.id", ondelete="CASCADE"))
    period: Mapped[date] = mapped_column(Date)
    #: The answers, sealed (circles.sealing) to the same size for everyone.
    sealed: Mapped[bytes] = mapped_column(LargeBinary)


class CheckinScore(Base):
    """One scale answer of an anonymous check-in."""

    __tablename__ = "checkin_scores"
    __table_args__ = (
        CheckConstraint(f"value >= {SCALE_MIN} AND value <= {SCALE_MAX}", name="value_range"),
        {"sqlite_with_rowid": False},
    )

    response_id: Mapped[str] = mapped_column(
        ForeignKey("checkin_responses.id", ondelete="CASCADE"), primary_key=True
    )
    item_key: Mapped[str] = mapped_column(String(KEY_LENGTH), primary_key=True)
    value: Mapped[int] = mapped_column(SmallInteger)


class CheckinChoice(Base):
    """One theme or practice ticked in an anonymous check-in."""

    __tablename__ = "checkin_choices"
    __table_args__ = ({"sqlite_with_rowid": False},)

    response_id: Mapped[str] = mapped_column(
        ForeignKey("checkin_responses.id", ondelete="CASCADE"), primary_key=True
    )
    #: "theme" or "practice".
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    option_key: Mapped[str] = mapped_column(String(KEY_LENGTH), primary_key=True)


class CheckinTally(Base):
    """What one period's released check-ins of a circle add up to.

    Written with them, in the release that writes the period out
    (:mod:`circles.checkins.release`), from the same answers, and replaced whenever the period
    is written out again. It says nothing the released rows do not: the organisation's report
    reads one small row per circle and period instead of every answer of the weeks it shows.
    """

    __tablename__ = "checkin_tallies"

    circle_id: Mapped[int] = mapped_column(
        ForeignKey("circles.id", ondelete="CASCADE"), primary_key=True
    )
    period: Mapped[date] = mapped_column(Date, primary_key=True)
    respondents: Mapped[int]
    #: Per scale question, how many answered 0, 1, ... 5: ``{"wb1": [0, 2, 4, 1, 0, 3]}``.
    scores: Mapped[dict[str, list[int]]] = mapped_column(JSON)
    #: How many ticked each theme and practice: ``{"theme": {"t_grief": 3}, "practice": {}}``.
    ticks: Mapped[dict[str, dict[str, int]]] = mapped_column(JSON)


class CheckinReceipt(Base):
    """That a person has checked in for a period: no answers, no time, no link to the answers."""

    __tablename__ = "checkin_receipts"
    __table_args__ = ({"sqlite_with_rowid": False},)

    circle_id: Mapped[int] = mapped_column(
        ForeignKey("circles.id", ondelete="CASCADE"), primary_key=True
    )
    period: Mapped[date] = mapped_column(Date, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class CheckinHistory(Base):
    """A member's own copy of one check-in, sealed with a key only the app can derive.

    Visible to that member alone, deletable by them, erased with their account; reports never
    read this table.
    """

    __tablename__ = "checkin_history"
    __table_args__ = (UniqueConstraint("user_id", "circle_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    circle_id: Mapped[int] = mapped_column(ForeignKey("circles.id", ondelete="CASCADE"))
    period: Mapped[date] = mapped_column(Date)
    #: The answers sealed under the member's own key, padded to one size for everyone.
    sealed: Mapped[bytes] = mapped_column(LargeBinary)


class CheckinReminder(Base):
    """Claims one check-in reminder per person and period, so it is sent once (circles.mail)."""

    __tablename__ = "checkin_reminders"
    __table_args__ = ({"sqlite_with_rowid": False},)

    circle_id: Mapped[int] = mapped_column(
        ForeignKey("circles.id", ondelete="CASCADE"), primary_key=True
    )
    period: Mapped[date] = mapped_column(Date, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    #: The mail server took it. Like every check-in table, no time is kept: instead each scan
    #: first marks the claims it finds undelivered as abandoned (their runs died while sending:
    #: scans are a day apart), and one later run takes each over (see circles.mail.send_once).
    delivered: Mapped[bool] = mapped_column(default=False)
    abandoned: Mapped[bool] = mapped_column(default=False)

    @classmethod
    def unfinished(cls, now: datetime) -> ColumnElement[bool]:
        return and_(cls.delivered.is_(False), cls.abandoned.is_(True))

    def take_over(self, now: datetime) -> Update:
        """Claims an abandoned reminder for this run; no other run can then."""
        cls = type(self)
        return update(cls).where(*self.same_reminder(), cls.unfinished(now)).values(abandoned=False)

    def same_reminder(self) -> tuple[ColumnElement[bool], ...]:
        cls = type(self)
        return (
            cls.circle_id == self.circle_id,
            cls.period == self.period,
            cls.user_id == self.user_id,
        )

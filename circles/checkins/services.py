"""Check-ins: set-up, periods, taking a check-in, and the member's private history.

Nothing here logs, and nothing here may: a log line written during a check-in could pair the
person with what they answered (docs/privacy.md, rule 7). How a check-in becomes part of the
figures is :mod:`circles.checkins.release`.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import delete, func, select

from circles.accounts.models import User
from circles.checkins.instrument import Questions, questions_for
from circles.checkins.models import (
    SCALE_MAX,
    SCALE_MIN,
    CheckinHistory,
    CheckinInstrument,
    CheckinOption,
    CheckinReceipt,
    CheckinWaiting,
    OptionKind,
    PeriodKind,
)
from circles.db import add_or_refuse
from circles.exceptions import ServiceError
from circles.extensions import db
from circles.groups.models import Circle
from circles.i18n import gettext as _
from circles.meetings.models import Meeting
from circles.sealing import keyring

MAX_OWN_OPTIONS = 20


def instrument_for(circle_id: int) -> CheckinInstrument | None:
    """The circle's check-in set-up, or None while the facilitator has not set one up."""
    return db.session.get(CheckinInstrument, circle_id)


def circle_options(circle_id: int) -> list[CheckinOption]:
    """Every own item, theme and practice the circle has had, current or removed."""
    return list(
        db.session.scalars(
            select(CheckinOption).where(CheckinOption.circle_id == circle_id).order_by("id")
        )
    )


def set_up_instrument(circle: Circle, period_kind: PeriodKind) -> CheckinInstrument:
    """Turn check-ins on for a circle, or change how often they happen."""
    instrument = instrument_for(circle.id)
    if instrument is None:
        instrument = CheckinInstrument(circle_id=circle.id, period_kind=period_kind)
        db.session.add(instrument)
    else:
        instrument.period_kind = period_kind
    db.session.flush()
    return instrument


def add_option(circle: Circle, kind: OptionKind, label: str, today: date) -> CheckinOption:
    """Add an own item, theme or practice; it is asked from the next period on."""
    label = " ".join(label.split())
    if not label:
        raise ServiceError(_("Write a few words for it."), "label")
    current = [o for o in circle_options(circle.id) if o.removed_on is None]
    if len(current) >= MAX_OWN_OPTIONS:
        raise ServiceError(_("A check-in can have up to %(num)d additions.", num=MAX_OWN_OPTIONS))
    if any(o.kind == kind and o.label.casefold() == label.casefold() for o in current):
        raise ServiceError(_("That one is already there."), "label")
    option = CheckinOption(circle_id=circle.id, kind=kind, label=label, added_on=today)
    db.session.add(option)
    db.session.flush()
    return option


def remove_option(option: CheckinOption, today: date) -> None:
    """Stop asking an own item from the next period on (the current period keeps it)."""
    if option.removed_on is None:
        option.removed_on = today
        db.session.flush()


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def current_period(instrument: CheckinInstrument, now: datetime) -> date | None:
    """First day of the open period: this week's Monday, or the day of the latest meeting begun.

    Days are UTC days. Every earlier period is closed; None when no meeting has begun yet.
    """
    if instrument.period_kind == PeriodKind.WEEKLY:
        return week_start(now.date())
    started = db.session.scalar(
        select(func.max(Meeting.starts_at)).where(
            Meeting.circle_id == instrument.circle_id,
            Meeting.cancelled_at.is_(None),
            Meeting.starts_at <= now,
        )
    )
    return started.date() if started is not None else None


def has_checked_in(circle_id: int, period: date, user_id: int) -> bool:
    return (
        db.session.get(
            CheckinReceipt, {"circle_id": circle_id, "period": period, "user_id": user_id}
        )
        is not None
    )


@dataclass(frozen=True)
class Answers:
    """What a member gave: a value for each scale item, the themes and practices they ticked."""

    scores: Mapping[str, int]
    themes: frozenset[str] = field(default_factory=frozenset)
    practices: frozenset[str] = field(default_factory=frozenset)


def check_answers(answers: Answers, questions: Questions) -> None:
    """Refuse answers that do not fit the period's questions (the form checks first)."""
    if set(answers.scores) != questions.scale_keys:
        raise ServiceError(_("Answer every question on the scale."))
    if any(not SCALE_MIN <= v <= SCALE_MAX for v in answers.scores.values()):
        raise ServiceError(
            _("Each answer is a number from %(low)d to %(high)d.", low=SCALE_MIN, high=SCALE_MAX)
        )
    if (
        not answers.themes <= questions.theme_keys
        or not answers.practices <= questions.practice_keys
    ):
        raise ServiceError(_("Choose themes and practices from the lists."))


def submit_checkin(
    circle: Circle,
    user: User,
    answers: Answers,
    now: datetime,
    *,
    keep_private_copy: bool,
) -> None:
    """Take one check-in: mark the person as done and keep the answers sealed until release.

    Nothing readable is written here: the receipt says only who is done, the waiting check-in
    is sealed and as long as any other, and so is the private copy. The caller commits, then
    runs :func:`circles.checkins.release.run_release`, which writes check-ins out readable only
    k or more at a time, shuffled, in a transaction of its own (docs/privacy.md).
    """
    instrument = instrument_for(circle.id)
    if instrument is None:
        raise ServiceError(_("Check-ins are not set up for this circle yet."))
    period = current_period(instrument, now)
    if period is None:
        raise ServiceError(_("Check-ins open after the circle's first meeting."))
    check_answers(answers, questions_for(circle_options(circle.id), period))
    if has_checked_in(circle.id, period, user.id):
        raise ServiceError(already_done_message(instrument))
    add_or_refuse(
        CheckinReceipt(circle_id=circle.id, period=period, user_id=user.id),
        already_done_message(instrument),
    )
    ring = keyring()
    plain = encode_answers(answers)
    db.session.add(
        CheckinWaiting(
            id=secrets.token_hex(16),
            circle_id=circle.id,
            period=period,
            sealed=ring.seal(_WAITING, plain, ANSWERS_SIZE),
        )
    )
    if keep_private_copy:
        db.session.add(
            CheckinHistory(
                user_id=user.id,
                circle_id=circle.id,
                period=period,
                sealed=ring.seal(_history(user.id), plain, ANSWERS_SIZE),
            )
        )
    db.session.flush()


def already_done_message(instrument: CheckinInstrument) -> str:
    if instrument.period_kind == PeriodKind.WEEKLY:
        return _("You have already checked in this week. Thank you. The next check-in opens later.")
    return _(
        "You have already checked in since the last meeting. Thank you. "
        "The next check-in opens later."
    )


# --- Sealed answers: waiting for release, and the member's private history --------------------

#: Every sealed check-in is padded to this size (the longest possible fits: 25 scale answers and
#: 40 ticks with the longest keys take under 2,000 bytes).
ANSWERS_SIZE = 4096
_WAITING = "checkin-waiting"


def _history(user_id: int) -> str:
    """The purpose of a member's own key: a database copy alone cannot open their history."""
    return f"checkin-history:{user_id}"


def encode_answers(answers: Answers) -> bytes:
    return json.dumps(
        {
            "scores": dict(sorted(answers.scores.items())),
            "themes": sorted(answers.themes),
            "practices": sorted(answers.practices),
        },
        separators=(",", ":"),
    ).encode()


def decode_answers(plain: bytes) -> Answers:
    data = json.loads(plain)
    return Answers(
        scores={str(k): int(v) for k, v in data["scores"].items()},
        themes=frozenset(data["themes"]),
        practices=frozenset(data["practices"]),
    )


def open_waiting(sealed: bytes) -> Answers | None:
    """A waiting check-in's answers, or None when no configured secret opens it."""
    plain = keyring().unseal(_WAITING, sealed)
    return None if plain is None else decode_answers(plain)


@dataclass(frozen=True)
class HistoryEntry:
    period: date
    answers: Answers | None


def own_history(user_id: int, circle_id: int) -> list[HistoryEntry]:
    """The member's own check-ins in a circle, oldest first, opened with their key (None: can no
    longer be opened, for example after the secret changed without a fallback)."""
    ring = keyring()
    rows = db.session.scalars(
        select(CheckinHistory)
        .where(CheckinHistory.user_id == user_id, CheckinHistory.circle_id == circle_id)
        .order_by(CheckinHistory.period)
    )
    entries = []
    for row in rows:
        plain = ring.unseal(_history(user_id), row.sealed)
        entries.append(HistoryEntry(row.period, None if plain is None else decode_answers(plain)))
    return entries


def open_history(user_id: int, sealed: bytes) -> Answers | None:
    """One private copy of the member's, opened (for their data export)."""
    plain = keyring().unseal(_history(user_id), sealed)
    return None if plain is None else decode_answers(plain)


def delete_own_history(user_id: int, circle_id: int) -> None:
    """Delete the member's private copies (the anonymous check-ins stay, unlinkable)."""
    db.session.execute(
        delete(CheckinHistory).where(
            CheckinHistory.user_id == user_id, CheckinHistory.circle_id == circle_id
        )
    )


def wellbeing_percent(answers: Answers, keys: Iterable[str]) -> int:
    """The five wellbeing answers as one number from 0 to 100 (their sum times four)."""
    return sum(answers.scores.get(key, 0) for key in keys) * 4

"""Check-ins: set-up, periods, the anonymous check-in itself and the member's private history.

Nothing here logs, and nothing here may: a log line written during a check-in could pair the
person with what they answered (docs/privacy.md, rule 7).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import delete, func, select, text, update

from circles import crypto
from circles.accounts.models import User
from circles.checkins.instrument import Questions, questions_for
from circles.checkins.models import (
    SCALE_MAX,
    SCALE_MIN,
    CheckinChoice,
    CheckinHistory,
    CheckinInstrument,
    CheckinOption,
    CheckinReceipt,
    CheckinResponse,
    CheckinScore,
    OptionKind,
    PeriodKind,
)
from circles.db import add_or_refuse
from circles.exceptions import ServiceError
from circles.extensions import db
from circles.groups.models import Circle
from circles.meetings.models import Meeting
from circles.orgs.models import Organisation

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
        raise ServiceError("Write a few words for it.", "label")
    current = [o for o in circle_options(circle.id) if o.removed_on is None]
    if len(current) >= MAX_OWN_OPTIONS:
        raise ServiceError(f"A check-in can have up to {MAX_OWN_OPTIONS} additions.")
    if any(o.kind == kind and o.label.casefold() == label.casefold() for o in current):
        raise ServiceError("That one is already there.", "label")
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
        raise ServiceError("Answer every question on the scale.")
    if any(not SCALE_MIN <= v <= SCALE_MAX for v in answers.scores.values()):
        raise ServiceError(f"Each answer is a number from {SCALE_MIN} to {SCALE_MAX}.")
    if (
        not answers.themes <= questions.theme_keys
        or not answers.practices <= questions.practice_keys
    ):
        raise ServiceError("Choose themes and practices from the lists.")


def submit_checkin(
    circle: Circle,
    user: User,
    answers: Answers,
    now: datetime,
    *,
    keep_private_copy: bool,
    secret_key: str | bytes,
) -> None:
    """Store one check-in anonymously, mark the person as done, and release figures in steps of k.

    The receipt says only who is done; the anonymous row says only what was answered. Neither
    points to the other (docs/privacy.md).
    """
    # One check-in of a circle at a time, so release steps are never split by a race.
    instrument = db.session.scalar(
        select(CheckinInstrument).where(CheckinInstrument.circle_id == circle.id).with_for_update()
    )
    if instrument is None:
        raise ServiceError("Check-ins are not set up for this circle yet.")
    period = current_period(instrument, now)
    if period is None:
        raise ServiceError("Check-ins open after the circle's first meeting.")
    check_answers(answers, questions_for(circle_options(circle.id), period))
    if has_checked_in(circle.id, period, user.id):
        raise ServiceError(already_done_message(instrument))
    add_or_refuse(
        CheckinReceipt(circle_id=circle.id, period=period, user_id=user.id),
        already_done_message(instrument),
    )
    response_id = secrets.token_hex(16)
    db.session.add(CheckinResponse(id=response_id, circle_id=circle.id, period=period))
    db.session.flush()
    db.session.add_all(
        CheckinScore(response_id=response_id, item_key=key, value=value)
        for key, value in answers.scores.items()
    )
    db.session.add_all(
        [CheckinChoice(response_id=response_id, kind="theme", option_key=k) for k in answers.themes]
        + [
            CheckinChoice(response_id=response_id, kind="practice", option_key=k)
            for k in answers.practices
        ]
    )
    db.session.flush()
    _release_if_enough(circle, period)
    if keep_private_copy:
        db.session.add(
            CheckinHistory(
                user_id=user.id,
                circle_id=circle.id,
                period=period,
                sealed=seal(answers, history_key(secret_key, user.id)),
            )
        )
        db.session.flush()


def already_done_message(instrument: CheckinInstrument) -> str:
    when = "this week" if instrument.period_kind == PeriodKind.WEEKLY else "since the last meeting"
    return f"You have already checked in {when}. Thank you. The next check-in opens later."


def _release_if_enough(circle: Circle, period: date) -> None:
    """Once k check-ins of a period wait unreleased, release them all together."""
    k = db.session.scalar(select(Organisation.anonymity_k).where(Organisation.id == circle.org_id))
    waiting = db.session.scalar(
        select(func.count()).where(
            CheckinResponse.circle_id == circle.id,
            CheckinResponse.period == period,
            CheckinResponse.released.is_(False),
        )
    )
    if k is not None and waiting is not None and waiting >= k:
        db.session.execute(
            update(CheckinResponse)
            .where(
                CheckinResponse.circle_id == circle.id,
                CheckinResponse.period == period,
                CheckinResponse.released.is_(False),
            )
            .values(released=True)
        )


_RESEAL_COLUMNS = {
    "checkin_responses": "period",
    "checkin_scores": "value",
    "checkin_choices": "kind",
    "checkin_receipts": "period",
}


def reseal_anonymous_tables() -> None:
    """PostgreSQL: rewrite the anonymous tables in random-key order, in one transaction.

    The heap keeps rows roughly in insertion order and stamps each with the id of the transaction
    that wrote it (xmin), which a person with access to the live database could line up with the
    receipts. Touching every row in one statement gives them all one new xmin; CLUSTER then
    rewrites each table in key order. SQLite needs nothing: these tables are WITHOUT ROWID, so
    rows are stored by their random key.
    """
    if db.session.get_bind().dialect.name != "postgresql":
        return
    # Table and a column to rewrite unchanged; fixed names, nothing from input.
    for table, column in _RESEAL_COLUMNS.items():
        db.session.execute(text(f"UPDATE {table} SET {column} = {column}"))  # noqa: S608
        db.session.execute(text(f"CLUSTER {table} USING pk_{table}"))


# --- The member's private history -------------------------------------------------------------

#: Sealed answers are padded to a multiple of this, so their length says nothing.
_PAD = 512


def history_key(secret_key: str | bytes, user_id: int) -> bytes:
    """The member's own key, derived from the app's secret: a database copy alone cannot open it."""
    return crypto.derive_key(secret_key, f"checkin-history:{user_id}")


def seal(answers: Answers, key: bytes) -> bytes:
    plain = json.dumps(
        {
            "scores": dict(answers.scores),
            "themes": sorted(answers.themes),
            "practices": sorted(answers.practices),
        }
    ).encode()
    plain += b" " * (-len(plain) % _PAD)
    return crypto.seal(key, plain)


def unseal(sealed: bytes, key: bytes) -> Answers | None:
    """The answers, or None when they cannot be opened (for example after a key change)."""
    plain = crypto.unseal(key, sealed)
    if plain is None:
        return None
    data = json.loads(plain)
    return Answers(
        scores={str(k): int(v) for k, v in data["scores"].items()},
        themes=frozenset(data["themes"]),
        practices=frozenset(data["practices"]),
    )


@dataclass(frozen=True)
class HistoryEntry:
    period: date
    answers: Answers | None


def own_history(user_id: int, circle_id: int, secret_key: str | bytes) -> list[HistoryEntry]:
    """The member's own check-ins in a circle, oldest first, opened with their key."""
    key = history_key(secret_key, user_id)
    rows = db.session.scalars(
        select(CheckinHistory)
        .where(CheckinHistory.user_id == user_id, CheckinHistory.circle_id == circle_id)
        .order_by(CheckinHistory.period)
    )
    return [HistoryEntry(row.period, unseal(row.sealed, key)) for row in rows]


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

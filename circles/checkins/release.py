"""Releasing check-ins: sealed while they wait, written out readable only in shuffled batches.

A check-in is stored sealed (:class:`CheckinWaiting`) beside its receipt, so the transaction and
the place that hold it pair nothing readable with the person. Check-ins become readable here
only, in a transaction of their own that writes nothing about anyone, k or more at a time:

- the open period, once k or more wait: they join the period's released check-ins, and *all* of
  the period's released rows are written anew, in a random order and under new random keys, so
  that no copy of the database taken later shows which rows came out in which step;
- closed periods that never reached k, once together with their thin neighbours they reach k
  (a pool, docs/privacy.md rule 5): written out once, shuffled;
- waiting check-ins no figure can ever use (fewer than k left in a closed, released period, or a
  thin run closed off by a released period) are deleted.

:func:`run_release` runs after a member checks in, before a circle's report is built, and from
``flask checkins-release``. On SQLite it then empties the write-ahead log, whose older page
copies would otherwise show which check-ins each step released.
"""

from __future__ import annotations

import logging
import secrets
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, func, insert, null, select, union_all

from circles.checkins.models import (
    SCALE_MAX,
    CheckinChoice,
    CheckinInstrument,
    CheckinResponse,
    CheckinScore,
    CheckinTally,
    CheckinWaiting,
)
from circles.checkins.services import Answers, current_period, open_waiting
from circles.db import begin_writing, empty_write_ahead_log, utcnow
from circles.extensions import db
from circles.groups.models import Circle
from circles.orgs.models import Organisation

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Unit:
    """What one figure of a circle's report is built from: a single period or a pool."""

    periods: tuple[date, ...]
    #: The released rows of one period; otherwise the pooled (or still waiting) check-ins.
    released: bool
    published: bool
    #: Never published, whatever happens later: its waiting check-ins can go.
    final: bool = False


def publication_units(
    responses: Mapping[tuple[date, bool], int], open_period: date | None, k: int
) -> list[Unit]:
    """Split a circle's periods into released single periods, pools of thin closed periods and
    withheld periods; deterministic, and a published unit never changes once shown.

    ``responses`` counts check-ins per (period, released): released rows under True, and every
    other check-in (waiting or already pooled) under False.
    """
    units: list[Unit] = []
    run: list[date] = []
    run_n = 0

    def withhold_run(final: bool) -> None:
        nonlocal run, run_n
        units.extend(Unit((p,), False, False, final) for p in run)
        run, run_n = [], 0

    for period in sorted({p for p, _ in responses}):
        closed = open_period is None or period < open_period
        if responses.get((period, True), 0):
            withhold_run(final=True)  # a released period closes off the thin run before it
            units.append(Unit((period,), True, True))
        elif not closed:
            withhold_run(final=False)  # the open period waits for k; it never joins a pool
        else:
            run.append(period)
            run_n += responses.get((period, False), 0)
            if run_n >= k:
                units.append(Unit(tuple(run), False, True))
                run, run_n = [], 0
    withhold_run(final=False)
    return units


def run_release(circle_ids: Iterable[int], now: datetime | None = None) -> None:
    """Release what is due in these circles, in a transaction of its own (committed here).

    Called once the caller's own work is committed. A failure leaves everything waiting, sealed,
    for the next release; it is logged by kind only and never reaches the person.
    """
    try:
        released = release_due(list(circle_ids), now or utcnow())
        db.session.commit()
    except Exception as error:  # the check-in itself is safely in: try again next time
        db.session.rollback()
        log.warning("check-in release deferred (%s)", type(error).__name__)
        return
    if released and not empty_write_ahead_log():
        log.info("write-ahead log not emptied yet (readers busy); flask checkins-release retries")


@dataclass
class Counts:
    """A circle's check-ins per period: readable ones by (period, released), and waiting ones."""

    readable: dict[tuple[date, bool], int] = field(default_factory=dict)
    waiting: dict[date, int] = field(default_factory=dict)

    def everyone(self) -> dict[tuple[date, bool], int]:
        """Counts for :func:`publication_units`: waiting check-ins count as not released."""
        counts = dict(self.readable)
        for period, n in self.waiting.items():
            counts[(period, False)] = counts.get((period, False), 0) + n
        return counts


def period_counts(circle_ids: Sequence[int]) -> dict[int, Counts]:
    """Each circle's :class:`Counts`, in one query (counting sealed rows needs no key)."""
    R, W = CheckinResponse, CheckinWaiting
    readable = (
        select(R.circle_id, R.period, R.released, func.count())
        .where(R.circle_id.in_(circle_ids))
        .group_by(R.circle_id, R.period, R.released)
    )
    waiting = (
        select(W.circle_id, W.period, null(), func.count())
        .where(W.circle_id.in_(circle_ids))
        .group_by(W.circle_id, W.period)
    )
    found: dict[int, Counts] = defaultdict(Counts)
    rows: Iterable[Any] = db.session.execute(union_all(readable, waiting))
    for circle_id, period, released, n in rows:
        if released is None:
            found[circle_id].waiting[period] = n
        else:
            found[circle_id].readable[(period, bool(released))] = n
    return found


@dataclass(frozen=True)
class _Plan:
    circle_id: int
    k: int
    #: The open period, when k or more wait in it: a step.
    step: date | None
    #: Pools with check-ins waiting in them, to write out.
    pools: list[tuple[date, ...]]
    #: Periods whose waiting check-ins no figure will ever use.
    dead: list[date]

    @property
    def empty(self) -> bool:
        return self.step is None and not self.pools and not self.dead


def _plans(
    circle_ids: Sequence[int], now: datetime, *, lock: bool, skip_step: bool = False
) -> list[_Plan]:
    """What is due in each circle; with ``lock``, its instrument row is locked first;
    ``skip_step``: plan as if the open period's step could not be written (see release_due)."""
    query = (
        select(CheckinInstrument, Organisation.anonymity_k)
        .join(Circle, Circle.id == CheckinInstrument.circle_id)
        .join(Organisation, Organisation.id == Circle.org_id)
        .where(CheckinInstrument.circle_id.in_(sorted(set(circle_ids))))
        .order_by(CheckinInstrument.circle_id)
    )
    if lock:
        query = query.with_for_update(of=CheckinInstrument)
    instruments = db.session.execute(query).all()
    counts = period_counts([i.circle_id for i, _ in instruments])
    plans = []
    for instrument, k in instruments:
        mine = counts.get(instrument.circle_id)
        if mine is None or not mine.waiting:
            continue
        open_period = current_period(instrument, now)
        # A pool is published once and never changes: a check-in that reached a period already
        # written out as part of a pool (it was sent as the period closed) can never count.
        dead = [p for p in mine.waiting if mine.readable.get((p, False)) and p != open_period]
        for period in dead:
            mine.waiting.pop(period)
        step = open_period if mine.waiting.get(open_period, 0) >= k else None  # type: ignore[arg-type]
        if step is not None and not skip_step:
            # Counted as released from here on, as they will be once the step is written.
            n = mine.waiting.pop(step)
            mine.readable[(step, True)] = mine.readable.get((step, True), 0) + n
        else:
            step = None
        pools = []
        for unit in publication_units(mine.everyone(), open_period, k):
            waiting = [p for p in unit.periods if mine.waiting.get(p)]
            if not waiting:
                continue
            closed = open_period is None or unit.periods[-1] < open_period
            if unit.released and closed:
                dead += waiting  # fewer than k were left over when the period closed
            elif unit.published and not unit.released:
                pools.append(unit.periods)
            elif unit.final:
                dead += waiting
        plans.append(_Plan(instrument.circle_id, k, step, pools, dead))
    return [plan for plan in plans if not plan.empty]


def release_due(circle_ids: Sequence[int], now: datetime) -> bool:
    """Release every due step and pool of these circles (see the module); True if any was.

    With nothing due (the usual case) this only reads. Otherwise it takes the write lock (SQLite)
    and the circles' instrument rows (PostgreSQL), so two releases of a circle never interleave,
    and looks again under the lock before writing.
    """
    if not _plans(circle_ids, now, lock=False):
        return False
    begin_writing()
    released = False
    for plan in _plans(circle_ids, now, lock=True):
        if plan.step is not None:
            if _write_out(plan.circle_id, (plan.step,), released=True, at_least=plan.k):
                released = True
            else:
                # Some of the step's check-ins could not be opened (a secret no longer set):
                # they are gone, fewer than k remain, and the rest is planned without the step.
                again = _plans([plan.circle_id], now, lock=True, skip_step=True)
                if not again:
                    continue
                plan = again[0]
        for periods in plan.pools:
            released |= _write_out(plan.circle_id, periods, released=False, at_least=plan.k)
        if plan.dead:
            db.session.execute(
                delete(CheckinWaiting).where(
                    CheckinWaiting.circle_id == plan.circle_id,
                    CheckinWaiting.period.in_(plan.dead),
                )
            )
    return released


def _write_out(circle_id: int, periods: tuple[date, ...], *, released: bool, at_least: int) -> bool:
    """Open the waiting check-ins of these periods and rewrite them, with the readable rows they
    join, in a random order under new keys; False (nothing written) when fewer than ``at_least``
    would come out (a step needs k new ones, a pool k in all)."""
    opened: list[tuple[date, Answers]] = []
    taken: list[str] = []
    lost: list[str] = []
    for row in db.session.scalars(
        select(CheckinWaiting).where(
            CheckinWaiting.circle_id == circle_id, CheckinWaiting.period.in_(periods)
        )
    ):
        answers = open_waiting(row.sealed)
        if answers is None:  # sealed under a secret no longer configured: lost for good
            lost.append(row.id)
        else:
            opened.append((row.period, answers))
            taken.append(row.id)
    if lost:
        db.session.execute(delete(CheckinWaiting).where(CheckinWaiting.id.in_(lost)))
    readable = _readable(circle_id, periods, released)
    if len(opened) + (0 if released else len(readable)) < at_least:
        return False
    opened += readable
    db.session.execute(
        delete(CheckinResponse).where(
            CheckinResponse.circle_id == circle_id,
            CheckinResponse.period.in_(periods),
            CheckinResponse.released.is_(released),
        )
    )
    # Only the rows opened above: one that arrived since (PostgreSQL) waits for the next release.
    db.session.execute(delete(CheckinWaiting).where(CheckinWaiting.id.in_(taken)))
    secrets.SystemRandom().shuffle(opened)
    responses: list[dict[str, Any]] = []
    scores: list[dict[str, Any]] = []
    choices: list[dict[str, Any]] = []
    for period, answers in opened:
        key = secrets.token_hex(16)
        responses.append(
            {"id": key, "circle_id": circle_id, "period": period, "released": released}
        )
        scores += [
            {"response_id": key, "item_key": i, "value": v} for i, v in answers.scores.items()
        ]
        choices += [{"response_id": key, "kind": "theme", "option_key": t} for t in answers.themes]
        choices += [
            {"response_id": key, "kind": "practice", "option_key": p} for p in answers.practices
        ]
    for model, rows in (
        (CheckinResponse, responses),
        (CheckinScore, scores),
        (CheckinChoice, choices),
    ):
        if rows:
            db.session.execute(insert(model), rows)
    if released:
        write_tallies(circle_id, opened)
    return True


def write_tallies(circle_id: int, written: list[tuple[date, Answers]]) -> None:
    """Replace the tallies of the periods just written out with what their rows add up to (a
    released period is written out whole: ``written`` is all of it)."""
    tallies: dict[date, dict[str, Any]] = {}
    for period, answers in written:
        tally = tallies.setdefault(
            period, {"respondents": 0, "scores": {}, "ticks": {"theme": {}, "practice": {}}}
        )
        tally["respondents"] += 1
        for item, value in answers.scores.items():
            tally["scores"].setdefault(item, [0] * (SCALE_MAX + 1))[value] += 1
        for kind, keys in (("theme", answers.themes), ("practice", answers.practices)):
            for key in keys:
                tally["ticks"][kind][key] = tally["ticks"][kind].get(key, 0) + 1
    db.session.execute(
        delete(CheckinTally).where(
            CheckinTally.circle_id == circle_id, CheckinTally.period.in_(list(tallies))
        )
    )
    db.session.execute(
        insert(CheckinTally),
        [{"circle_id": circle_id, "period": p, **tally} for p, tally in sorted(tallies.items())],
    )


def _readable(
    circle_id: int, periods: tuple[date, ...], released: bool
) -> list[tuple[date, Answers]]:
    """The already readable check-ins of these periods (released, or pooled), as answers."""
    R, S, C = CheckinResponse, CheckinScore, CheckinChoice
    mine = (R.circle_id == circle_id, R.period.in_(periods), R.released.is_(released))
    periods_of: dict[str, date] = {
        key: period for key, period in db.session.execute(select(R.id, R.period).where(*mine))
    }
    scores: dict[str, dict[str, int]] = {key: {} for key in periods_of}
    ticked: dict[str, dict[str, set[str]]] = {
        key: {"theme": set(), "practice": set()} for key in periods_of
    }
    for key, item, value in db.session.execute(
        select(S.response_id, S.item_key, S.value).join(R, R.id == S.response_id).where(*mine)
    ):
        scores[key][item] = value
    for key, kind, option in db.session.execute(
        select(C.response_id, C.kind, C.option_key).join(R, R.id == C.response_id).where(*mine)
    ):
        ticked[key][kind].add(option)
    return [
        (
            period,
            Answers(
                scores[key], frozenset(ticked[key]["theme"]), frozenset(ticked[key]["practice"])
            ),
        )
        for key, period in periods_of.items()
    ]


def release_everywhere(now: datetime | None = None) -> tuple[int, bool]:
    """``flask checkins-release``: release what is due in every circle with check-ins waiting;
    returns how many circles were looked at, and whether the write-ahead log is now empty."""
    circle_ids = list(db.session.scalars(select(CheckinWaiting.circle_id).distinct()))
    db.session.commit()
    run_release(circle_ids, now)
    # Also when an earlier release's checkpoint had to give up.
    return len(circle_ids), empty_write_ahead_log()

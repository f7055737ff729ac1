"""The organisation's check-in report: week by week, a bounded window at a time.

Built only from check-ins already published for a circle in their own right (released ones),
under the rules of :mod:`circles.checkins.reports`. It reads their tallies
(:class:`~circles.checkins.models.CheckinTally`, one row per circle and period, written with
the released rows), never the answers themselves, and only the weeks it shows: each week's
figures depend on that week alone, so the page shows :data:`WINDOW_WEEKS` weeks and pages back
in time. Its cost follows the circles and weeks on the page, not the history behind them.

A week's theme and practice counts are shown only when every circle period in it has closed and
could show its own count (docs/privacy.md): each is then the sum of counts the circles' own
reports already show, and never moves. Themes pooled over four weeks are on each circle's report.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Text, and_, cast, func, select

from circles.checkins.instrument import (
    BUILTIN_PRACTICES,
    BUILTIN_THEMES,
    WELLBEING_ITEMS,
    WELLBEING_KEYS,
    translated,
)
from circles.checkins.models import SCALE_MAX, CheckinInstrument, CheckinTally, PeriodKind
from circles.checkins.reports import (
    ORG_SCOPE,
    ChoiceCount,
    Figure,
    Report,
    Window,
    choice_shown,
    stats,
)
from circles.checkins.services import week_start
from circles.extensions import db
from circles.groups.models import Circle
from circles.meetings.models import Meeting

#: Weeks on one page of the organisation's report (and in its CSV).
WINDOW_WEEKS = 12


def window_ending(until: date | None, now: datetime) -> tuple[date, date]:
    """The window of :data:`WINDOW_WEEKS` weeks ending with the week of ``until`` (default and
    at most: the current week)."""
    this_week = week_start(now.date())
    last = min(week_start(until), this_week) if until else this_week
    return last - timedelta(weeks=WINDOW_WEEKS - 1), last


def org_report(org_id: int, k: int, now: datetime, until: date | None = None) -> Report:
    """The organisation's weeks from the window ending with ``until``'s week."""
    first, last = window_ending(until, now)
    #: Per week and question, each circle period's answers 0 to 5.
    hists: dict[tuple[date, str], list[list[int]]] = defaultdict(list)
    #: Per week, each circle period's check-ins and ticks, for the theme and practice rule, and
    #: whether that period has closed.
    parts: dict[date, list[tuple[int, dict[str, dict[str, int]], bool]]] = defaultdict(list)
    open_periods = _open_periods(org_id, now)
    T = CheckinTally
    # Periods are days (a week's Monday, or a meeting's day): every one of the window's weeks.
    # The tallies come as text, each parsed once here (a driver's JSON type costs more).
    for circle_id, p, respondents, scores, ticks in db.session.execute(
        select(T.circle_id, T.period, T.respondents, cast(T.scores, Text), cast(T.ticks, Text))
        .join(Circle, Circle.id == T.circle_id)
        .where(Circle.org_id == org_id, T.period >= first, T.period < last + timedelta(weeks=1))
    ):
        week = week_start(p)
        opened = open_periods.get(circle_id, p)  # no set-up left: treat it as open
        closed = opened is not None and p < opened
        parts[week].append((respondents, json.loads(ticks), closed))
        answered = json.loads(scores)
        for key in WELLBEING_KEYS:
            if key in answered:
                hists[(week, key)].append(answered[key])

    figures: list[Figure] = []
    counts: list[ChoiceCount] = []
    questions = translated(WELLBEING_ITEMS)
    choice_order = [("theme", key, label) for key, label in translated(BUILTIN_THEMES)] + [
        ("practice", key, label) for key, label in translated(BUILTIN_PRACTICES)
    ]
    for week in sorted(parts):
        end = week + timedelta(days=6)
        for key, label in questions:
            circles = hists.get((week, key))
            if not circles:
                continue
            hist = [sum(column) for column in zip(*circles, strict=True)]
            figure = stats(ORG_SCOPE, week, end, key, label, hist, k)
            if figure.mean is not None and any(h.count(0) == SCALE_MAX for h in circles):
                # A circle's figure shown only as a band must not be recoverable by subtraction.
                figure = Figure(ORG_SCOPE, week, end, key, label, n=figure.n, band=figure.band)
            figures.append(figure)
        respondents = sum(n for n, _, _ in parts[week])
        ticked = _ticked(parts[week], k)
        for kind, key, label in choice_order:
            count = ticked.get((kind, key))
            counts.append(ChoiceCount(ORG_SCOPE, week, end, kind, key, label, respondents, count))
    this_week = week_start(now.date())
    later = min(last + timedelta(weeks=WINDOW_WEEKS), this_week) if last < this_week else None
    return Report(
        scope=ORG_SCOPE,
        k=k,
        figures=figures,
        counts=counts,
        open_period=this_week if last == this_week else None,
        open_shown=this_week in parts,
        questions=list(questions),
        window=Window(
            first,
            last,
            earlier=_latest_before(org_id, first),
            later=later,
        ),
    )


def _ticked(
    parts: list[tuple[int, dict[str, dict[str, int]], bool]], k: int
) -> dict[Any, int | None]:
    """Each (kind, key) ticked in a week: its total, or None where it may not be shown. The
    count is shown only when every circle period's own count could be (closed, at least k
    ticked it and at least k did not, in each): otherwise it could be subtracted down to one
    of them, or move with a release by fewer than k people who all answered alike."""
    total: dict[tuple[str, str], int] = defaultdict(int)
    shown_in: dict[tuple[str, str], int] = defaultdict(int)
    for n, ticks, closed in parts:
        for kind, keys in ticks.items():
            for key, count in keys.items():
                total[(kind, key)] += count
                shown_in[(kind, key)] += closed and choice_shown(count, n, k)
    # Not ticked at all in one of them (0 < k): not shown either.
    return {tick: n if shown_in[tick] == len(parts) else None for tick, n in total.items()}


def _open_periods(org_id: int, now: datetime) -> dict[int, date | None]:
    """Each of the organisation's circles with check-ins: the first day of its open period (as
    :func:`circles.checkins.services.current_period`, for every circle in one query)."""
    Ins, M = CheckinInstrument, Meeting
    started = and_(M.circle_id == Ins.circle_id, M.cancelled_at.is_(None), M.starts_at <= now)
    found: dict[int, date | None] = {}
    for circle_id, kind, latest in db.session.execute(
        select(Ins.circle_id, Ins.period_kind, func.max(M.starts_at))
        .join(Circle, Circle.id == Ins.circle_id)
        .outerjoin(M, started)
        .where(Circle.org_id == org_id)
        .group_by(Ins.circle_id, Ins.period_kind)
    ):
        if kind == PeriodKind.WEEKLY:
            found[circle_id] = week_start(now.date())
        else:
            found[circle_id] = latest.date() if latest is not None else None
    return found


def _latest_before(org_id: int, first: date) -> date | None:
    """The week of the organisation's latest published check-in before ``first``: the page
    before ends there (weeks with nothing in them are skipped). Each circle's latest is one
    step back along its (circle, period) index, whatever the history."""
    T = CheckinTally
    latest_of_circle = (
        select(T.period)
        .where(T.circle_id == Circle.id, T.period < first)
        .order_by(T.period.desc())
        .limit(1)
        .scalar_subquery()
    )
    latest = db.session.scalar(select(func.max(latest_of_circle)).where(Circle.org_id == org_id))
    return week_start(latest) if latest is not None else None

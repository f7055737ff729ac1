"""Anonymised reports: figures per period and question, published only under the privacy rules.

Counting happens in SQL (a handful of GROUP BY queries, whatever the size of the circle or the
organisation); the rules below decide which of those counts may be shown. docs/privacy.md
explains each rule; in short:

- a figure covers at least k check-ins, or is not shown ("fewer than k");
- a period's check-ins are released k or more at a time (:mod:`circles.checkins.release`), and
  figures are built from released rows only, so a figure never moves by fewer than k people, and
  the open period appears only once k are in;
- closed periods that never reached k are pooled with the following thin periods until together
  they reach k (each pool is published once and never changes);
- the organisation's figures are built only from rows already published for a circle in their
  own right, so they can never be subtracted down to a hidden group;
- where everyone gave the same answer only a band is shown; distributions need 2k check-ins;
- a theme or practice count is shown only when at least k ticked it and at least k did not,
  and only once its period has closed (a count that moved with each release could be
  subtracted down to the people of one release); over four weeks they are pooled
  (:mod:`circles.checkins.pooling`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select

from circles.checkins.instrument import (
    BUILTIN_PRACTICES,
    BUILTIN_THEMES,
    WELLBEING_ITEMS,
    band,
    labels_for,
    translated,
)
from circles.checkins.models import (
    SCALE_MAX,
    CheckinChoice,
    CheckinInstrument,
    CheckinOption,
    CheckinResponse,
    CheckinScore,
)
from circles.checkins.pooling import GRACE, PooledWindow, UnitTicks, both_sides, pooled_windows
from circles.checkins.release import Counts, period_counts, publication_units
from circles.checkins.services import current_period
from circles.extensions import db
from circles.groups.models import Circle
from circles.i18n import gettext as _

#: The organisation's figures' scope: a key the code and the CSV use, never shown on a page.
ORG_SCOPE = "Whole organisation"  # untranslated: machine-readable scope key of the CSV export


@dataclass(frozen=True)
class Figure:
    """One question over one period (or a pool of periods): shown, or "fewer than k"."""

    scope: str
    first: date
    last: date
    key: str
    label: str
    #: None when the figure is withheld (fewer than k check-ins).
    n: int | None = None
    mean: float | None = None
    median: float | None = None
    band: str | None = None
    #: How many answered 0, 1, ... 5; only from 2k check-ins up.
    histogram: tuple[int, ...] | None = None

    @property
    def published(self) -> bool:
        return self.n is not None

    @property
    def pooled(self) -> bool:
        """Periods pooled together (a circle's); the organisation's figures are whole weeks."""
        return self.first != self.last and self.scope != ORG_SCOPE


@dataclass(frozen=True)
class ChoiceCount:
    """How many ticked one theme or practice in a published period; None when withheld."""

    scope: str
    first: date
    last: date
    kind: str
    key: str
    label: str
    respondents: int
    count: int | None


@dataclass(frozen=True)
class Window:
    """The weeks a page shows: ``first`` to ``last`` (Mondays), with the pages either side."""

    first: date
    last: date
    #: The last week of the page before, when anything was published before ``first``.
    earlier: date | None
    #: The last week of the page after, unless this page ends with the current week.
    later: date | None


@dataclass
class Report:
    """What a report page and its CSV show."""

    scope: str
    k: int
    figures: list[Figure]
    counts: list[ChoiceCount]
    #: First day of the open period, if any, and whether its figures are out yet.
    open_period: date | None
    open_shown: bool
    #: Question order (key, label) for charts and tables.
    questions: list[tuple[str, str]]
    #: The weeks shown, when the report shows a window of them (the organisation's).
    window: Window | None = None
    #: Themes and practices pooled over four weeks (a circle's), oldest first.
    pooled: list[PooledWindow] = field(default_factory=list)
    #: When the next pooled window is due, if one is under way.
    pooled_due: date | None = None


Hist = dict[str, list[int]]


def stats(
    scope: str, first: date, last: date, key: str, label: str, hist: Sequence[int], k: int
) -> Figure:
    n = sum(hist)
    if n < k:
        return Figure(scope, first, last, key, label)
    mean = sum(value * count for value, count in enumerate(hist)) / n
    if sum(1 for count in hist if count) == 1:
        # Everyone gave the same answer: an exact figure would reveal each answer.
        return Figure(scope, first, last, key, label, n=n, band=band(mean))
    return Figure(
        scope,
        first,
        last,
        key,
        label,
        n=n,
        mean=round(mean, 1),
        median=_median(hist, n),
        band=band(mean),
        histogram=tuple(hist) if n >= 2 * k else None,
    )


def _median(hist: Sequence[int], n: int) -> float:
    def nth(i: int) -> int:
        seen = 0
        for value, count in enumerate(hist):
            seen += count
            if seen > i:
                return value
        return len(hist) - 1

    return (nth((n - 1) // 2) + nth(n // 2)) / 2


def choice_shown(count: int, respondents: int, k: int) -> bool:
    """A count shows only when at least k ticked it and at least k did not."""
    return both_sides(count, respondents, k)


def circle_report(circle: Circle, k: int, now: datetime) -> Report:
    """Figures of one circle, for its facilitators and its organisation's admins."""
    instrument = db.session.get(CheckinInstrument, circle.id)
    options = list(
        db.session.scalars(
            select(CheckinOption).where(CheckinOption.circle_id == circle.id).order_by("id")
        )
    )
    labels = labels_for(options)
    open_period = current_period(instrument, now) if instrument else None

    R, S, C = CheckinResponse, CheckinScore, CheckinChoice
    per_period = period_counts([circle.id]).get(circle.id) or Counts()
    responses, waiting = per_period.readable, per_period.waiting
    scores: dict[tuple[date, bool], Hist] = defaultdict(dict)
    for p, rel, key, value, n in db.session.execute(
        select(R.period, R.released, S.item_key, S.value, func.count())
        .join(S, S.response_id == R.id)
        .where(R.circle_id == circle.id)
        .group_by(R.period, R.released, S.item_key, S.value)
    ):
        scores[(p, rel)].setdefault(key, [0] * (SCALE_MAX + 1))[value] += n
    choices: dict[tuple[date, bool], dict[tuple[str, str], int]] = defaultdict(dict)
    for p, rel, kind, key, n in db.session.execute(
        select(R.period, R.released, C.kind, C.option_key, func.count())
        .join(C, C.response_id == R.id)
        .where(R.circle_id == circle.id)
        .group_by(R.period, R.released, C.kind, C.option_key)
    ):
        choices[(p, rel)][(kind, key)] = n

    scale_order = [*WELLBEING_ITEMS, *((o.key, o.label) for o in options if o.kind == "scale")]
    choice_order = [("theme", key, label) for key, label in translated(BUILTIN_THEMES)]
    choice_order += [("theme", o.key, o.label) for o in options if o.kind == "theme"]
    choice_order += [("practice", key, label) for key, label in translated(BUILTIN_PRACTICES)]
    choice_order += [("practice", o.key, o.label) for o in options if o.kind == "practice"]
    asked = {o.key: o for o in options}

    figures: list[Figure] = []
    counts: list[ChoiceCount] = []
    ticks: list[UnitTicks] = []
    # Check-ins still sealed count towards the units (how periods pool), never towards a figure.
    for unit in publication_units(per_period.everyone(), open_period, k):
        first, last = unit.periods[0], unit.periods[-1]
        if not unit.published or (not unit.released and any(waiting.get(p) for p in unit.periods)):
            # Withheld; or a pool whose check-ins are not written out yet (release runs first).
            figures.append(Figure(circle.name, first, last, "*", _("All questions")))
            if unit.published:  # it holds up its four weeks until it is written out
                everyone = per_period.everyone()
                n = sum(everyone.get((p, False), 0) for p in unit.periods)
                ticks.append(UnitTicks(first, last, n, False, {}))
            continue
        closed = open_period is None or last < open_period
        items: dict[tuple[str, str], tuple[int, int, bool]] = {}
        merged: Hist = {}
        for p in unit.periods:
            for key, hist in scores.get((p, unit.released), {}).items():
                row = merged.setdefault(key, [0] * (SCALE_MAX + 1))
                for value, n in enumerate(hist):
                    row[value] += n
        for key, _label in scale_order:
            if key in merged:
                figures.append(stats(circle.name, first, last, key, labels[key], merged[key], k))
        for kind, key, label in choice_order:
            periods = [p for p in unit.periods if key not in asked or asked[key].asked_in(p)]
            if not periods:
                continue
            respondents = sum(responses.get((p, unit.released), 0) for p in periods)
            if respondents < k:
                continue
            ticked = sum(choices.get((p, unit.released), {}).get((kind, key), 0) for p in periods)
            shown = closed and choice_shown(ticked, respondents, k)
            items[(kind, key)] = (respondents, ticked, shown)
            if not closed:
                continue  # the open period's steps would move it by a few people at a time
            counts.append(
                ChoiceCount(
                    circle.name,
                    first,
                    last,
                    kind,
                    key,
                    label,
                    respondents,
                    ticked if shown else None,
                )
            )
        n = sum(responses.get((p, unit.released), 0) for p in unit.periods)
        ticks.append(UnitTicks(first, last, n, True, items))
    # Windows whose periods had all closed a day ago (a check-in sent as one closed is in).
    settled = current_period(instrument, now - GRACE) if instrument else None
    pooled, pooled_due = pooled_windows(circle.name, ticks, choice_order, k, settled)
    return Report(
        scope=circle.name,
        k=k,
        figures=figures,
        counts=counts,
        open_period=open_period,
        open_shown=open_period is not None and responses.get((open_period, True), 0) > 0,
        questions=[(key, labels[key]) for key, _ in scale_order],
        pooled=pooled,
        pooled_due=pooled_due,
    )


def csv_rows(report: Report) -> Iterable[list[str]]:
    """Exactly what the page shows, row by row (cells still to be made safe for spreadsheets).

    Machine-readable: the headers and the words standing for a withheld or banded figure stay
    English in every language; the labels are the reader's."""
    fewer = f"fewer than {report.k}"  # untranslated: machine-readable CSV value
    header = ["scope", "from", "to", "question", "check-ins", "mean", "median", "band"]
    yield [*header, "answers 0-5"]  # untranslated: machine-readable CSV column headers
    for f in report.figures:
        yield [
            f.scope,
            f.first.isoformat(),
            f.last.isoformat(),
            f.label,
            str(f.n) if f.n is not None else fewer,
            "" if f.mean is None else f"{f.mean:.1f}",
            "" if f.median is None else f"{f.median:g}",
            f.band or "",
            " ".join(map(str, f.histogram)) if f.histogram else "",
        ]
    yield []
    header = ["scope", "from", "to", "kind", "theme or practice", "check-ins", "ticked"]
    yield header  # untranslated: machine-readable CSV column headers (above)
    for c in report.counts:
        yield [
            c.scope,
            c.first.isoformat(),
            c.last.isoformat(),
            c.kind,
            c.label,
            str(c.respondents),
            str(c.count) if c.count is not None else "not shown",  # untranslated: CSV value
        ]
    if report.pooled:
        yield []
        header = ["scope", "from", "to", "theme or practice", "check-ins", "rank", "ticked in"]
        yield header  # untranslated: machine-readable CSV column headers (above)
        for w in report.pooled:
            for item in w.items:
                yield [
                    w.scope,
                    w.first.isoformat(),
                    w.last.isoformat(),
                    item.label,
                    str(item.respondents),
                    str(item.rank) if item.rank is not None else "not shown",  # untranslated: CSV
                    item.share or "",
                ]


#: A cell starting with one of these could run as a formula in a spreadsheet.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: str) -> str:
    """Defuse spreadsheet formula injection by prefixing such cells with a quote."""
    return f"'{value}" if value.startswith(_FORMULA_STARTS) else value

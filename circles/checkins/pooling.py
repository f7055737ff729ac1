"""Themes and practices pooled over four weeks, so that a small circle can see which are present.

In a circle of 4 to 12 people a single week rarely has k people who ticked a theme *and* k who
did not, so its count stays hidden. Here a circle's published groups of check-ins (released
periods and pools, :func:`circles.checkins.release.publication_units`) are added up over fixed
windows of four weeks, and each theme or practice is shown for a window under the same rules as
a single period, plus one more (docs/privacy.md, "Pooled themes and practices"):

- windows follow each other without overlap, each :data:`WINDOW` long from the first day of the
  circle's first published group; a group belongs to the window holding its last period;
- a window is shown only once every period in it had closed :data:`GRACE` ago (so a check-in
  sent as the last one closed has landed), and then never changes;
- a theme or practice is shown only when at least k check-ins of the window ticked it and at
  least k did not, **and** the same holds for the check-ins of the window's groups whose own
  count is not shown (the complement): subtracting the shown single-period counts from the
  window's therefore never leaves a group in which fewer than k ticked, or fewer than k did not;
- it is shown as a rank (most present first) and a coarse share, not as an exact count.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

#: How long one pooled window is.
WINDOW = timedelta(weeks=4)
#: How long after a window's last day its figures appear.
GRACE = timedelta(days=1)

Item = tuple[str, str]


@dataclass(frozen=True)
class UnitTicks:
    """One published group of a circle's check-ins, as the pooling needs it."""

    first: date
    last: date
    respondents: int
    #: Its check-ins are readable (False: a pool still waiting to be written out).
    written: bool
    #: Per (kind, key) asked in it: (check-ins that were asked it, how many ticked it, whether
    #: the group's own count is shown on the report).
    items: Mapping[Item, tuple[int, int, bool]]


@dataclass(frozen=True)
class PooledItem:
    """One theme or practice over a window: ranked, or not shown."""

    kind: str
    key: str
    label: str
    respondents: int
    #: How many check-ins ticked it; None when it may not be shown. Pages show the rank and
    #: the share only (the property test checks the exact counts, a stronger promise).
    count: int | None
    rank: int | None = None

    @property
    def share(self) -> str | None:
        """A coarse share of the window's check-ins that ticked it."""
        if self.count is None:
            return None
        if 3 * self.count > 2 * self.respondents:
            return "most check-ins"
        if 3 * self.count >= self.respondents:
            return "many check-ins"
        return "some check-ins"


@dataclass(frozen=True)
class PooledWindow:
    """Four weeks of one circle: its groups, how many check-ins they hold, and each item."""

    scope: str
    #: The window's days: from ``starts`` up to (not including) ``ends``.
    starts: date
    ends: date
    #: First day of the first and of the last period it holds.
    first: date
    last: date
    respondents: int
    #: The groups it adds up, as (first period, last period).
    units: tuple[tuple[date, date], ...]
    #: Shown items by rank, then the ones not shown, in the check-in's order.
    items: tuple[PooledItem, ...]

    @property
    def ranked(self) -> list[PooledItem]:
        return [item for item in self.items if item.rank is not None]

    @property
    def not_shown(self) -> list[PooledItem]:
        return [item for item in self.items if item.rank is None]


def both_sides(ticked: int, respondents: int, k: int) -> bool:
    """At least k ticked and at least k did not."""
    return ticked >= k and respondents - ticked >= k


def pooled_windows(
    scope: str,
    units: Sequence[UnitTicks],
    order: Sequence[tuple[str, str, str]],
    k: int,
    settled: date | None,
) -> tuple[list[PooledWindow], date | None]:
    """The circle's complete windows, oldest first, and when the next one is due (if any).

    ``settled`` is the first day of the period that was open :data:`GRACE` ago: every period
    before it had closed by then (None: no period had opened)."""
    if not units:
        return [], None
    anchor = min(unit.first for unit in units)
    by_window: dict[int, list[UnitTicks]] = {}
    for unit in units:
        by_window.setdefault((unit.last - anchor).days // WINDOW.days, []).append(unit)
    windows: list[PooledWindow] = []
    due: date | None = None
    for index in sorted(by_window):
        starts = anchor + index * WINDOW
        ends = starts + WINDOW
        members = sorted(by_window[index], key=lambda unit: unit.first)
        if settled is None or settled < ends or not all(unit.written for unit in members):
            due = due or ends + GRACE
            continue
        windows.append(_window(scope, starts, ends, members, order, k))
    return windows, due


def _window(
    scope: str,
    starts: date,
    ends: date,
    members: Sequence[UnitTicks],
    order: Sequence[tuple[str, str, str]],
    k: int,
) -> PooledWindow:
    respondents = sum(unit.respondents for unit in members)
    items: list[PooledItem] = []
    for kind, key, label in order:
        asked = [unit.items[(kind, key)] for unit in members if (kind, key) in unit.items]
        if not asked:
            continue
        n = sum(a for a, _, _ in asked)
        ticked = sum(t for _, t, _ in asked)
        rest_n = sum(a for a, _, own in asked if not own)
        rest_ticked = sum(t for _, t, own in asked if not own)
        shown = both_sides(ticked, n, k) and (rest_n == 0 or both_sides(rest_ticked, rest_n, k))
        items.append(PooledItem(kind, key, label, n, ticked if shown else None))
    counted = sorted((i.count for i in items if i.count is not None), reverse=True)
    ranked = [
        PooledItem(i.kind, i.key, i.label, i.respondents, i.count, counted.index(i.count) + 1)
        for i in items
        if i.count is not None
    ]
    ranked.sort(key=lambda item: item.rank or 0)
    return PooledWindow(
        scope,
        starts,
        ends,
        first=members[0].first,
        last=max(unit.last for unit in members),
        respondents=respondents,
        units=tuple((unit.first, unit.last) for unit in members),
        items=(*ranked, *(i for i in items if i.count is None)),
    )

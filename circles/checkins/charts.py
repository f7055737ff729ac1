"""Trend charts drawn on the server as accessible SVG: no script, no inline style, no library.

Each chart has a visible title (a caption) and a description for screen readers, and every page
that shows one also shows the same numbers in a table.

The chart has no ``viewBox``: it is as wide as its column, and its positions across are given in
per cent, so it stretches with the page while its text keeps its size in CSS pixels (at least
12 px, whatever the width: from a 390 px phone to a wide screen). Lines, which SVG cannot place
in per cent, are drawn in a nested, stretched drawing whose strokes do not stretch.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from circles.i18n import ngettext
from circles.templating import number

#: Height in CSS pixels (the stylesheet sets the same); room above the top line for its label,
#: and below the bottom line for the periods.
HEIGHT, TOP, BOTTOM = 260, 30, 44
#: Per cent of the width kept free at either side, so that the first and last labels fit.
PAD = 9.0
#: Periods named under the chart at most (the table lists every one).
MAX_LABELS = 6
#: The nested drawing's width in its own units (it is stretched to the chart's width).
_UNITS = 1000
#: Where each band lies on the 0-5 scale (band-only figures are drawn as a shaded range).
BANDS = {"low": (0.0, 2.0), "mid": (2.0, 3.5), "high": (3.5, 5.0)}


@dataclass(frozen=True)
class ChartPoint:
    label: str
    value: float | None = None
    band: str | None = None


def trend_chart(
    chart_id: str,
    title: str,
    points: Sequence[ChartPoint],
    *,
    y_max: float = 5,
    y_step: float = 1,
) -> Markup:
    """A line of values over periods; band-only points as shaded ranges, gaps where withheld."""
    inner_h = HEIGHT - TOP - BOTTOM

    def x(i: int) -> float:
        """Across, in per cent of the width."""
        if len(points) <= 1:
            return 50.0
        return PAD + i * (100 - 2 * PAD) / (len(points) - 1)

    def y(v: float) -> float:
        return TOP + inner_h * (1 - v / y_max)

    cid = escape(chart_id)
    shown = [p for p in points if p.value is not None]
    if points:
        description = ngettext(
            "%(shown)d of %(num)d period has a figure, from %(first)s to %(last)s. "
            "The table below lists every value.",
            "%(shown)d of %(num)d periods have a figure, from %(first)s to %(last)s. "
            "The table below lists every value.",
            len(points),
            shown=len(shown),
            first=points[0].label,
            last=points[-1].label,
        )
    else:
        description = ngettext(
            "%(shown)d of %(num)d period has a figure. The table below lists every value.",
            "%(shown)d of %(num)d periods have a figure. The table below lists every value.",
            len(points),
            shown=len(shown),
        )
    parts = [
        f'<figure class="trend" id="{cid}">',
        f'<figcaption class="trend-title" id="{cid}-title">{escape(title)}</figcaption>',
        f'<svg class="chart trend-chart" width="100%" height="{HEIGHT}" role="img" '
        f'focusable="false" aria-labelledby="{cid}-title {cid}-desc">',
        f'<desc id="{cid}-desc">{escape(description)}</desc>',
    ]
    tick = 0.0
    while tick <= y_max + 1e-9:
        # Each value sits just above its line, at the left edge: no margin needed for it.
        parts.append(
            f'<line class="chart-grid" x1="0" x2="100%" y1="{y(tick):.1f}" y2="{y(tick):.1f}"/>'
            f'<text class="chart-axis" x="8" y="{y(tick) - 5:.1f}">{escape(number(tick))}</text>'
        )
        tick += y_step
    plot = [
        f'<svg class="chart-plot" x="0" y="0" width="100%" height="{HEIGHT}" '
        f'viewBox="0 0 {_UNITS} {HEIGHT}" preserveAspectRatio="none" aria-hidden="true">'
    ]
    for i, point in enumerate(points):
        if point.band in BANDS and point.value is None:
            low, high = BANDS[point.band]
            plot.append(
                f'<rect class="chart-band" x="{x(i) * _UNITS / 100 - 12:.1f}" y="{y(high):.1f}" '
                f'width="24" height="{y(low) - y(high):.1f}" vector-effect="non-scaling-stroke"/>'
            )
    segment: list[str] = []
    dots: list[str] = []
    for i, point in enumerate(points):
        if point.value is None:
            plot.append(_line(segment))
            segment = []
            continue
        segment.append(f"{x(i) * _UNITS / 100:.1f},{y(point.value):.1f}")
        dots.append(f'<circle class="chart-dot" cx="{x(i):.2f}%" cy="{y(point.value):.1f}" r="5"/>')
    plot.append(_line(segment))
    plot.append("</svg>")
    parts += plot + dots
    every = max(1, math.ceil(len(points) / MAX_LABELS))
    for i, point in enumerate(points):
        if i % every == 0:
            parts.append(
                f'<text class="chart-axis" x="{x(i):.2f}%" y="{HEIGHT - BOTTOM + 24}" '
                f'text-anchor="middle">{escape(point.label)}</text>'
            )
    parts.append("</svg></figure>")
    return Markup("".join(parts))  # noqa: S704 - every interpolated text is escaped above


def _line(segment: list[str]) -> str:
    if len(segment) < 2:
        return ""
    return (
        f'<polyline class="chart-line" points="{" ".join(segment)}" '
        'vector-effect="non-scaling-stroke"/>'
    )

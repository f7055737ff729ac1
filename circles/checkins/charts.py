"""Trend charts drawn on the server as accessible SVG: no script, no inline style, no library.

Each chart has a title and a description for screen readers, and every page that shows one also
shows the same numbers in a table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 44, 16, 16, 44
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
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = inner_w / max(len(points) - 1, 1)

    def x(i: int) -> float:
        return LEFT + (i * step if len(points) > 1 else inner_w / 2)

    def y(v: float) -> float:
        return TOP + inner_h * (1 - v / y_max)

    shown = [p for p in points if p.value is not None]
    description = (
        f"{len(shown)} of {len(points)} periods have a figure"
        + (f", from {points[0].label} to {points[-1].label}" if points else "")
        + ". The table below lists every value."
    )
    parts = [
        f'<svg class="chart" id="{escape(chart_id)}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc">',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
        f'<desc id="{escape(chart_id)}-desc">{escape(description)}</desc>',
    ]
    tick = 0.0
    while tick <= y_max + 1e-9:
        parts.append(
            f'<line class="chart-grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" '
            f'y1="{y(tick):.1f}" y2="{y(tick):.1f}"/>'
            f'<text class="chart-axis" x="{LEFT - 8}" y="{y(tick) + 4:.1f}" '
            f'text-anchor="end">{tick:g}</text>'
        )
        tick += y_step
    every = max(1, len(points) // 8)
    for i, point in enumerate(points):
        if point.band in BANDS and point.value is None:
            low, high = BANDS[point.band]
            parts.append(
                f'<rect class="chart-band" x="{x(i) - 6:.1f}" y="{y(high):.1f}" width="12" '
                f'height="{y(low) - y(high):.1f}"/>'
            )
        if i % every == 0 or i == len(points) - 1:
            parts.append(
                f'<text class="chart-axis" x="{x(i):.1f}" y="{HEIGHT - BOTTOM + 18}" '
                f'text-anchor="middle">{escape(point.label)}</text>'
            )
    segment: list[str] = []
    for i, point in enumerate(points):
        if point.value is None:
            if len(segment) > 1:
                parts.append(f'<polyline class="chart-line" points="{" ".join(segment)}"/>')
            segment = []
            continue
        segment.append(f"{x(i):.1f},{y(point.value):.1f}")
        parts.append(f'<circle class="chart-dot" cx="{x(i):.1f}" cy="{y(point.value):.1f}" r="4"/>')
    if len(segment) > 1:
        parts.append(f'<polyline class="chart-line" points="{" ".join(segment)}"/>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every interpolated text is escaped above

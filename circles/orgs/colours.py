"""An organisation's accent colour: its form (``#rrggbb``) and whether text in it can be read.

The accent colours links, buttons (with white text on it) and outlines on pale backgrounds, so a
colour is accepted only where it reaches WCAG 2.2 AA contrast for text (4.5 to 1) against the
palest backgrounds it is drawn on and under white text. The figures follow WCAG's definitions of
relative luminance and contrast ratio.
"""

from __future__ import annotations

import re

#: Circles' own accent (static/css/circles.css, ``--accent``).
DEFAULT_ACCENT = "#2f5d50"
#: Text contrast WCAG 2.2 AA asks of normal-size text (success criterion 1.4.3).
MIN_CONTRAST = 4.5
#: The darkest pale backgrounds the accent is drawn on (the "saved" green, the page), and white
#: (the text on buttons): the accent must reach the contrast against each of them.
BACKGROUNDS = ("#e6f2ec", "#f7f6f2", "#ffffff")

_HEX = re.compile(r"#?([0-9a-f]{6}|[0-9a-f]{3})")


def normalise(text: str) -> str | None:
    """``"#2F5D50"``, ``"2f5d50"`` or ``"#2f5"`` as ``"#2f5d50"``; None if it is not a colour."""
    match = _HEX.fullmatch(text.strip().lower())
    if match is None:
        return None
    digits = match.group(1)
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    return "#" + digits


def _luminance(colour: str) -> float:
    def channel(hex_pair: str) -> float:
        c = int(hex_pair, 16) / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(colour[i : i + 2]) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two ``#rrggbb`` colours, from 1 to 21."""
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def weakest_contrast(colour: str) -> float:
    """The lowest contrast the colour has against the backgrounds it is drawn on."""
    return min(contrast(colour, background) for background in BACKGROUNDS)


def is_readable(colour: str) -> bool:
    return weakest_contrast(colour) >= MIN_CONTRAST


def readable_shade(colour: str) -> str:
    """The same hue darkened just enough to be readable (the colour itself if it already is)."""
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    for step in range(101):
        keep = 1 - step / 100
        shade = "#{:02x}{:02x}{:02x}".format(*(round(c * keep) for c in (r, g, b)))
        if is_readable(shade):
            return shade
    return "#000000"  # not reached: black always is


def stylesheet(colour: str) -> str:
    """The few lines of CSS that give a page the organisation's accent."""
    return f":root {{ --accent: {colour}; }}\n"

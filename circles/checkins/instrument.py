"""What a check-in asks: the built-in wellbeing items, themes and practices, plus a circle's own."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from circles.checkins.models import CheckinOption, OptionKind

#: The five wellbeing items, each answered on the 0-5 scale for the period.
WELLBEING_ITEMS: tuple[tuple[str, str], ...] = (
    ("wb1", "I have felt calm and settled."),
    ("wb2", "I have felt connected to people around me."),
    ("wb3", "I have had energy for the things that matter to me."),
    ("wb4", "I have rested and slept well enough."),
    ("wb5", "I have been able to treat myself with kindness."),
)
WELLBEING_KEYS = frozenset(key for key, _ in WELLBEING_ITEMS)

#: What each point of the scale means, from 0 to 5.
SCALE_LABELS: tuple[str, ...] = (
    "Not at all",
    "Rarely",
    "Less than half the time",
    "More than half the time",
    "Most of the time",
    "All the time",
)

#: The themes integration work keeps meeting (PRODUCT.md), as a member would name them.
BUILTIN_THEMES: tuple[tuple[str, str], ...] = (
    ("t_safety", "Feeling safe, or not"),
    ("t_control", "Control, surrender and trust"),
    ("t_grief", "Grief"),
    ("t_relief", "Relief"),
    ("t_anger", "Anger"),
    ("t_compassion", "Compassion"),
    ("t_selfcrit", "Being hard on myself"),
    ("t_selfaccept", "Accepting myself"),
)

BUILTIN_PRACTICES: tuple[tuple[str, str], ...] = (
    ("p_journal", "Journaling"),
    ("p_ground", "Grounding or slow breathing"),
    ("p_move", "Movement or time outdoors"),
    ("p_talk", "A conversation with someone close"),
    ("p_action", "Following up a small action"),
    ("p_rest", "Quiet time or rest"),
)

BUILTIN_LABELS = dict(WELLBEING_ITEMS + BUILTIN_THEMES + BUILTIN_PRACTICES)


@dataclass(frozen=True)
class Questions:
    """Everything one period's check-in asks, as (key, label) pairs."""

    scales: tuple[tuple[str, str], ...]
    themes: tuple[tuple[str, str], ...]
    practices: tuple[tuple[str, str], ...]

    @property
    def scale_keys(self) -> frozenset[str]:
        return frozenset(key for key, _ in self.scales)

    @property
    def theme_keys(self) -> frozenset[str]:
        return frozenset(key for key, _ in self.themes)

    @property
    def practice_keys(self) -> frozenset[str]:
        return frozenset(key for key, _ in self.practices)


def questions_for(options: Sequence[CheckinOption], period: date) -> Questions:
    """The questions of the period starting on ``period``: built-ins and the options asked then."""
    own = [o for o in options if o.asked_in(period)]

    def of(kind: OptionKind) -> tuple[tuple[str, str], ...]:
        return tuple((o.key, o.label) for o in own if o.kind == kind)

    return Questions(
        scales=WELLBEING_ITEMS + of(OptionKind.SCALE),
        themes=BUILTIN_THEMES + of(OptionKind.THEME),
        practices=BUILTIN_PRACTICES + of(OptionKind.PRACTICE),
    )


def labels_for(options: Sequence[CheckinOption]) -> dict[str, str]:
    """Every key a circle's check-ins may hold, with its label."""
    return {**BUILTIN_LABELS, **{o.key: o.label for o in options}}


def band(mean: float) -> str:
    """Where an average falls on the 0-5 scale: low (0-1), mid (2-3) or high (4-5)."""
    if mean < 2:
        return "low"
    if mean < 3.5:
        return "mid"
    return "high"

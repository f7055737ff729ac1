"""What a check-in asks: the built-in wellbeing items, themes and practices, plus a circle's own."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from circles.checkins.models import CheckinOption, OptionKind
from circles.i18n import lazy_gettext as _l

#: A built-in item: its stored key and its wording, translated when it is shown.
Pair = tuple[str, str]

#: The five wellbeing items, each answered on the 0-5 scale for the period.
WELLBEING_ITEMS: tuple[Pair, ...] = (
    ("wb1", _l("I have felt calm and settled.")),
    ("wb2", _l("I have felt connected to people around me.")),
    ("wb3", _l("I have had energy for the things that matter to me.")),
    ("wb4", _l("I have rested and slept well enough.")),
    ("wb5", _l("I have been able to treat myself with kindness.")),
)
WELLBEING_KEYS = frozenset(key for key, _ in WELLBEING_ITEMS)

#: What each point of the scale means, from 0 to 5.
SCALE_LABELS: tuple[str, ...] = (
    _l("Not at all"),
    _l("Rarely"),
    _l("Less than half the time"),
    _l("More than half the time"),
    _l("Most of the time"),
    _l("All the time"),
)

#: The themes integration work keeps meeting (PRODUCT.md), as a member would name them.
BUILTIN_THEMES: tuple[Pair, ...] = (
    ("t_safety", _l("Feeling safe, or not")),
    ("t_control", _l("Control, surrender and trust")),
    ("t_grief", _l("Grief")),
    ("t_relief", _l("Relief")),
    ("t_anger", _l("Anger")),
    ("t_compassion", _l("Compassion")),
    ("t_selfcrit", _l("Being hard on myself")),
    ("t_selfaccept", _l("Accepting myself")),
)

BUILTIN_PRACTICES: tuple[Pair, ...] = (
    ("p_journal", _l("Journaling")),
    ("p_ground", _l("Grounding or slow breathing")),
    ("p_move", _l("Movement or time outdoors")),
    ("p_talk", _l("A conversation with someone close")),
    ("p_action", _l("Following up a small action")),
    ("p_rest", _l("Quiet time or rest")),
)


class TranslatedLabels(Mapping[str, str]):
    """Built-in wordings by key, each in the reader's language when it is looked up."""

    def __init__(self, pairs: Iterable[Pair]) -> None:
        self._pairs = dict(pairs)

    def __getitem__(self, key: str) -> str:
        return str(self._pairs[key])

    def __iter__(self) -> Iterator[str]:
        return iter(self._pairs)

    def __len__(self) -> int:
        return len(self._pairs)


def translated(pairs: Iterable[Pair]) -> tuple[Pair, ...]:
    """Built-in (key, wording) pairs with each wording in the reader's language."""
    return tuple((key, str(label)) for key, label in pairs)


BUILTIN_LABELS: Mapping[str, str] = TranslatedLabels(
    WELLBEING_ITEMS + BUILTIN_THEMES + BUILTIN_PRACTICES
)


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
        scales=translated(WELLBEING_ITEMS) + of(OptionKind.SCALE),
        themes=translated(BUILTIN_THEMES) + of(OptionKind.THEME),
        practices=translated(BUILTIN_PRACTICES) + of(OptionKind.PRACTICE),
    )


def labels_for(options: Sequence[CheckinOption]) -> dict[str, str]:
    """Every key a circle's check-ins may hold, with its label (built-ins in the reader's
    language)."""
    return {**BUILTIN_LABELS, **{o.key: o.label for o in options}}


def band(mean: float) -> str:
    """Where an average falls on the 0-5 scale: low (0-1), mid (2-3) or high (4-5)."""
    if mean < 2:
        return "low"
    if mean < 3.5:
        return "mid"
    return "high"

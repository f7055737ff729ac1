"""Guided journal prompts, grouped by the themes integration keeps meeting.

The themes are the check-in's own (:data:`circles.checkins.instrument.BUILTIN_THEMES`), so a
member tags an entry with the words they already know. Each prompt asks one open question and
leaves room for "I don't know yet".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from circles.checkins.instrument import BUILTIN_THEMES, TranslatedLabels, translated
from circles.i18n import lazy_gettext as _l

#: Theme names by key, in the reader's language.
THEMES: Mapping[str, str] = TranslatedLabels(BUILTIN_THEMES)


@dataclass(frozen=True)
class GuidedPrompt:
    key: str
    #: The question, translated when it is read (:attr:`text`).
    wording: str
    #: Theme keys of :data:`THEMES`; an entry started from the prompt is tagged with them.
    themes: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        """The question in the reader's language."""
        return str(self.wording)


#: A group with no theme comes first: for the days right after a session.
GENERAL = _l("Right after a session")

BUILT_IN: tuple[GuidedPrompt, ...] = (
    GuidedPrompt(
        "still-here",
        _l("What is still with you from the session: an image, a sentence, a feeling?"),
    ),
    GuidedPrompt(
        "body-now", _l("Where in your body do you notice the session today, and what is it like?")
    ),
    GuidedPrompt("surprised", _l("What surprised you, even a little?")),
    GuidedPrompt(
        "safe-where", _l("When did you feel safe this week, and what helped?"), ("t_safety",)
    ),
    GuidedPrompt(
        "safe-edge",
        _l("Was there a moment you felt unsafe? What did you need then?"),
        ("t_safety",),
    ),
    GuidedPrompt("let-go", _l("What did it feel like to let go, or to hold on?"), ("t_control",)),
    GuidedPrompt(
        "trust-who", _l("Who or what do you trust a little more than before?"), ("t_control",)
    ),
    GuidedPrompt(
        "loss", _l("Is there a loss that came closer? Write to it, or about it."), ("t_grief",)
    ),
    GuidedPrompt(
        "lighter", _l("What feels lighter now? Let yourself describe it fully."), ("t_relief",)
    ),
    GuidedPrompt(
        "anger-protects",
        _l("If your anger could speak, what would it want to protect?"),
        ("t_anger",),
    ),
    GuidedPrompt(
        "kind-to", _l("Who did you feel tender towards, yourself included?"), ("t_compassion",)
    ),
    GuidedPrompt(
        "inner-critic",
        _l("What does the hard voice in you say? What would you answer a friend who heard it?"),
        ("t_selfcrit",),
    ),
    GuidedPrompt(
        "enough", _l("Finish the sentence a few times: “I am allowed to…”"), ("t_selfaccept",)
    ),
)


def by_key(key: str | None) -> GuidedPrompt | None:
    return next((p for p in BUILT_IN if p.key == key), None)


def grouped() -> list[tuple[str, list[GuidedPrompt]]]:
    """The prompts under their group's heading: right after a session first, then by theme."""
    groups = [(str(GENERAL), [p for p in BUILT_IN if not p.themes])]
    for key, label in translated(BUILTIN_THEMES):
        prompts = [p for p in BUILT_IN if key in p.themes]
        if prompts:
            groups.append((label, prompts))
    return groups

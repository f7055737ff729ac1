"""Guided journal prompts, grouped by the themes integration keeps meeting.

The themes are the check-in's own (:data:`circles.checkins.instrument.BUILTIN_THEMES`), so a
member tags an entry with the words they already know. Each prompt asks one open question and
leaves room for "I don't know yet".
"""

from __future__ import annotations

from dataclasses import dataclass

from circles.checkins.instrument import BUILTIN_THEMES

THEMES: dict[str, str] = dict(BUILTIN_THEMES)


@dataclass(frozen=True)
class GuidedPrompt:
    key: str
    text: str
    #: Theme keys of :data:`THEMES`; an entry started from the prompt is tagged with them.
    themes: tuple[str, ...] = ()


#: A group with no theme comes first: for the days right after a session.
GENERAL = "Right after a session"

BUILT_IN: tuple[GuidedPrompt, ...] = (
    GuidedPrompt(
        "still-here", "What is still with you from the session: an image, a sentence, a feeling?"
    ),
    GuidedPrompt(
        "body-now", "Where in your body do you notice the session today, and what is it like?"
    ),
    GuidedPrompt("surprised", "What surprised you, even a little?"),
    GuidedPrompt("safe-where", "When did you feel safe this week, and what helped?", ("t_safety",)),
    GuidedPrompt(
        "safe-edge", "Was there a moment you felt unsafe? What did you need then?", ("t_safety",)
    ),
    GuidedPrompt("let-go", "What did it feel like to let go, or to hold on?", ("t_control",)),
    GuidedPrompt(
        "trust-who", "Who or what do you trust a little more than before?", ("t_control",)
    ),
    GuidedPrompt(
        "loss", "Is there a loss that came closer? Write to it, or about it.", ("t_grief",)
    ),
    GuidedPrompt(
        "lighter", "What feels lighter now? Let yourself describe it fully.", ("t_relief",)
    ),
    GuidedPrompt(
        "anger-protects", "If your anger could speak, what would it want to protect?", ("t_anger",)
    ),
    GuidedPrompt(
        "kind-to", "Who did you feel tender towards, yourself included?", ("t_compassion",)
    ),
    GuidedPrompt(
        "inner-critic",
        "What does the hard voice in you say? What would you answer a friend who heard it?",
        ("t_selfcrit",),
    ),
    GuidedPrompt(
        "enough", "Finish the sentence a few times: “I am allowed to…”", ("t_selfaccept",)
    ),
)


def by_key(key: str | None) -> GuidedPrompt | None:
    return next((p for p in BUILT_IN if p.key == key), None)


def grouped() -> list[tuple[str, list[GuidedPrompt]]]:
    """The prompts under their group's heading: right after a session first, then by theme."""
    groups = [(GENERAL, [p for p in BUILT_IN if not p.themes])]
    for key, label in BUILTIN_THEMES:
        prompts = [p for p in BUILT_IN if key in p.themes]
        if prompts:
            groups.append((label, prompts))
    return groups

"""Built-in prompts, written for integration circles and tagged by the themes people work with."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

THEMES = {
    "safety": "Safety",
    "control": "Control, surrender and trust",
    "grief": "Grief, relief, anger and compassion",
    "self": "Self-criticism and self-acceptance",
    "grounding": "Grounding and the body",
    "action": "Small actions",
}


@dataclass(frozen=True)
class LibraryPrompt:
    key: str
    kind: str
    text: str
    themes: tuple[str, ...]
    anonymous: bool = True
    seconds: int | None = None
    options: tuple[str, ...] = ()
    scale: dict[str, Any] = field(default_factory=dict)
    #: Asks about last time's commitments; each member sees their own beside it.
    follow_up: bool = False
    #: Pick prompts: how many of the options one answer may pick.
    max_picks: int | None = None

    def spec(self) -> dict[str, Any]:
        """The prompt as the live protocol's ``prompt.open`` takes it."""
        data: dict[str, Any] = {"kind": self.kind, "text": self.text, "anonymous": self.anonymous}
        if self.seconds:
            data["seconds"] = self.seconds
        if self.options:
            data["options"] = list(self.options)
        data.update(self.scale)
        if self.max_picks:
            data["max_picks"] = self.max_picks
        if self.follow_up:
            data["follow_up"] = True
        return data


BUILT_IN = [
    LibraryPrompt(
        "arrive",
        "reflection",
        "Let your feet rest on the floor and notice three things you can hear. "
        "Nothing to say yet; just arrive.",
        ("grounding", "safety"),
        seconds=60,
    ),
    LibraryPrompt(
        "settled",
        "scale",
        "How settled does your body feel right now?",
        ("grounding", "safety"),
        scale={"min": 0, "max": 10, "min_label": "Not at all", "max_label": "Very settled"},
    ),
    LibraryPrompt(
        "one-word",
        "word",
        "One word for how you are arriving tonight.",
        ("grounding", "safety"),
    ),
    LibraryPrompt(
        "what-helped",
        "pick",
        "Since we last met, what helped you stay steady? Pick up to two.",
        ("grounding", "action"),
        options=(
            "Sleep and rest",
            "Time outside",
            "Moving my body",
            "Talking to someone",
            "Writing things down",
            "Quiet time alone",
        ),
        max_picks=2,
    ),
    LibraryPrompt(
        "safe-enough",
        "text",
        "What helps you feel safe enough in this group today?",
        ("safety",),
    ),
    LibraryPrompt(
        "still-with-you",
        "text",
        "What from your session is still with you this week, even if it is only a feeling?",
        ("grief", "control"),
    ),
    LibraryPrompt(
        "letting-go",
        "choice",
        "When things felt out of your hands, what did you mostly do?",
        ("control",),
        options=("Held on tight", "Let go a little", "Let go fully", "It changed over time"),
    ),
    LibraryPrompt(
        "trust",
        "text",
        "Where in your life are you practising trust at the moment?",
        ("control",),
    ),
    LibraryPrompt(
        "grief-relief",
        "text",
        "Was there grief, relief, anger or tenderness in what came up? What would you like "
        "the group to know about it?",
        ("grief",),
        anonymous=False,
    ),
    LibraryPrompt(
        "kind-voice",
        "text",
        "If someone you love had lived your week, what would you say to them?",
        ("self",),
    ),
    LibraryPrompt(
        "inner-critic",
        "scale",
        "How loud has your inner critic been since we last met?",
        ("self",),
        scale={"min": 0, "max": 10, "min_label": "Quiet", "max_label": "Very loud"},
    ),
    LibraryPrompt(
        "pause",
        "reflection",
        "Two minutes of quiet. Breathe out a little longer than you breathe in.",
        ("grounding",),
        seconds=120,
    ),
    LibraryPrompt(
        "one-step",
        "commitment",
        "One small, concrete thing you will do this week to carry an insight into daily life.",
        ("action",),
    ),
    LibraryPrompt(
        "how-did-it-go",
        "choice",
        "Last time you chose a small action. How did it go?",
        ("action",),
        options=("I did it", "Partly", "Not this time", "I changed it"),
        follow_up=True,
    ),
]

"""Built-in prompts, written for integration circles and tagged by the themes people work with."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from circles.i18n import lazy_gettext as _l
from circles.i18n import lazy_pgettext

THEMES = {
    "safety": _l("Safety"),
    "control": _l("Control, surrender and trust"),
    "grief": _l("Grief, relief, anger and compassion"),
    "self": _l("Self-criticism and self-acceptance"),
    "grounding": _l("Grounding and the body"),
    "action": _l("Small actions"),
}


def _plain(value: Any) -> Any:
    """A lazy text put in words (in the language of the page or socket that asks)."""
    return value if isinstance(value, int | str) else str(value)


@dataclass(frozen=True)
class LibraryPrompt:
    """A built-in prompt; its words are translated when used (``text``, ``spec()``), in the
    language of the page that shows or shares it."""

    key: str
    kind: str
    words: Any  # lazy text (its English msgid)
    themes: tuple[str, ...]
    anonymous: bool = True
    seconds: int | None = None
    options: tuple[Any, ...] = ()
    scale: dict[str, Any] = field(default_factory=dict)
    #: Asks about last time's commitments; each member sees their own beside it.
    follow_up: bool = False
    #: Pick prompts: how many of the options one answer may pick.
    max_picks: int | None = None

    @property
    def text(self) -> str:
        return str(self.words)

    def spec(self) -> dict[str, Any]:
        """The prompt as the live protocol's ``prompt.open`` takes it."""
        data: dict[str, Any] = {
            "kind": self.kind,
            "text": self.text,
            "anonymous": self.anonymous,
        }
        if self.seconds:
            data["seconds"] = self.seconds
        if self.options:
            data["options"] = [str(option) for option in self.options]
        data.update({key: _plain(value) for key, value in self.scale.items()})
        if self.max_picks:
            data["max_picks"] = self.max_picks
        if self.follow_up:
            data["follow_up"] = True
        return data


BUILT_IN = [
    LibraryPrompt(
        "arrive",
        "reflection",
        _l(
            "Let your feet rest on the floor and notice three things you can hear. "
            "Nothing to say yet; just arrive."
        ),
        ("grounding", "safety"),
        seconds=60,
    ),
    LibraryPrompt(
        "settled",
        "scale",
        _l("How settled does your body feel right now?"),
        ("grounding", "safety"),
        scale={
            "min": 0,
            "max": 10,
            "min_label": lazy_pgettext("how settled", "Not at all"),
            "max_label": _l("Very settled"),
        },
    ),
    LibraryPrompt(
        "one-word",
        "word",
        _l("One word for how you are arriving tonight."),
        ("grounding", "safety"),
    ),
    LibraryPrompt(
        "what-helped",
        "pick",
        _l("Since we last met, what helped you stay steady? Pick up to two."),
        ("grounding", "action"),
        options=(
            _l("Sleep and rest"),
            _l("Time outside"),
            _l("Moving my body"),
            _l("Talking to someone"),
            _l("Writing things down"),
            _l("Quiet time alone"),
        ),
        max_picks=2,
    ),
    LibraryPrompt(
        "safe-enough",
        "text",
        _l("What helps you feel safe enough in this group today?"),
        ("safety",),
    ),
    LibraryPrompt(
        "still-with-you",
        "text",
        _l("What from your session is still with you this week, even if it is only a feeling?"),
        ("grief", "control"),
    ),
    LibraryPrompt(
        "letting-go",
        "choice",
        _l("When things felt out of your hands, what did you mostly do?"),
        ("control",),
        options=(
            _l("Held on tight"),
            _l("Let go a little"),
            _l("Let go fully"),
            _l("It changed over time"),
        ),
    ),
    LibraryPrompt(
        "trust",
        "text",
        _l("Where in your life are you practising trust at the moment?"),
        ("control",),
    ),
    LibraryPrompt(
        "grief-relief",
        "text",
        _l(
            "Was there grief, relief, anger or tenderness in what came up? What would you like "
            "the group to know about it?"
        ),
        ("grief",),
        anonymous=False,
    ),
    LibraryPrompt(
        "kind-voice",
        "text",
        _l("If someone you love had lived your week, what would you say to them?"),
        ("self",),
    ),
    LibraryPrompt(
        "inner-critic",
        "scale",
        _l("How loud has your inner critic been since we last met?"),
        ("self",),
        scale={"min": 0, "max": 10, "min_label": _l("Quiet"), "max_label": _l("Very loud")},
    ),
    LibraryPrompt(
        "pause",
        "reflection",
        _l("Two minutes of quiet. Breathe out a little longer than you breathe in."),
        ("grounding",),
        seconds=120,
    ),
    LibraryPrompt(
        "one-step",
        "commitment",
        _l("One small, concrete thing you will do this week to carry an insight into daily life."),
        ("action",),
    ),
    LibraryPrompt(
        "how-did-it-go",
        "choice",
        _l("Last time you chose a small action. How did it go?"),
        ("action",),
        options=(_l("I did it"), _l("Partly"), _l("Not this time"), _l("I changed it")),
        follow_up=True,
    ),
]

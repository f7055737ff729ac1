"""Payload checks of the live protocol: text, numbers and prompts as a client may send them."""

from __future__ import annotations

import re
from typing import Any

from circles.i18n import lazy_gettext as _l
from circles.live.access import invalid
from circles.live.models import (
    MAX_OPTION,
    MAX_OPTIONS,
    MAX_PROMPT_TEXT,
    MAX_WORD,
    PromptKind,
)

MAX_TIMER_SECONDS = 3600


MAX_CLIENT_ID = 64


SCALE_BOUNDS = (0, 10)


MAX_SCALE_LABEL = 40


#: Guided breathing patterns for a grounding pause: (phase, seconds) in order, repeated.
PATTERNS: dict[str, tuple[tuple[str, int], ...]] = {
    "box": (("in", 4), ("hold", 4), ("out", 4), ("hold", 4)),
    "calm": (("in", 4), ("out", 6)),
}
MAX_CYCLES = 20


#: Gentle reactions anyone may send; they carry no name.
REACTIONS = ("heart", "thanks", "resonates", "breathe")


def storable(text: str) -> bool:
    """Text both databases can hold: no NUL character (PostgreSQL refuses it) and no lone
    surrogate (JSON can carry one; UTF-8 cannot)."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def checked_text(value: object, name: Any, limit: int, *, required: bool = True) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not storable(value):
        raise invalid(_l("%(name)s must be text.", name=name))
    value = value.strip()
    if required and not value:
        raise invalid(_l("%(name)s cannot be empty.", name=name))
    if len(value) > limit:
        raise invalid(_l("%(name)s can be at most %(limit)d characters.", name=name, limit=limit))
    return value


def checked_int(value: object, name: Any, low: int, high: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise invalid(
            _l(
                "%(name)s must be a whole number from %(low)d to %(high)d.",
                name=name,
                low=low,
                high=high,
            )
        )
    return value


#: One word: letters (any script), digits, and a hyphen or apostrophe inside it.
WORD = re.compile(r"^\w+(?:['\u2019-]\w+)*$")


def checked_word(value: object) -> str:
    """One word, as a word cloud counts it: stripped and in lower case."""
    word = checked_text(value, "value", MAX_WORD)
    if not WORD.match(word) or "_" in word:
        raise invalid(_l("Please give one word, without spaces."))
    return word.casefold()


def checked_picks(value: object, options: int, max_picks: int) -> list[int]:
    """A pick answer: distinct option indexes, at least one and at most ``max_picks``."""
    if not isinstance(value, list) or not 1 <= len(value) <= max_picks:
        raise invalid(f"value must be a list of 1 to {max_picks} options' indexes.")
    picks = [checked_int(v, _l("Each pick (an option's index)"), 0, options - 1) for v in value]
    if len(set(picks)) != len(picks):
        raise invalid(_l("Each option can be picked once."))
    return sorted(picks)


def validate_spec(spec: object) -> dict[str, Any]:
    """A prompt as the protocol describes it, checked and normalised; LiveError when invalid."""
    if not isinstance(spec, dict):
        raise invalid("prompt must be an object.")
    try:
        kind = PromptKind(str(spec.get("kind")))
    except ValueError:
        raise invalid("kind must be one of: " + ", ".join(k.value for k in PromptKind)) from None
    anonymous = spec.get("anonymous", True)
    if not isinstance(anonymous, bool):
        raise invalid("anonymous must be true or false.")
    clean: dict[str, Any] = {
        "kind": kind.value,
        "text": checked_text(spec.get("text"), "text", MAX_PROMPT_TEXT),
        "anonymous": anonymous,
    }
    if spec.get("seconds") is not None:
        clean["seconds"] = checked_int(spec["seconds"], "seconds", 5, MAX_TIMER_SECONDS)
    if kind == PromptKind.REFLECTION and "seconds" not in clean:
        raise invalid(_l("A silent reflection needs a timer (seconds)."))
    if kind.has_options:
        options = spec.get("options")
        if not isinstance(options, list) or not 2 <= len(options) <= MAX_OPTIONS:
            raise invalid(_l("options must be a list of 2 to %(num)d choices.", num=MAX_OPTIONS))
        clean["options"] = [checked_text(o, _l("Each option"), MAX_OPTION) for o in options]
    if kind == PromptKind.PICK:
        clean["max_picks"] = checked_int(
            spec.get("max_picks"),
            "max_picks (how many options one answer may pick)",
            1,
            len(clean["options"]),
        )
    if kind == PromptKind.SCALE:
        low = checked_int(spec.get("min", 0), "min", *SCALE_BOUNDS)
        high = checked_int(spec.get("max", 10), "max", *SCALE_BOUNDS)
        if low >= high:
            raise invalid(_l("max must be greater than min."))
        clean.update(
            {
                "min": low,
                "max": high,
                "min_label": checked_text(
                    spec.get("min_label"), "min_label", MAX_SCALE_LABEL, required=False
                ),
                "max_label": checked_text(
                    spec.get("max_label"), "max_label", MAX_SCALE_LABEL, required=False
                ),
            }
        )
    follow_up = spec.get("follow_up", False)
    if not isinstance(follow_up, bool):
        raise invalid("follow_up must be true or false.")
    if follow_up:
        clean["follow_up"] = True
    return clean

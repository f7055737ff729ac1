"""Forms for preparing live sessions: writing prompts, keeping them, building a plan."""

from __future__ import annotations

from typing import Any

from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from circles.forms import Form
from circles.live.library import THEMES
from circles.live.models import MAX_OPTIONS, MAX_PROMPT_TEXT, PromptKind
from circles.live.protocol import MAX_SCALE_LABEL, MAX_TIMER_SECONDS, SCALE_BOUNDS

KEEP_CHOICES = [
    SelectChoice("", "Only in this plan"),
    SelectChoice("circle", "Also in this circle's library"),
    SelectChoice("org", "Also in the organisation's library, for every circle"),
]


class PromptForm(Form):
    """A prompt written by a facilitator; cross-field rules are the live protocol's own."""

    kind = SelectField(
        "Kind",
        choices=[SelectChoice(k.value, k.label) for k in PromptKind],
        default=PromptKind.TEXT.value,
    )
    text = TextAreaField(
        "Prompt", validators=[DataRequired("Write the prompt."), Length(max=MAX_PROMPT_TEXT)]
    )
    anonymous = BooleanField(
        "Anonymous answers (nobody, you included, sees who wrote what)", default=True
    )
    options = TextAreaField(
        "Choices, one per line",
        description="Single choice and pick up to N: 2 to 8 choices.",
        validators=[Optional()],
    )
    max_picks = IntegerField(
        "How many may be picked",
        description="Pick up to N only.",
        default=2,
        validators=[Optional(), NumberRange(1, MAX_OPTIONS)],
    )
    scale_min = IntegerField(
        "Scale from", default=0, validators=[Optional(), NumberRange(*SCALE_BOUNDS)]
    )
    scale_max = IntegerField(
        "Scale to", default=10, validators=[Optional(), NumberRange(*SCALE_BOUNDS)]
    )
    min_label = StringField(
        "Label at the low end", validators=[Optional(), Length(max=MAX_SCALE_LABEL)]
    )
    max_label = StringField(
        "Label at the high end", validators=[Optional(), Length(max=MAX_SCALE_LABEL)]
    )
    seconds = IntegerField(
        "Timer in seconds",
        description="Optional; a silent reflection needs one.",
        validators=[Optional(), NumberRange(5, MAX_TIMER_SECONDS)],
    )
    themes = SelectMultipleField(
        "Themes",
        choices=[SelectChoice(key, label) for key, label in THEMES.items()],
        validators=[Optional()],
    )

    def spec(self) -> dict[str, Any]:
        """The prompt as ``prompt.open`` takes it (validated by the service)."""
        spec: dict[str, Any] = {
            "kind": self.kind.data,
            "text": self.text.data or "",
            "anonymous": bool(self.anonymous.data),
        }
        if self.seconds.data is not None:
            spec["seconds"] = self.seconds.data
        if self.kind.data == PromptKind.PICK.value:
            spec["max_picks"] = self.max_picks.data
        if self.kind.data in (PromptKind.CHOICE.value, PromptKind.PICK.value):
            spec["options"] = [
                line.strip() for line in (self.options.data or "").splitlines() if line.strip()
            ]
        if self.kind.data == PromptKind.SCALE.value:
            spec.update(
                {
                    "min": self.scale_min.data if self.scale_min.data is not None else 0,
                    "max": self.scale_max.data if self.scale_max.data is not None else 10,
                    "min_label": self.min_label.data or "",
                    "max_label": self.max_label.data or "",
                }
            )
        return spec


class PlanPromptForm(PromptForm):
    keep = RadioField("Keep it for later", choices=KEEP_CHOICES, default="")


class LibraryPromptForm(PromptForm):
    keep = RadioField(
        "Keep it in",
        choices=KEEP_CHOICES[1:],
        default="circle",
        validators=[DataRequired("Choose where to keep it.")],
    )


class PickPromptForm(Form):
    ref = HiddenField(validators=[DataRequired()])


class MoveStepForm(Form):
    direction = HiddenField(validators=[DataRequired()])

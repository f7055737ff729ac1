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
from circles.i18n import lazy_gettext as _l
from circles.live.library import THEMES
from circles.live.models import MAX_OPTIONS, MAX_PROMPT_TEXT, PromptKind
from circles.live.protocol import MAX_SCALE_LABEL, MAX_TIMER_SECONDS, SCALE_BOUNDS

KEEP_CHOICES = [
    SelectChoice("", _l("Only in this plan")),
    SelectChoice("circle", _l("Also in this circle's library")),
    SelectChoice("org", _l("Also in the organisation's library, for every circle")),
]


class PromptForm(Form):
    """A prompt written by a facilitator; cross-field rules are the live protocol's own."""

    kind = SelectField(
        _l("Kind"),
        choices=[SelectChoice(k.value, k.label) for k in PromptKind],
        default=PromptKind.TEXT.value,
    )
    text = TextAreaField(
        _l("Prompt"),
        validators=[DataRequired(_l("Write the prompt.")), Length(max=MAX_PROMPT_TEXT)],
    )
    anonymous = BooleanField(
        _l("Anonymous answers (nobody, you included, sees who wrote what)"), default=True
    )
    options = TextAreaField(
        _l("Choices, one per line"),
        description=_l("Single choice and pick up to N: 2 to 8 choices."),
        validators=[Optional()],
    )
    max_picks = IntegerField(
        _l("How many may be picked"),
        description=_l("Pick up to N only."),
        default=2,
        validators=[Optional(), NumberRange(1, MAX_OPTIONS)],
    )
    scale_min = IntegerField(
        _l("Scale from"), default=0, validators=[Optional(), NumberRange(*SCALE_BOUNDS)]
    )
    scale_max = IntegerField(
        _l("Scale to"), default=10, validators=[Optional(), NumberRange(*SCALE_BOUNDS)]
    )
    min_label = StringField(
        _l("Label at the low end"), validators=[Optional(), Length(max=MAX_SCALE_LABEL)]
    )
    max_label = StringField(
        _l("Label at the high end"), validators=[Optional(), Length(max=MAX_SCALE_LABEL)]
    )
    seconds = IntegerField(
        _l("Timer in seconds"),
        description=_l("Optional; a silent reflection needs one."),
        validators=[Optional(), NumberRange(5, MAX_TIMER_SECONDS)],
    )
    themes = SelectMultipleField(
        _l("Themes"),
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
    keep = RadioField(_l("Keep it for later"), choices=KEEP_CHOICES, default="")


class LibraryPromptForm(PromptForm):
    keep = RadioField(
        _l("Keep it in"),
        choices=KEEP_CHOICES[1:],
        default="circle",
        validators=[DataRequired(_l("Choose where to keep it."))],
    )


class PickPromptForm(Form):
    ref = HiddenField(validators=[DataRequired()])


class MoveStepForm(Form):
    direction = HiddenField(validators=[DataRequired()])

"""Check-in forms: the check-in itself (built per period), the set-up and own additions."""

from __future__ import annotations

from typing import Any

from wtforms import BooleanField, RadioField, SelectChoice, SelectMultipleField, StringField
from wtforms.validators import DataRequired, InputRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from circles.checkins.instrument import SCALE_LABELS, Questions
from circles.checkins.models import MAX_OPTION_LABEL, OptionKind, PeriodKind
from circles.forms import Form, strip_filter
from circles.i18n import lazy_gettext as _l


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class CheckinForm(Form):
    """Fields are added per period by :func:`checkin_form`."""

    keep_copy = BooleanField(
        _l("Keep a private copy so I can see my own trend"),
        default=True,
        description=_l("Only you can see it, and you can delete it at any time."),
    )

    def scale_fields(self) -> list[Any]:
        return [field for field in self if field.name.startswith("scale_")]


def checkin_form(questions: Questions, **form_options: Any) -> CheckinForm:
    """A check-in form with one 0-5 question per scale item and the period's lists."""

    class PeriodCheckinForm(CheckinForm):
        pass

    for key, label in questions.scales:
        setattr(
            PeriodCheckinForm,
            f"scale_{key}",
            RadioField(
                label,
                choices=[
                    SelectChoice(str(v), f"{v}: {text}") for v, text in enumerate(SCALE_LABELS)
                ],
                validators=[InputRequired(message=_l("Choose one answer, from 0 to 5."))],
            ),
        )
    PeriodCheckinForm.themes = MultiCheckboxField(  # type: ignore[attr-defined]
        _l("Themes that were present for me"),
        choices=[SelectChoice(k, label) for k, label in questions.themes],
    )
    PeriodCheckinForm.practices = MultiCheckboxField(  # type: ignore[attr-defined]
        _l("Practices I kept"), choices=[SelectChoice(k, label) for k, label in questions.practices]
    )
    return PeriodCheckinForm(**form_options)


class InstrumentForm(Form):
    period_kind = RadioField(
        _l("How often members check in"),
        choices=[SelectChoice(kind.value, kind.label) for kind in PeriodKind],
        default=PeriodKind.WEEKLY.value,
        validators=[InputRequired(message=_l("Choose how often members check in."))],
    )


class OptionForm(Form):
    kind = RadioField(
        _l("What to add"),
        choices=[
            SelectChoice(OptionKind.SCALE.value, _l("A question on the 0 to 5 scale")),
            SelectChoice(OptionKind.THEME.value, _l("A theme")),
            SelectChoice(OptionKind.PRACTICE.value, _l("A practice")),
        ],
        validators=[InputRequired(message=_l("Choose what to add."))],
    )
    label = StringField(
        _l("Wording"),
        validators=[
            DataRequired(message=_l("Write a few words for it.")),
            Length(
                max=MAX_OPTION_LABEL,
                message=_l("Keep it under %(num)d characters.", num=MAX_OPTION_LABEL),
            ),
        ],
        filters=[strip_filter],
        description=_l("Members see it from the next check-in period on."),
    )

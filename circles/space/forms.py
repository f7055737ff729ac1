"""Forms of the member's space: a commitment of their own, how one went, the 72-hour plan."""

from __future__ import annotations

from typing import Any

from wtforms import BooleanField, DateField, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from circles.forms import Form, strip_filter
from circles.i18n import gettext as _
from circles.i18n import lazy_gettext as _l
from circles.i18n import lazy_ngettext
from circles.space.follow_ups import CHOICES, LABELS, MAX_NOTE, MAX_TEXT
from circles.space.plans import suggested_actions

OWN_ACTION = "own"


def _keep_it_under(limit: int) -> Any:
    return lazy_ngettext(
        "Please keep it under %(num)d character.", "Please keep it under %(num)d characters.", limit
    )


class OwnCommitmentForm(Form):
    text = StringField(
        _l("What will you do?"),
        validators=[
            DataRequired(message=_l("Write what you want to do, in a few words.")),
            Length(max=MAX_TEXT, message=_keep_it_under(MAX_TEXT)),
        ],
        filters=[strip_filter],
        description=_l("Small and concrete works best: “Call my sister on Sunday”."),
    )
    due = DateField(_l("By when (optional)"), validators=[Optional()])


class StatusForm(Form):
    status = RadioField(
        _l("How is it going?"),
        choices=[SelectChoice(s.value, LABELS[s]) for s in CHOICES],
        validators=[InputRequired(message=_l("Choose how it is going."))],
    )
    note = TextAreaField(
        _l("A note for yourself (optional)"),
        validators=[
            Length(
                max=MAX_NOTE,
                message=lazy_ngettext(
                    "Keep the note under %(num)d character.",
                    "Keep the note under %(num)d characters.",
                    MAX_NOTE,
                ),
            )
        ],
        filters=[strip_filter],
    )


class PlanForm(Form):
    #: The suggested actions, in the words of this request's language (set on each form).
    action = RadioField(_l("One small action for these days"), choices=[], validators=[Optional()])
    own_action = StringField(
        _l("Your own action"),
        validators=[Length(max=MAX_TEXT, message=_keep_it_under(MAX_TEXT))],
        filters=[strip_filter],
    )
    reminders = BooleanField(
        _l("Email me a short note on each of the three days"),
        description=_l(
            "The note says only “A note from Circles”, nothing about sessions or your "
            "circle. You can turn it off here at any time."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.action.choices = [SelectChoice(a, a) for a in suggested_actions()] + [
            SelectChoice(OWN_ACTION, _("Something else, in my own words"))
        ]

"""Forms of the member's space: a commitment of their own, how one went, the 72-hour plan."""

from __future__ import annotations

from wtforms import BooleanField, DateField, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from circles.forms import Form, strip_filter
from circles.space.follow_ups import CHOICES, MAX_NOTE, MAX_TEXT
from circles.space.plans import SUGGESTED_ACTIONS

OWN_ACTION = "own"


class OwnCommitmentForm(Form):
    text = StringField(
        "What will you do?",
        validators=[
            DataRequired(message="Write what you want to do, in a few words."),
            Length(max=MAX_TEXT, message=f"Please keep it under {MAX_TEXT} characters."),
        ],
        filters=[strip_filter],
        description="Small and concrete works best: “Call my sister on Sunday”.",
    )
    due = DateField("By when (optional)", validators=[Optional()])


class StatusForm(Form):
    status = RadioField(
        "How is it going?",
        choices=[SelectChoice(s.value, s.label) for s in CHOICES],
        validators=[InputRequired(message="Choose how it is going.")],
    )
    note = TextAreaField(
        "A note for yourself (optional)",
        validators=[Length(max=MAX_NOTE, message=f"Keep the note under {MAX_NOTE} characters.")],
        filters=[strip_filter],
    )


class PlanForm(Form):
    action = RadioField(
        "One small action for these days",
        choices=[SelectChoice(a, a) for a in SUGGESTED_ACTIONS]
        + [SelectChoice(OWN_ACTION, "Something else, in my own words")],
        validators=[Optional()],
    )
    own_action = StringField(
        "Your own action",
        validators=[Length(max=MAX_TEXT, message=f"Please keep it under {MAX_TEXT} characters.")],
        filters=[strip_filter],
    )
    reminders = BooleanField(
        "Email me a short note on each of the three days",
        description="The note says only “A note from Circles”, nothing about sessions or your "
        "circle. You can turn it off here at any time.",
    )

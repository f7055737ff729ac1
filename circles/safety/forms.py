"""Support request forms."""

from __future__ import annotations

from wtforms import RadioField, SelectChoice, TextAreaField
from wtforms.validators import InputRequired, Length

from circles.forms import Form, strip_filter
from circles.safety.models import MAX_MESSAGE, SupportStatus


class SupportRequestForm(Form):
    message = TextAreaField(
        "Anything you would like them to know (optional)",
        validators=[Length(max=MAX_MESSAGE, message=f"Keep it under {MAX_MESSAGE} characters.")],
        filters=[strip_filter],
        description="Only your circle's facilitators see this, with your name.",
    )


class StatusForm(Form):
    status = RadioField(
        "Status",
        choices=[SelectChoice(s.value, s.label) for s in SupportStatus],
        validators=[InputRequired(message="Choose a status.")],
    )

"""Support request forms."""

from __future__ import annotations

from wtforms import RadioField, SelectChoice, TextAreaField
from wtforms.validators import InputRequired, Length

from circles.forms import Form, strip_filter
from circles.i18n import lazy_gettext as _l
from circles.safety.models import MAX_MESSAGE, SupportStatus


class SupportRequestForm(Form):
    message = TextAreaField(
        _l("Anything you would like them to know (optional)"),
        validators=[
            Length(
                max=MAX_MESSAGE,
                message=_l("Keep it under %(max)d characters.", max=MAX_MESSAGE),
            )
        ],
        filters=[strip_filter],
        description=_l("Only your circle's facilitators see this, with your name."),
    )


class StatusForm(Form):
    status = RadioField(
        _l("Status"),
        choices=[SelectChoice(s.value, s.lazy_label) for s in SupportStatus],
        validators=[InputRequired(message=_l("Choose a status."))],
    )

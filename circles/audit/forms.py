"""The audit log's filter (a GET form: it changes nothing, so it carries no CSRF token)."""

from __future__ import annotations

from wtforms import DateField, SelectChoice, SelectField
from wtforms.validators import Optional

from circles.audit.models import AuditAction
from circles.forms import Form


class AuditFilterForm(Form):
    class Meta:
        csrf = False

    action = SelectField(
        "What",
        choices=[SelectChoice("", "Any action")]
        + [SelectChoice(a.value, a.label) for a in AuditAction],
        default="",
    )
    actor = SelectField("Who", choices=[SelectChoice("", "Anyone")], default="")
    since = DateField("From (UTC date)", validators=[Optional()])
    until = DateField("To (UTC date, included)", validators=[Optional()])

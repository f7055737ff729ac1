"""The audit log's filter (a GET form: it changes nothing, so it carries no CSRF token)."""

from __future__ import annotations

from wtforms import DateField, SearchField, SelectChoice, SelectField
from wtforms.validators import Length, Optional

from circles.audit.models import AuditAction
from circles.forms import Form
from circles.paging import MAX_SEARCH


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
    q = SearchField(
        "Search",
        description="Words from what was done, or a name.",
        validators=[Optional(), Length(max=MAX_SEARCH)],
    )
    since = DateField("From (UTC date)", validators=[Optional()])
    until = DateField("To (UTC date, included)", validators=[Optional()])

"""The audit log's filter (a GET form: it changes nothing, so it carries no CSRF token)."""

from __future__ import annotations

from wtforms import DateField, SearchField, SelectChoice, SelectField
from wtforms.validators import Length, Optional

from circles.audit.models import AuditAction
from circles.forms import Form
from circles.i18n import lazy_gettext as _l
from circles.paging import MAX_SEARCH


class AuditFilterForm(Form):
    class Meta:
        csrf = False

    action = SelectField(
        _l("What"),
        choices=[SelectChoice("", _l("Any action"))]
        + [SelectChoice(a.value, a.lazy_label) for a in AuditAction],
        default="",
    )
    actor = SelectField(_l("Who"), choices=[SelectChoice("", _l("Anyone"))], default="")
    q = SearchField(
        _l("Search"),
        description=_l("Words from what was done, or a name."),
        validators=[Optional(), Length(max=MAX_SEARCH)],
    )
    since = DateField(_l("From (UTC date)"), validators=[Optional()])
    until = DateField(_l("To (UTC date, included)"), validators=[Optional()])

"""Journal forms: an entry, and the deliberate step of sharing one."""

from __future__ import annotations

from flask_babel import LazyString
from wtforms import BooleanField, HiddenField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from circles.checkins.forms import MultiCheckboxField
from circles.checkins.instrument import BUILTIN_THEMES
from circles.forms import Form, strip_filter
from circles.i18n import lazy_gettext as _l
from circles.journal.models import MAX_ENTRY, MAX_TITLE
from circles.templating import number

NO_LINK = 0


def _id_or_none(value: object) -> int | None:
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return None
    return number or None


class EntryForm(Form):
    title = StringField(
        _l("Title (optional)"),
        validators=[
            Length(
                max=MAX_TITLE,
                message=_l("Keep the title under %(num)d characters.", num=MAX_TITLE),
            )
        ],
        filters=[strip_filter],
    )
    text = TextAreaField(
        _l("Your entry"),
        validators=[
            DataRequired(message=_l("Write something first; even a line is enough.")),
            Length(
                max=MAX_ENTRY,
                # The number as the reader writes it ("5,000", "5.000"), when it is shown.
                message=_l(
                    "Please keep an entry under %(num)s characters.",
                    num=LazyString(number, MAX_ENTRY),
                ),
            ),
        ],
        filters=[strip_filter],
        description=_l("Only you can read this. Nobody else sees it unless you share it."),
    )
    themes = MultiCheckboxField(
        _l("Themes (optional)"), choices=[SelectChoice(k, label) for k, label in BUILTIN_THEMES]
    )
    dosing_session = SelectField(_l("Belongs to a session you noted"), coerce=_id_or_none)
    meeting = SelectField(_l("Belongs to a circle meeting"), coerce=_id_or_none)
    prompt = HiddenField()


class ShareForm(Form):
    circle = SelectField(_l("Share with the facilitators of"), coerce=_id_or_none)
    understood = BooleanField(
        _l("I understand my facilitators will read this entry with my name"),
        validators=[InputRequired(message=_l("Tick this to share; nothing is sent until you do."))],
    )

"""Journal forms: an entry, and the deliberate step of sharing one."""

from __future__ import annotations

from wtforms import BooleanField, HiddenField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from circles.checkins.forms import MultiCheckboxField
from circles.forms import Form, strip_filter
from circles.journal.models import MAX_ENTRY, MAX_TITLE
from circles.journal.prompts import THEMES

NO_LINK = 0


def _id_or_none(value: object) -> int | None:
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return None
    return number or None


class EntryForm(Form):
    title = StringField(
        "Title (optional)",
        validators=[Length(max=MAX_TITLE, message=f"Keep the title under {MAX_TITLE} characters.")],
        filters=[strip_filter],
    )
    text = TextAreaField(
        "Your entry",
        validators=[
            DataRequired(message="Write something first; even a line is enough."),
            Length(max=MAX_ENTRY, message=f"Please keep an entry under {MAX_ENTRY:,} characters."),
        ],
        filters=[strip_filter],
        description="Only you can read this. Nobody else sees it unless you share it.",
    )
    themes = MultiCheckboxField(
        "Themes (optional)", choices=[SelectChoice(k, label) for k, label in THEMES.items()]
    )
    dosing_session = SelectField("Belongs to a session you noted", coerce=_id_or_none)
    meeting = SelectField("Belongs to a circle meeting", coerce=_id_or_none)
    prompt = HiddenField()


class ShareForm(Form):
    circle = SelectField("Share with the facilitators of", coerce=_id_or_none)
    understood = BooleanField(
        "I understand my facilitators will read this entry with my name",
        validators=[InputRequired(message="Tick this to share; nothing is sent until you do.")],
    )

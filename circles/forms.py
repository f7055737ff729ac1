"""Form pieces shared across features."""

from __future__ import annotations

import re
from functools import cache
from typing import Any
from zoneinfo import available_timezones

from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    Field,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from circles.i18n import gettext as _
from circles.i18n import lazy_gettext as _l
from circles.urls import MAX_ID

#: Characters no field may hold: C0 controls (NUL, which PostgreSQL refuses; escape; bell...)
#: and lone surrogates (not UTF-8). Tabs are allowed everywhere, line breaks in longer text only.
_UNSAVABLE_LINE = re.compile(r"[\x00-\x08\x0a-\x1f\ud800-\udfff]")
_UNSAVABLE_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")
UNSAVABLE_MESSAGE = _l(
    "This contains a character that can't be saved (an invisible control character, perhaps "
    "pasted along with the text). Please remove it."
)
TOO_LARGE_MESSAGE = _l("That number is too large.")


def unsavable(field: Field) -> str | None:
    """Why what was sent for this field cannot be kept, or None when it can."""
    pattern = _UNSAVABLE_TEXT if isinstance(field, TextAreaField) else _UNSAVABLE_LINE
    for value in field.raw_data or ():
        if isinstance(value, str) and pattern.search(value):
            return str(UNSAVABLE_MESSAGE)
    data = field.data
    if isinstance(data, int) and not isinstance(data, bool) and abs(data) > MAX_ID:
        return str(TOO_LARGE_MESSAGE)
    return None


class Form(FlaskForm):
    """Every form's base: besides its own rules, each field refuses what no database can keep
    (control characters, lone surrogates, numbers beyond a database integer), with a message
    beside the field, so that bad input is never a server error and never half saved."""

    def validate(self, extra_validators: Any = None) -> bool:
        valid: bool = super().validate(extra_validators)
        for field in self:
            problem = unsavable(field)
            if problem is not None:
                field.errors = [problem]
                valid = False
        return valid


#: Zones offered in pickers: canonical IANA names, grouped later by their region.
_LEGACY_PREFIXES = ("Etc/", "SystemV/", "US/", "Canada/", "Brazil/", "Chile/", "Mexico/")


@cache
def timezone_choices() -> tuple[SelectChoice, ...]:
    """Every canonical IANA time zone, grouped by region, each with a readable label."""
    zones = sorted(
        z for z in available_timezones() if "/" in z and not z.startswith(_LEGACY_PREFIXES)
    )
    regional = (
        SelectChoice(
            z, z.split("/", 1)[1].replace("_", " ").replace("/", " / "), optgroup=z.split("/")[0]
        )
        for z in zones
    )
    return (SelectChoice("UTC", _l("UTC (Coordinated Universal Time)")), *regional)


@cache
def _valid_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def validate_timezone(form: object, field: StringField) -> None:
    if field.data not in _valid_zones():
        raise ValidationError(_("Choose a time zone from the list."))


def timezone_field(label: str | None = None) -> SelectField:
    return SelectField(
        label if label is not None else _l("Time zone"),
        choices=list(timezone_choices()),
        default="UTC",
        validators=[DataRequired(), validate_timezone],
        validate_choice=False,
        description=_l("Every meeting time is shown to you in this zone."),
    )


def strip_filter(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def display_name_field(label: str, max_length: int, description: str = "") -> StringField:
    return StringField(
        label,
        validators=[DataRequired(message=_l("Enter a name.")), Length(max=max_length)],
        filters=[strip_filter],
        description=description,
    )


class ConfirmForm(Form):
    """A form with nothing but its CSRF token, for buttons that change state."""


class InviteLinkFormMixin:
    """Fields every invitation-link form has: lifetime, number of uses, optional bound email."""

    days = IntegerField(
        _l("Valid for (days)"),
        default=14,
        validators=[
            InputRequired(message=_l("Enter a number of days.")),
            NumberRange(min=1, max=90, message=_l("Choose from 1 to 90 days.")),
        ],
    )
    max_uses = IntegerField(
        _l("How many people can use it"),
        default=1,
        validators=[
            InputRequired(message=_l("Enter a number of uses.")),
            NumberRange(min=1, max=100, message=_l("Choose from 1 to 100 uses.")),
        ],
    )
    email = EmailField(
        _l("Only for this email (optional)"),
        validators=[
            Optional(),
            Length(max=254),
            Email(
                message=_l("Enter a valid email address, or leave it empty."),
                check_deliverability=False,
            ),
        ],
        filters=[strip_filter],
        description=_l("Leave empty for a link anyone you give it to can use."),
    )

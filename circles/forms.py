"""Form pieces shared across features."""

from __future__ import annotations

from functools import cache
from zoneinfo import available_timezones

from flask_wtf import FlaskForm
from wtforms import EmailField, IntegerField, SelectChoice, SelectField, StringField
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

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
    return (SelectChoice("UTC", "UTC (Coordinated Universal Time)"), *regional)


@cache
def _valid_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def validate_timezone(form: object, field: StringField) -> None:
    if field.data not in _valid_zones():
        raise ValidationError("Choose a time zone from the list.")


def timezone_field(label: str = "Time zone") -> SelectField:
    return SelectField(
        label,
        choices=list(timezone_choices()),
        default="UTC",
        validators=[DataRequired(), validate_timezone],
        validate_choice=False,
        description="Every meeting time is shown to you in this zone.",
    )


def strip_filter(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def display_name_field(label: str, max_length: int, description: str = "") -> StringField:
    return StringField(
        label,
        validators=[DataRequired(message="Enter a name."), Length(max=max_length)],
        filters=[strip_filter],
        description=description,
    )


class ConfirmForm(FlaskForm):
    """A form with nothing but its CSRF token, for buttons that change state."""


class InviteLinkFormMixin:
    """Fields every invitation-link form has: lifetime, number of uses, optional bound email."""

    days = IntegerField(
        "Valid for (days)",
        default=14,
        validators=[
            InputRequired(message="Enter a number of days."),
            NumberRange(min=1, max=90, message="Choose from 1 to 90 days."),
        ],
    )
    max_uses = IntegerField(
        "How many people can use it",
        default=1,
        validators=[
            InputRequired(message="Enter a number of uses."),
            NumberRange(min=1, max=100, message="Choose from 1 to 100 uses."),
        ],
    )
    email = EmailField(
        "Only for this email (optional)",
        validators=[
            Optional(),
            Length(max=254),
            Email(
                message="Enter a valid email address, or leave it empty.",
                check_deliverability=False,
            ),
        ],
        filters=[strip_filter],
        description="Leave empty for a link anyone you give it to can use.",
    )

"""Meeting forms: scheduling, editing, cancelling, RSVP, calendar titles, dosing sessions."""

from __future__ import annotations

from typing import Any

from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectChoice,
    TextAreaField,
    TimeField,
    URLField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from circles.exceptions import ServiceError
from circles.forms import Form, strip_filter, timezone_field
from circles.meetings.models import MAX_DURATION_MINUTES, MAX_URL, RsvpAnswer
from circles.meetings.recurrence import MAX_OCCURRENCES, Repeat
from circles.meetings.rules import Scope, check_video_url

REPEAT_CHOICES = [
    SelectChoice(Repeat.NONE.value, "Does not repeat"),
    SelectChoice(Repeat.WEEKLY.value, "Every week, on the same weekday"),
    SelectChoice(Repeat.FORTNIGHTLY.value, "Every two weeks, on the same weekday"),
    SelectChoice(
        Repeat.MONTHLY_BY_WEEKDAY.value,
        "Every month, on the same weekday (for example the second Tuesday)",
    ),
    SelectChoice(
        Repeat.MONTHLY_BY_DATE.value,
        "Every month, on the same date (the last day in shorter months)",
    ),
]
SCOPE_CHOICES = [
    SelectChoice(Scope.THIS.value, "Only this meeting"),
    SelectChoice(Scope.FOLLOWING.value, "This and the following meetings of the series"),
    SelectChoice(Scope.SERIES.value, "Every upcoming meeting of the series"),
]


def _validate_video_url(form: Any, field: URLField) -> None:
    try:
        field.data = check_video_url(field.data or "")
    except ServiceError as error:
        raise ValidationError(error.message) from None


def date_field(label: str, description: str = "") -> DateField:
    return DateField(
        label,
        validators=[InputRequired(message="Enter a date.")],
        description=description,
    )


def time_field(label: str, description: str = "") -> TimeField:
    return TimeField(
        label,
        validators=[InputRequired(message="Enter a time, for example 19:00.")],
        description=description,
    )


class MeetingDetailsMixin:
    duration = IntegerField(
        "Length in minutes",
        default=90,
        validators=[
            InputRequired(message="Enter how long the meeting lasts, in minutes."),
            NumberRange(
                min=1,
                max=MAX_DURATION_MINUTES,
                message=f"A meeting lasts from 1 to {MAX_DURATION_MINUTES} minutes.",
            ),
        ],
    )
    video_url = URLField(
        "Video-call link (optional)",
        validators=[Optional(), Length(max=MAX_URL), _validate_video_url],
        filters=[strip_filter],
        description="An https:// link. Only people in the circle see it.",
    )
    agenda = TextAreaField(
        "Agenda (optional)",
        validators=[Length(max=5000)],
        filters=[strip_filter],
        description="Shown on the meeting page to people in the circle.",
    )


class ScheduleForm(MeetingDetailsMixin, Form):
    date = date_field("Date of the first meeting")
    start_time = time_field("Start time")
    timezone = timezone_field("Time zone of the meeting")
    repeat = RadioField("Repeats", choices=REPEAT_CHOICES, default=Repeat.NONE.value)
    ends = RadioField(
        "A repeating series ends",
        choices=[
            SelectChoice("count", "After a number of meetings"),
            SelectChoice("until", "On a date"),
        ],
        default="count",
    )
    count = IntegerField(
        "Number of meetings",
        default=8,
        validators=[
            Optional(),
            NumberRange(
                min=1, max=MAX_OCCURRENCES, message=f"Choose from 1 to {MAX_OCCURRENCES} meetings."
            ),
        ],
    )
    until = DateField("Last date of the series", validators=[Optional()])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.timezone.description = (
            "The meeting keeps this wall-clock time when clocks change. "
            "Everyone sees it in their own time zone."
        )

    def validate(self, extra_validators: Any = None) -> bool:
        valid: bool = super().validate(extra_validators)
        # The end of a series is needed only for a repeating one, so the fields are Optional()
        # (which ends their own validation early) and checked together here.
        if self.repeat.data != Repeat.NONE:
            needed = self.count if self.ends.data == "count" else self.until
            if needed.data is None and not needed.errors:
                message = (
                    "Enter how many meetings the series has."
                    if needed is self.count
                    else "Enter the last date of the series."
                )
                needed.errors = [*needed.errors, message]
                valid = False
        return valid


def scope_field(label: str, missing: str) -> RadioField:
    """Which meetings of a series an action applies to; pages always send it (hidden if single)."""
    return RadioField(
        label,
        choices=SCOPE_CHOICES,
        default=Scope.THIS.value,
        validators=[InputRequired(message=missing)],
    )


class EditMeetingForm(MeetingDetailsMixin, Form):
    date = date_field("Date")
    start_time = time_field("Start time")
    scope = scope_field("Apply the change to", "Choose which meetings the change applies to.")


class CancelMeetingForm(Form):
    scope = scope_field("Cancel", "Choose which meetings to cancel.")


class RsvpForm(Form):
    answer = RadioField(
        "Will you come?",
        choices=[SelectChoice(a.value, a.label) for a in RsvpAnswer],
        validators=[InputRequired(message="Choose going, maybe or not going.")],
    )


class CalendarTitlesForm(Form):
    show_circle_names = BooleanField("Show circle names in event titles")


class DosingSessionForm(Form):
    date = date_field("Date of the session")
    time = time_field("Time it began")

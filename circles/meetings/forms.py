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
from circles.i18n import gettext as _
from circles.i18n import lazy_gettext as _l
from circles.i18n import lazy_pgettext
from circles.meetings.models import MAX_DURATION_MINUTES, MAX_URL, RsvpAnswer
from circles.meetings.recurrence import MAX_OCCURRENCES, Repeat
from circles.meetings.rules import Scope, check_video_url

REPEAT_CHOICES = [
    SelectChoice(Repeat.NONE.value, _l("Does not repeat")),
    SelectChoice(Repeat.WEEKLY.value, _l("Every week, on the same weekday")),
    SelectChoice(Repeat.FORTNIGHTLY.value, _l("Every two weeks, on the same weekday")),
    SelectChoice(
        Repeat.MONTHLY_BY_WEEKDAY.value,
        _l("Every month, on the same weekday (for example the second Tuesday)"),
    ),
    SelectChoice(
        Repeat.MONTHLY_BY_DATE.value,
        _l("Every month, on the same date (the last day in shorter months)"),
    ),
]
SCOPE_CHOICES = [
    SelectChoice(Scope.THIS.value, _l("Only this meeting")),
    SelectChoice(Scope.FOLLOWING.value, _l("This and the following meetings of the series")),
    SelectChoice(Scope.SERIES.value, _l("Every upcoming meeting of the series")),
]


def _validate_video_url(form: Any, field: URLField) -> None:
    try:
        field.data = check_video_url(field.data or "")
    except ServiceError as error:
        raise ValidationError(error.message) from None


def date_field(label: str, description: str = "") -> DateField:
    return DateField(
        label,
        validators=[InputRequired(message=_l("Enter a date."))],
        description=description,
    )


def time_field(label: str, description: str = "") -> TimeField:
    return TimeField(
        label,
        validators=[InputRequired(message=_l("Enter a time, for example 19:00."))],
        description=description,
    )


class MeetingDetailsMixin:
    duration = IntegerField(
        _l("Length in minutes"),
        default=90,
        validators=[
            InputRequired(message=_l("Enter how long the meeting lasts, in minutes.")),
            NumberRange(
                min=1,
                max=MAX_DURATION_MINUTES,
                message=_l("A meeting lasts from 1 to %(max)d minutes.", max=MAX_DURATION_MINUTES),
            ),
        ],
    )
    video_url = URLField(
        _l("Video-call link (optional)"),
        validators=[Optional(), Length(max=MAX_URL), _validate_video_url],
        filters=[strip_filter],
        description=_l("An https:// link. Only people in the circle see it."),
    )
    agenda = TextAreaField(
        _l("Agenda (optional)"),
        validators=[Length(max=5000)],
        filters=[strip_filter],
        description=_l("Shown on the meeting page to people in the circle."),
    )


class ScheduleForm(MeetingDetailsMixin, Form):
    date = date_field(_l("Date of the first meeting"))
    start_time = time_field(_l("Start time"))
    timezone = timezone_field(_l("Time zone of the meeting"))
    repeat = RadioField(_l("Repeats"), choices=REPEAT_CHOICES, default=Repeat.NONE.value)
    ends = RadioField(
        _l("A repeating series ends"),
        choices=[
            SelectChoice("count", _l("After a number of meetings")),
            SelectChoice("until", _l("On a date")),
        ],
        default="count",
    )
    count = IntegerField(
        _l("Number of meetings"),
        default=8,
        validators=[
            Optional(),
            NumberRange(
                min=1,
                max=MAX_OCCURRENCES,
                message=_l("Choose from 1 to %(max)d meetings.", max=MAX_OCCURRENCES),
            ),
        ],
    )
    until = DateField(_l("Last date of the series"), validators=[Optional()])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.timezone.description = _(
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
                    _("Enter how many meetings the series has.")
                    if needed is self.count
                    else _("Enter the last date of the series.")
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
    date = date_field(_l("Date"))
    start_time = time_field(_l("Start time"))
    scope = scope_field(
        _l("Apply the change to"), _l("Choose which meetings the change applies to.")
    )


class CancelMeetingForm(Form):
    scope = scope_field(
        lazy_pgettext("meetings to cancel", "Cancel"), _l("Choose which meetings to cancel.")
    )


class RsvpForm(Form):
    answer = RadioField(
        _l("Will you come?"),
        choices=[SelectChoice(a.value, a.label) for a in RsvpAnswer],
        validators=[InputRequired(message=_l("Choose going, maybe or not going."))],
    )


class CalendarTitlesForm(Form):
    show_circle_names = BooleanField(_l("Show circle names in event titles"))


class DosingSessionForm(Form):
    date = date_field(_l("Date of the session"))
    time = time_field(_l("Time it began"))

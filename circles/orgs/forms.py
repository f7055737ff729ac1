"""Organisation forms."""

from __future__ import annotations

from typing import Any

from wtforms import (
    BooleanField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange

from circles.forms import Form, InviteLinkFormMixin, strip_filter
from circles.i18n import lazy_gettext as _l
from circles.orgs.models import (
    DEFAULT_INVITE_RETENTION_DAYS,
    DEFAULT_SUPPORT_RETENTION_DAYS,
    INVITE_RETENTION_RANGE,
    MAX_LIVE_RETENTION_DAYS,
    MIN_ANONYMITY_K,
    SUPPORT_RETENTION_RANGE,
    OrgRole,
)


def _days_field(
    label: Any, default: int, bounds: tuple[int, int], description: Any
) -> IntegerField:
    """How many days something is kept, within the organisation's allowed range."""
    low, high = bounds
    return IntegerField(
        label,
        default=default,
        validators=[
            NumberRange(
                low, high, message=_l("Choose from %(low)d to %(high)d days.", low=low, high=high)
            )
        ],
        description=description,
    )


class OrgSettingsForm(Form):
    name = StringField(
        _l("Organisation name"),
        validators=[DataRequired(message=_l("Enter a name.")), Length(max=120)],
        filters=[strip_filter],
    )
    anonymity_k = IntegerField(
        _l("Anonymity threshold (k)"),
        validators=[
            DataRequired(message=_l("Enter a whole number.")),
            NumberRange(
                min=MIN_ANONYMITY_K,
                max=50,
                message=_l(
                    "Choose a number from %(low)d to %(high)d.", low=MIN_ANONYMITY_K, high=50
                ),
            ),
        ],
        description=_l(
            "Check-in reports only show figures that cover at least this many people. "
            "It cannot be lower than %(k)d.",
            k=MIN_ANONYMITY_K,
        ),
    )
    live_retention_days = _days_field(
        _l("Keep live-session answers for (days)"),
        0,
        (0, MAX_LIVE_RETENTION_DAYS),
        _l(
            "0, the default, deletes what people answered in a live session when it ends. "
            "Commitments always stay with the member who made them."
        ),
    )
    support_retention_days = _days_field(
        _l("Keep closed support requests for (days)"),
        DEFAULT_SUPPORT_RETENTION_DAYS,
        SUPPORT_RETENTION_RANGE,
        _l("Counted from when a facilitator closes a request; open requests are never deleted."),
    )
    invite_retention_days = _days_field(
        _l("Keep expired invitation links for (days)"),
        DEFAULT_INVITE_RETENTION_DAYS,
        INVITE_RETENTION_RANGE,
        _l("Counted from when a link expired or was withdrawn."),
    )
    crisis_resources = TextAreaField(
        _l("Crisis resources"),
        validators=[Length(max=4000)],
        filters=[strip_filter],
        description=_l(
            "Shown to members under \u201cNeed help now?\u201d: local emergency numbers, "
            "crisis lines, and how to reach your team out of hours."
        ),
    )
    accent_colour = StringField(
        _l("Accent colour"),
        validators=[Length(max=20)],
        filters=[strip_filter],
        description=_l(
            "Colours links and buttons on your organisation's pages and its circles' pages. "
            "Write it as # and six letters or digits, like #2f5d50, or leave it empty for "
            "Circles' own green. It must be dark enough to read on a pale background."
        ),
    )

    require_second_factor = BooleanField(
        _l("Everyone on the team uses two-step sign-in"),
        description=_l(
            "Owners, admins and facilitators then log in with their password and a code from "
            "an app on their phone. Anyone who has not set it up is asked to before they can "
            "carry on. Circle members are never asked."
        ),
    )


class StaffInviteForm(InviteLinkFormMixin, Form):
    role = SelectField(
        _l("Role"),
        choices=[
            SelectChoice(OrgRole.FACILITATOR.value, OrgRole.FACILITATOR.lazy_label),
            SelectChoice(OrgRole.ADMIN.value, OrgRole.ADMIN.lazy_label),
        ],
        default=OrgRole.FACILITATOR.value,
    )


class RoleForm(Form):
    role = SelectField(
        _l("Role"),
        choices=[SelectChoice(role.value, role.lazy_label) for role in OrgRole],
        validators=[DataRequired()],
    )

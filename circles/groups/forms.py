"""Circle forms."""

from __future__ import annotations

from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from circles.forms import Form, InviteLinkFormMixin, display_name_field, strip_filter
from circles.groups.models import MAX_CAPACITY, MAX_INVITE_LABEL
from circles.i18n import lazy_gettext as _l

CIRCLE_NAME_HELP = _l("Shown to members. A neutral name keeps things discreet on shared screens.")

#: Offered in the language of the person creating the circle; once saved it is the circle's own
#: text, as its facilitator wrote or kept it.
DEFAULT_AGREEMENT = _l(
    "What is shared in the circle stays in the circle. We do not repeat anyone's story outside "
    "it.\n"
    "We speak from our own experience and listen without fixing, advising or judging.\n"
    "Anyone may pass on any prompt, at any time, without explaining why.\n"
    "This circle is peer support, not therapy or emergency care. If you are in crisis, use the\n"
    '"Need help now?" link or contact your clinician.\n'
    "We arrive on time when we can, and let the facilitator know when we cannot."
)


class CircleForm(Form):
    name = StringField(
        _l("Circle name"),
        validators=[DataRequired(message=_l("Enter a name for the circle.")), Length(max=120)],
        filters=[strip_filter],
        description=CIRCLE_NAME_HELP,
    )
    description = TextAreaField(
        _l("Description"), validators=[Length(max=2000)], filters=[strip_filter]
    )
    agreement = TextAreaField(
        _l("Circle agreement"),
        default=DEFAULT_AGREEMENT,
        validators=[
            DataRequired(message=_l("Write the agreement members accept.")),
            Length(max=5000),
        ],
        filters=[strip_filter],
        description=_l("Every member reads and accepts this before joining."),
    )
    capacity = IntegerField(
        _l("Capacity (members)"),
        default=10,
        validators=[
            InputRequired(message=_l("Enter how many members the circle takes.")),
            NumberRange(
                min=2, max=MAX_CAPACITY, message=_l("Choose from 2 to %(max)d.", max=MAX_CAPACITY)
            ),
        ],
    )


class NewCircleForm(CircleForm):
    facilitator_name = display_name_field(
        _l("Your name in this circle"), 40, _l("Members see you under this name.")
    )
    checkins = BooleanField(
        _l("Turn on weekly check-ins"),
        default=True,
        description=_l(
            "Members answer a few short questions once a week; you see only anonymous figures "
            "for the whole circle. You can change this later."
        ),
    )


def invite_label_field() -> StringField:
    return StringField(
        _l("Name for this link (optional)"),
        validators=[Length(max=MAX_INVITE_LABEL)],
        filters=[strip_filter],
        description=_l("Only you and the circle's staff see it, for example “for Maria”."),
    )


class CircleInviteForm(InviteLinkFormMixin, Form):
    label = invite_label_field()


class SendInvitationsForm(Form):
    emails = TextAreaField(
        _l("Email addresses"),
        validators=[DataRequired(message=_l("Enter at least one email address."))],
        description=_l(
            "One or several, separated by commas or on separate lines. Each address gets a link "
            "of its own that only it can use."
        ),
    )
    days = IntegerField(
        _l("Links valid for (days)"),
        default=14,
        validators=[
            InputRequired(message=_l("Enter a number of days.")),
            NumberRange(min=1, max=90, message=_l("Choose from 1 to 90 days.")),
        ],
    )


class JoinForm(Form):
    accept = BooleanField(
        _l("I have read the circle agreement and accept it"),
        validators=[
            DataRequired(message=_l("Please read the agreement and tick the box to accept it."))
        ],
    )
    display_name = display_name_field(
        _l("Your name in this circle"),
        40,
        _l("A first name or a pseudonym. It is all other members will see of you."),
    )


class CoFacilitatorForm(Form):
    user_id = SelectField(_l("Team member"), coerce=int, validate_choice=False)
    display_name = StringField(
        _l("Their name in this circle (optional)"),
        validators=[Length(max=40)],
        filters=[strip_filter],
        description=_l("Leave empty to use their account name."),
    )

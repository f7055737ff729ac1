"""Circle forms."""

from __future__ import annotations

from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from circles.forms import Form, InviteLinkFormMixin, display_name_field, strip_filter
from circles.groups.models import MAX_CAPACITY

CIRCLE_NAME_HELP = "Shown to members. A neutral name keeps things discreet on shared screens."

DEFAULT_AGREEMENT = """\
What is shared in the circle stays in the circle. We do not repeat anyone's story outside it.
We speak from our own experience and listen without fixing, advising or judging.
Anyone may pass on any prompt, at any time, without explaining why.
This circle is peer support, not therapy or emergency care. If you are in crisis, use the
"Need help now?" link or contact your clinician.
We arrive on time when we can, and let the facilitator know when we cannot."""


class CircleForm(Form):
    name = StringField(
        "Circle name",
        validators=[DataRequired(message="Enter a name for the circle."), Length(max=120)],
        filters=[strip_filter],
        description=CIRCLE_NAME_HELP,
    )
    description = TextAreaField(
        "Description", validators=[Length(max=2000)], filters=[strip_filter]
    )
    agreement = TextAreaField(
        "Circle agreement",
        default=DEFAULT_AGREEMENT,
        validators=[DataRequired(message="Write the agreement members accept."), Length(max=5000)],
        filters=[strip_filter],
        description="Every member reads and accepts this before joining.",
    )
    capacity = IntegerField(
        "Capacity (members)",
        default=10,
        validators=[
            InputRequired(message="Enter how many members the circle takes."),
            NumberRange(min=2, max=MAX_CAPACITY, message=f"Choose from 2 to {MAX_CAPACITY}."),
        ],
    )


class NewCircleForm(CircleForm):
    facilitator_name = display_name_field(
        "Your name in this circle", 40, "Members see you under this name."
    )


class CircleInviteForm(InviteLinkFormMixin, Form):
    pass


class JoinForm(Form):
    accept = BooleanField(
        "I have read the circle agreement and accept it",
        validators=[
            DataRequired(message="Please read the agreement and tick the box to accept it.")
        ],
    )
    display_name = display_name_field(
        "Your name in this circle",
        40,
        "A first name or a pseudonym. It is all other members will see of you.",
    )


class CoFacilitatorForm(Form):
    user_id = SelectField("Team member", coerce=int, validate_choice=False)
    display_name = StringField(
        "Their name in this circle (optional)",
        validators=[Length(max=40)],
        filters=[strip_filter],
        description="Leave empty to use their account name.",
    )

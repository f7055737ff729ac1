"""Forms for downloading one's data and deleting one's account."""

from __future__ import annotations

from wtforms import BooleanField, PasswordField
from wtforms.validators import DataRequired, Length

from circles.accounts.forms import PASSWORD_MAX
from circles.forms import Form


class EraseAccountForm(Form):
    password = PasswordField(
        "Your password",
        validators=[DataRequired(message="Enter your password."), Length(max=PASSWORD_MAX)],
        description="So that nobody else who finds this page open can delete your account.",
    )
    understood = BooleanField(
        "I understand that my account and what it holds are deleted for good",
        validators=[DataRequired(message="Tick the box to confirm.")],
    )

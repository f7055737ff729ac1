"""Forms for downloading one's data and deleting one's account."""

from __future__ import annotations

from wtforms import BooleanField, PasswordField
from wtforms.validators import DataRequired, Length

from circles.accounts.forms import PASSWORD_MAX
from circles.forms import Form
from circles.i18n import lazy_gettext as _l


class EraseAccountForm(Form):
    password = PasswordField(
        _l("Your password"),
        validators=[DataRequired(message=_l("Enter your password.")), Length(max=PASSWORD_MAX)],
        description=_l("So that nobody else who finds this page open can delete your account."),
    )
    understood = BooleanField(
        _l("I understand that my account and what it holds are deleted for good"),
        validators=[DataRequired(message=_l("Tick the box to confirm."))],
    )

"""Account forms."""

from __future__ import annotations

from wtforms import EmailField, PasswordField, RadioField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from circles.forms import Form, display_name_field, strip_filter, timezone_field
from circles.i18n import LANGUAGES
from circles.i18n import gettext as _
from circles.i18n import lazy_gettext as _l

PASSWORD_MIN = 10
PASSWORD_MAX = 200


def _email_field() -> EmailField:
    return EmailField(
        _l("Email"),
        validators=[
            DataRequired(message=_l("Enter your email address.")),
            Length(max=254),
            Email(
                message=_l("Enter a valid email address, like name@example.org."),
                check_deliverability=False,
            ),
        ],
        filters=[strip_filter],
    )


def _new_password_field(label: str | None = None) -> PasswordField:
    return PasswordField(
        label if label is not None else _l("Password"),
        validators=[
            DataRequired(message=_l("Choose a password.")),
            Length(
                min=PASSWORD_MIN,
                max=PASSWORD_MAX,
                message=_l(
                    "Use between %(min)d and %(max)d characters.",
                    min=PASSWORD_MIN,
                    max=PASSWORD_MAX,
                ),
            ),
        ],
        description=_l(
            "At least %(min)d characters. A few unrelated words work well.", min=PASSWORD_MIN
        ),
    )


def _confirm_field(other: str) -> PasswordField:
    return PasswordField(
        _l("Repeat the password"),
        validators=[
            DataRequired(message=_l("Repeat the password.")),
            EqualTo(other, _l("The passwords differ.")),
        ],
    )


class SignupForm(Form):
    display_name = display_name_field(
        _l("Your name"),
        80,
        _l("How we greet you. Each circle asks separately what to call you there."),
    )
    email = _email_field()
    password = _new_password_field()
    confirm = _confirm_field("password")
    timezone = timezone_field()
    account_kind = RadioField(
        _l("I am here to"),
        choices=[
            SelectChoice("member", _l("Join a circle I was invited to")),
            SelectChoice("facilitator", _l("Host circles as a facilitator")),
        ],
        default="member",
        validators=[DataRequired(message=_l("Choose why you are signing up."))],
    )


class ConfirmSignupForm(Form):
    """The password chosen at sign-up: only whoever chose it can make the account with it."""

    password = PasswordField(
        _l("The password you chose"),
        validators=[DataRequired(message=_l("Enter your password.")), Length(max=PASSWORD_MAX)],
        description=_l("The one you typed when you signed up."),
    )


class LoginForm(Form):
    email = _email_field()
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(message=_l("Enter your password.")), Length(max=PASSWORD_MAX)],
    )


class ForgotPasswordForm(Form):
    email = _email_field()


class ResetPasswordForm(Form):
    password = _new_password_field(_l("New password"))
    confirm = _confirm_field("password")


class ProfileForm(Form):
    display_name = display_name_field(_l("Your name"), 80)
    timezone = timezone_field()
    language = SelectField(
        _l("Language"),
        choices=[SelectChoice("", _l("The one my browser asks for"))]
        + [SelectChoice(code, language.name) for code, language in LANGUAGES.items()],
        default="",
        description=_l("For these pages and the mail Circles sends you."),
    )


class ChangePasswordForm(Form):
    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(message=_l("Enter your current password."))],
    )
    password = _new_password_field(_l("New password"))
    confirm = _confirm_field("password")


# --- Two-step sign-in -------------------------------------------------------------------------

#: Long enough for a recovery code typed with spaces; anything longer is not a code.
CODE_MAX = 32


def _app_code_field(label: str, description: str = "") -> StringField:
    return StringField(
        label,
        validators=[
            DataRequired(message=_l("Enter the 6-digit code from your app.")),
            Length(max=CODE_MAX, message=_l("A code has 6 digits.")),
        ],
        filters=[strip_filter],
        description=description,
    )


def _current_password_field() -> PasswordField:
    return PasswordField(
        _l("Your password"),
        validators=[
            DataRequired(message=_l("Enter your password.")),
            Length(max=PASSWORD_MAX),
        ],
    )


class SecondStepForm(Form):
    """The second step of logging in: a code from the app, or else a recovery code."""

    code = StringField(
        _l("6-digit code"),
        validators=[Optional(), Length(max=CODE_MAX, message=_l("A code has 6 digits."))],
        filters=[strip_filter],
        description=_l("Open your authenticator app and enter the code it shows for Circles."),
    )
    recovery_code = StringField(
        _l("Recovery code"),
        validators=[
            Optional(),
            Length(max=CODE_MAX, message=_l("A recovery code has 10 characters.")),
        ],
        filters=[strip_filter],
        description=_l("One of the codes you saved when you set up two-step sign-in."),
    )

    def validate(self, extra_validators: object = None) -> bool:
        valid: bool = super().validate(extra_validators)  # type: ignore[arg-type]
        if valid and not (self.code.data or self.recovery_code.data):
            self.code.errors = [*self.code.errors, _("Enter the 6-digit code from your app.")]
            return False
        return valid

    @property
    def entered(self) -> str:
        return str(self.code.data or self.recovery_code.data or "")


class ConfirmAppForm(Form):
    code = _app_code_field(
        _l("Code from your app"),
        _l("The 6 digits your app shows for Circles now. They change every 30 seconds."),
    )


class RecoveryCodesForm(Form):
    password = _current_password_field()


class PasswordAndCodeForm(Form):
    password = _current_password_field()
    code = StringField(
        _l("Code from your app, or a recovery code"),
        validators=[
            DataRequired(message=_l("Enter the code from your app, or a recovery code.")),
            Length(max=CODE_MAX, message=_l("That is longer than any code.")),
        ],
        filters=[strip_filter],
    )

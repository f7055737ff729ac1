"""Account forms."""

from __future__ import annotations

from wtforms import EmailField, PasswordField, RadioField, SelectChoice, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from circles.forms import Form, display_name_field, strip_filter, timezone_field

PASSWORD_MIN = 10
PASSWORD_MAX = 200


def _email_field() -> EmailField:
    return EmailField(
        "Email",
        validators=[
            DataRequired(message="Enter your email address."),
            Length(max=254),
            Email(
                message="Enter a valid email address, like name@example.org.",
                check_deliverability=False,
            ),
        ],
        filters=[strip_filter],
    )


def _new_password_field(label: str = "Password") -> PasswordField:
    return PasswordField(
        label,
        validators=[
            DataRequired(message="Choose a password."),
            Length(
                min=PASSWORD_MIN,
                max=PASSWORD_MAX,
                message=f"Use between {PASSWORD_MIN} and {PASSWORD_MAX} characters.",
            ),
        ],
        description=f"At least {PASSWORD_MIN} characters. A few unrelated words work well.",
    )


def _confirm_field(other: str) -> PasswordField:
    return PasswordField(
        "Repeat the password",
        validators=[
            DataRequired(message="Repeat the password."),
            EqualTo(other, "The passwords differ."),
        ],
    )


class SignupForm(Form):
    display_name = display_name_field(
        "Your name", 80, "How we greet you. Each circle asks separately what to call you there."
    )
    email = _email_field()
    password = _new_password_field()
    confirm = _confirm_field("password")
    timezone = timezone_field()
    account_kind = RadioField(
        "I am here to",
        choices=[
            SelectChoice("member", "Join a circle I was invited to"),
            SelectChoice("facilitator", "Host circles as a facilitator"),
        ],
        default="member",
        validators=[DataRequired(message="Choose why you are signing up.")],
    )


class ConfirmSignupForm(Form):
    """The password chosen at sign-up: only whoever chose it can make the account with it."""

    password = PasswordField(
        "The password you chose",
        validators=[DataRequired(message="Enter your password."), Length(max=PASSWORD_MAX)],
        description="The one you typed when you signed up.",
    )


class LoginForm(Form):
    email = _email_field()
    password = PasswordField(
        "Password",
        validators=[DataRequired(message="Enter your password."), Length(max=PASSWORD_MAX)],
    )


class ForgotPasswordForm(Form):
    email = _email_field()


class ResetPasswordForm(Form):
    password = _new_password_field("New password")
    confirm = _confirm_field("password")


class ProfileForm(Form):
    display_name = display_name_field("Your name", 80)
    timezone = timezone_field()


class ChangePasswordForm(Form):
    current_password = PasswordField(
        "Current password", validators=[DataRequired(message="Enter your current password.")]
    )
    password = _new_password_field("New password")
    confirm = _confirm_field("password")


# --- Two-step sign-in -------------------------------------------------------------------------

#: Long enough for a recovery code typed with spaces; anything longer is not a code.
CODE_MAX = 32


def _app_code_field(label: str, description: str = "") -> StringField:
    return StringField(
        label,
        validators=[
            DataRequired(message="Enter the 6-digit code from your app."),
            Length(max=CODE_MAX, message="A code has 6 digits."),
        ],
        filters=[strip_filter],
        description=description,
    )


def _current_password_field() -> PasswordField:
    return PasswordField(
        "Your password",
        validators=[
            DataRequired(message="Enter your password."),
            Length(max=PASSWORD_MAX),
        ],
    )


class SecondStepForm(Form):
    """The second step of logging in: a code from the app, or else a recovery code."""

    code = StringField(
        "6-digit code",
        validators=[Optional(), Length(max=CODE_MAX, message="A code has 6 digits.")],
        filters=[strip_filter],
        description="Open your authenticator app and enter the code it shows for Circles.",
    )
    recovery_code = StringField(
        "Recovery code",
        validators=[
            Optional(),
            Length(max=CODE_MAX, message="A recovery code has 10 characters."),
        ],
        filters=[strip_filter],
        description="One of the codes you saved when you set up two-step sign-in.",
    )

    def validate(self, extra_validators: object = None) -> bool:
        valid: bool = super().validate(extra_validators)  # type: ignore[arg-type]
        if valid and not (self.code.data or self.recovery_code.data):
            self.code.errors = [*self.code.errors, "Enter the 6-digit code from your app."]
            return False
        return valid

    @property
    def entered(self) -> str:
        return str(self.code.data or self.recovery_code.data or "")


class ConfirmAppForm(Form):
    code = _app_code_field(
        "Code from your app",
        "The 6 digits your app shows for Circles now. They change every 30 seconds.",
    )


class RecoveryCodesForm(Form):
    password = _current_password_field()


class PasswordAndCodeForm(Form):
    password = _current_password_field()
    code = StringField(
        "Code from your app, or a recovery code",
        validators=[
            DataRequired(message="Enter the code from your app, or a recovery code."),
            Length(max=CODE_MAX, message="That is longer than any code."),
        ],
        filters=[strip_filter],
    )

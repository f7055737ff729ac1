"""Account forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, RadioField, SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length

from circles.forms import display_name_field, strip_filter, timezone_field

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


class SignupForm(FlaskForm):
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


class LoginForm(FlaskForm):
    email = _email_field()
    password = PasswordField(
        "Password",
        validators=[DataRequired(message="Enter your password."), Length(max=PASSWORD_MAX)],
    )


class ForgotPasswordForm(FlaskForm):
    email = _email_field()


class ResetPasswordForm(FlaskForm):
    password = _new_password_field("New password")
    confirm = _confirm_field("password")


class ProfileForm(FlaskForm):
    display_name = display_name_field("Your name", 80)
    timezone = timezone_field()


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        "Current password", validators=[DataRequired(message="Enter your current password.")]
    )
    password = _new_password_field("New password")
    confirm = _confirm_field("password")

"""Account pages."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from circles.accounts import bp, services
from circles.accounts.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    ProfileForm,
    ResetPasswordForm,
    SignupForm,
)
from circles.accounts.models import User
from circles.exceptions import ServiceError
from circles.extensions import db, limiter
from circles.forms import ConfirmForm
from circles.live.events import disconnect_user
from circles.mail import send_mail
from circles.security import safe_next_url
from circles.urls import external_url


def _login_limit_per_ip() -> str:
    return str(current_app.config["CIRCLES_LOGIN_LIMIT_PER_IP"])


def _login_limit_per_account() -> str:
    return str(current_app.config["CIRCLES_LOGIN_LIMIT_PER_ACCOUNT"])


def _account_key() -> str:
    return "login-account:" + services.normalise_email(request.form.get("email", ""))


def _account_and_address_key() -> str:
    return f"{_account_key()}:{get_remote_address()}"


def _login_limit_per_account_and_address() -> str:
    return str(current_app.config["CIRCLES_LOGIN_LIMIT_PER_ACCOUNT_AND_IP"])


def _user_key() -> str:
    return f"user:{current_user.id}"


def _login_failed(response: Response) -> bool:
    # A successful login redirects; only failed attempts use up the per-account allowance.
    return response.status_code != 302


def _log_in(user: User) -> None:
    session.clear()
    services.start_session(user)
    login_user(user)
    session.permanent = True


def _next_url() -> str:
    return safe_next_url(request.args.get("next")) or url_for("main.home")


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
def signup() -> Response | str:
    if current_user.is_authenticated:
        return redirect(_next_url())
    form = SignupForm()
    if request.method == "GET" and request.args.get("next"):
        form.account_kind.data = "member"
    if form.validate_on_submit():
        try:
            user = services.create_user(
                form.email.data, form.password.data, form.display_name.data, form.timezone.data
            )
        except ServiceError as error:
            form.email.errors.append(error.message)
        else:
            if form.account_kind.data == "facilitator":
                services.create_personal_org(user)
            _log_in(user)
            db.session.commit()
            flash("Welcome to Circles. Your account is ready.", "success")
            return redirect(_next_url())
    return render_template(
        "accounts/signup.html", form=form, next=safe_next_url(request.args.get("next"))
    )


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit_per_ip, methods=["POST"])
@limiter.limit(
    _login_limit_per_account_and_address,
    key_func=_account_and_address_key,
    methods=["POST"],
    deduct_when=_login_failed,
)
@limiter.limit(
    _login_limit_per_account, key_func=_account_key, methods=["POST"], deduct_when=_login_failed
)
def login() -> Response | str:
    if current_user.is_authenticated:
        return redirect(_next_url())
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            _log_in(user)
            db.session.commit()
            return redirect(_next_url())
        form.form_errors.append("That email and password do not match an account.")
    return render_template(
        "accounts/login.html", form=form, next=safe_next_url(request.args.get("next"))
    )


@bp.post("/logout")
@login_required
def logout() -> Response:
    form = ConfirmForm()
    if form.validate_on_submit():
        services.end_session(current_user)
        db.session.commit()
        disconnect_user(current_user.id)  # open live rooms close with the login
        logout_user()
        session.clear()
        flash("You are logged out.", "info")
    return redirect(url_for("main.home"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def forgot_password() -> Response | str:
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        user = services.find_user_by_email(form.email.data)
        if user is not None:
            link = external_url("accounts.reset_password", token=services.make_reset_token(user))
            send_mail(
                user.email,
                "Reset your Circles password",
                "Someone asked to reset the password of your Circles account.\n\n"
                f"To choose a new password, open this link within an hour:\n{link}\n\n"
                "If it was not you, ignore this message; your password stays as it is.",
            )
        flash(
            "If an account uses that address, we have sent it a link to reset the password. "
            "The link works for one hour.",
            "info",
        )
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
def reset_password(token: str) -> Response | str:
    user = services.user_for_reset_token(token)
    if user is None:
        return render_template("accounts/reset_invalid.html"), 404  # type: ignore[return-value]
    form = ResetPasswordForm()
    if form.validate_on_submit():
        services.change_password(user, form.password.data)
        session.clear()
        login_user(user)
        session.permanent = True
        db.session.commit()
        disconnect_user(user.id)
        flash(
            "Your password is changed and you are logged in. Other devices were logged out.",
            "success",
        )
        return redirect(url_for("main.home"))
    return render_template("accounts/reset_password.html", form=form)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def profile() -> Response | str:
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        services.update_profile(current_user, form.display_name.data, form.timezone.data)
        db.session.commit()
        flash("Your details are saved.", "success")
        return redirect(url_for("accounts.profile"))
    return render_template("accounts/profile.html", form=form)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
@limiter.limit("10 per hour", key_func=_user_key, methods=["POST"])
def change_password() -> Response | str:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not services.check_password(current_user, form.current_password.data):
            form.current_password.errors.append("That is not your current password.")
        else:
            user = current_user._get_current_object()
            services.change_password(user, form.password.data)
            session.clear()
            login_user(user)
            session.permanent = True
            db.session.commit()
            disconnect_user(user.id)
            flash("Your password is changed. Every other device was logged out.", "success")
            return redirect(url_for("accounts.profile"))
    return render_template("accounts/change_password.html", form=form)

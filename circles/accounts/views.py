"""Account pages."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user
from markupsafe import Markup
from werkzeug.wrappers import Response

from circles.accounts import bp, second_factor, services
from circles.accounts.forms import (
    ChangePasswordForm,
    ConfirmAppForm,
    ForgotPasswordForm,
    LoginForm,
    PasswordAndCodeForm,
    ProfileForm,
    RecoveryCodesForm,
    ResetPasswordForm,
    SecondStepForm,
    SignupForm,
)
from circles.accounts.models import User
from circles.db import utcnow
from circles.exceptions import ServiceError
from circles.extensions import db, limiter
from circles.forms import ConfirmForm
from circles.live.events import disconnect_user
from circles.mail import send_mail
from circles.security import safe_next_url
from circles.urls import external_url
from circles.web import show_error_on_form

#: The signed-session key of a login that passed the password and waits for its second step.
_SECOND_STEP_KEY = "second_step"
#: How long that half-done login may wait for its code.
SECOND_STEP_SECONDS = 300

#: What a person whose organisation requires two-step sign-in may still open before setting it
#: up: the set-up itself, logging out, crisis help, and what the server needs.
_OPEN_BEFORE_SET_UP = frozenset(
    {
        "static",
        "main.health",
        "main.crisis_help",
        "accounts.logout",
        "accounts.two_step",
        "accounts.start_two_step",
        "accounts.confirm_two_step",
    }
)


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


def _refused(response: Response) -> bool:
    # Forms answer 400 to a wrong code or password; only those use up the allowance.
    return response.status_code == 400


def _second_step_limit() -> str:
    return str(current_app.config["CIRCLES_SECOND_FACTOR_LIMIT_PER_ACCOUNT"])


def _second_step_key() -> str:
    pending = session.get(_SECOND_STEP_KEY)
    user_id = pending.get("u") if isinstance(pending, dict) else None
    who = user_id if isinstance(user_id, int) else get_remote_address()
    return f"second-step:{who}"


def _secret_key() -> str | bytes:
    return current_app.config["SECRET_KEY"]  # type: ignore[no-any-return]


def _log_in(user: User) -> None:
    session.clear()
    services.start_session(user)
    login_user(user)
    session.permanent = True


def _next_url() -> str:
    return safe_next_url(request.args.get("next")) or url_for("main.home")


def _begin_second_step(user: User) -> None:
    """Remember, in the signed session only, a login whose password was right; no login yet."""
    session.clear()
    session[_SECOND_STEP_KEY] = {
        "u": user.id,
        "p": services.password_fingerprint(user),
        "until": int(time.time()) + SECOND_STEP_SECONDS,
    }


def _second_step_user() -> User | None:
    """The person of a fresh half-done login; None once it expired or their password changed."""
    pending = session.get(_SECOND_STEP_KEY)
    if not isinstance(pending, dict):
        return None
    user_id, until = pending.get("u"), pending.get("until")
    if not isinstance(user_id, int) or not isinstance(until, int) or until < time.time():
        return None
    user = db.session.get(User, user_id)
    if user is None or pending.get("p") != services.password_fingerprint(user):
        return None
    return user


@bp.before_app_request
def _send_to_second_factor_set_up() -> Response | None:
    """Staff of an organisation that requires two-step sign-in set it up before anything else."""
    if request.endpoint is None or request.endpoint in _OPEN_BEFORE_SET_UP:
        return None  # checked first: static files never load the user
    if current_user.is_authenticated and current_user.second_factor_due:
        return redirect(url_for("accounts.two_step"))
    return None


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
        if user is not None and second_factor.is_enrolled(user.id):
            _begin_second_step(user)
            db.session.commit()  # a rehashed password is saved before its fingerprint is used
            return redirect(
                url_for("accounts.login_code", next=safe_next_url(request.args.get("next")))
            )
        if user is not None:
            _log_in(user)
            db.session.commit()
            return redirect(_next_url())
        form.form_errors.append("That email and password do not match an account.")
    return render_template(
        "accounts/login.html", form=form, next=safe_next_url(request.args.get("next"))
    )


@bp.route("/login/code", methods=["GET", "POST"])
@limiter.limit(_login_limit_per_ip, methods=["POST"])
@limiter.limit(
    _second_step_limit, key_func=_second_step_key, methods=["POST"], deduct_when=_refused
)
def login_code() -> Response | tuple[str, int]:
    if current_user.is_authenticated:
        return redirect(_next_url())
    user = _second_step_user()
    if user is None:
        session.pop(_SECOND_STEP_KEY, None)
        flash("Please log in again. The step after your password waits five minutes.", "info")
        return redirect(url_for("accounts.login", next=safe_next_url(request.args.get("next"))))
    form = SecondStepForm()
    if form.validate_on_submit():
        used = second_factor.verify_second_step(user, form.entered, _secret_key(), utcnow())
        if used is not None:
            _log_in(user)
            db.session.commit()
            if used == second_factor.CodeKind.RECOVERY:
                left = second_factor.recovery_codes_left(user.id)
                flash(
                    f"You used a recovery code; it will not work again. You have {left} left. "
                    "If your phone is lost, set up two-step sign-in again on your new one.",
                    "info",
                )
            return redirect(_next_url())
        wrong = form.recovery_code if form.recovery_code.data and not form.code.data else form.code
        wrong.errors = [*wrong.errors, second_factor.WRONG_CODE]
    status = 400 if form.errors else 200
    return render_template(
        "accounts/login_code.html",
        form=form,
        recovery_open=bool(form.recovery_code.errors),
        next=safe_next_url(request.args.get("next")),
    ), status


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
        if second_factor.is_enrolled(user.id):
            # The emailed link proves the mailbox, not the phone: the code is still asked for.
            services.set_password(user, form.password.data)
            db.session.commit()
            disconnect_user(user.id)
            _begin_second_step(user)
            flash(
                "Your password is changed and other devices were logged out. "
                "To finish logging in, enter the code from your authenticator app.",
                "success",
            )
            return redirect(url_for("accounts.login_code"))
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
    return render_template(
        "accounts/profile.html",
        form=form,
        second_factor_on=second_factor.is_enrolled(current_user.id),
    )


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


# --- Two-step sign-in -------------------------------------------------------------------------


#: Field-name prefixes of the two password forms on the two-step page (ids stay unique).
_CODES = "codes"
_CHANGE = "change"


def _render_second_factor(
    regenerate_form: RecoveryCodesForm | None = None,
    change_form: PasswordAndCodeForm | None = None,
    status: int = 200,
) -> tuple[str, int]:
    credential = second_factor.confirmed_credential(current_user.id)
    return render_template(
        "accounts/second_factor.html",
        credential=credential,
        set_up_begun=credential is None
        and second_factor.pending_secret(current_user.id, _secret_key()) is not None,
        codes_left=second_factor.recovery_codes_left(current_user.id) if credential else 0,
        codes_total=second_factor.RECOVERY_CODE_COUNT,
        requiring=second_factor.orgs_requiring(current_user.id),
        regenerate_form=regenerate_form or RecoveryCodesForm(formdata=None, prefix=_CODES),
        change_form=change_form or PasswordAndCodeForm(formdata=None, prefix=_CHANGE),
    ), status


def _render_recovery_codes(codes: list[str], first_time: bool) -> tuple[str, int]:
    return render_template("accounts/recovery_codes.html", codes=codes, first_time=first_time), 200


@bp.get("/account/two-step")
@login_required
def two_step() -> tuple[str, int]:
    return _render_second_factor()


@bp.post("/account/two-step/set-up")
@login_required
def start_two_step() -> Response:
    if ConfirmForm().validate_on_submit():
        try:
            second_factor.begin_enrolment(current_user, _secret_key())
        except ServiceError as error:
            db.session.rollback()
            flash(error.message, "info")
            return redirect(url_for("accounts.two_step"))
        db.session.commit()
    return redirect(url_for("accounts.confirm_two_step"))


@bp.route("/account/two-step/confirm", methods=["GET", "POST"])
@login_required
@limiter.limit("20 per hour", key_func=_user_key, methods=["POST"], deduct_when=_refused)
def confirm_two_step() -> Response | tuple[str, int]:
    secret = second_factor.pending_secret(current_user.id, _secret_key())
    if secret is None:
        return redirect(url_for("accounts.two_step"))
    form = ConfirmAppForm()
    if form.validate_on_submit():
        try:
            codes = second_factor.confirm_enrolment(
                current_user, form.code.data, _secret_key(), utcnow()
            )
        except ServiceError as error:
            show_error_on_form(form, error)
        else:
            db.session.commit()
            return _render_recovery_codes(codes, first_time=True)
    uri = second_factor.provisioning_uri(current_user, secret)
    return render_template(
        "accounts/second_factor_set_up.html",
        form=form,
        secret=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        qr_code=Markup(second_factor.qr_code_svg(uri, "QR code for your authenticator app")),  # noqa: S704 - SVG made by segno from our own URI
    ), 400 if form.errors else 200


@bp.post("/account/two-step/recovery-codes")
@login_required
@limiter.limit("10 per hour", key_func=_user_key, methods=["POST"], deduct_when=_refused)
def regenerate_recovery_codes() -> Response | tuple[str, int]:
    if not second_factor.is_enrolled(current_user.id):
        return redirect(url_for("accounts.two_step"))
    form = RecoveryCodesForm(prefix=_CODES)
    if form.validate_on_submit():
        if services.check_password(current_user, form.password.data):
            codes = second_factor.regenerate_recovery_codes(current_user, _secret_key())
            db.session.commit()
            return _render_recovery_codes(codes, first_time=False)
        form.password.errors = [*form.password.errors, "That is not your password."]
    return _render_second_factor(regenerate_form=form, status=400)


def _change_with_password_and_code(
    change: Callable[[User, str, str | bytes, datetime], object],
    done: str,
    category: str,
    then: str,
) -> Response | tuple[str, int]:
    """Turning off or moving two-step sign-in: the password, then a code, then ``change``."""
    if not second_factor.is_enrolled(current_user.id):
        return redirect(url_for("accounts.two_step"))
    form = PasswordAndCodeForm(prefix=_CHANGE)
    if form.validate_on_submit():
        if not services.check_password(current_user, form.password.data):
            form.password.errors = [*form.password.errors, "That is not your password."]
        else:
            try:
                change(current_user, form.code.data, _secret_key(), utcnow())
            except ServiceError as error:
                show_error_on_form(form, error)
            else:
                db.session.commit()
                flash(done, category)
                return redirect(url_for(then))
    return _render_second_factor(change_form=form, status=400)


@bp.post("/account/two-step/turn-off")
@login_required
@limiter.limit("10 per hour", key_func=_user_key, methods=["POST"], deduct_when=_refused)
def turn_off_two_step() -> Response | tuple[str, int]:
    return _change_with_password_and_code(
        second_factor.turn_off,
        "Two-step sign-in is off. Logging in now needs only your password.",
        "success",
        "accounts.two_step",
    )


@bp.post("/account/two-step/new-phone")
@login_required
@limiter.limit("10 per hour", key_func=_user_key, methods=["POST"], deduct_when=_refused)
def replace_two_step() -> Response | tuple[str, int]:
    return _change_with_password_and_code(
        second_factor.start_over,
        "Your old app and recovery codes no longer work. Set up the new phone now.",
        "info",
        "accounts.confirm_two_step",
    )

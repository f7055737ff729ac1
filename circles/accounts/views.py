"""Account pages: logging in and out, password reset and change, the profile."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, logout_user
from werkzeug.wrappers import Response

from circles import i18n, signals
from circles.accounts import bp, limits, reset, second_factor, services
from circles.accounts.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    ProfileForm,
    ResetPasswordForm,
    SecondStepForm,
)
from circles.accounts.pending import pending_invitation, take_pending_invitation
from circles.accounts.web import (
    begin_second_step,
    log_in,
    next_url,
    second_step_user,
    secret_key,
)
from circles.db import utcnow
from circles.extensions import db, limiter
from circles.forms import ConfirmForm
from circles.i18n import gettext as _
from circles.i18n import ngettext
from circles.security import safe_next_url

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


@bp.before_app_request
def _send_to_second_factor_set_up() -> Response | None:
    """Staff of an organisation that requires two-step sign-in set it up before anything else."""
    if request.endpoint is None or request.endpoint in _OPEN_BEFORE_SET_UP:
        return None  # checked first: static files never load the user
    if current_user.is_authenticated and current_user.second_factor_due:
        return redirect(url_for("accounts.two_step"))
    return None


@bp.route("/login", methods=["GET", "POST"])
# Failed logins only. From a browser that logged in to the account before, the per-device
# limit applies instead of the three for strangers (circles.accounts.devices).
@limiter.limit(
    limits.login_limit_per_ip,
    methods=["POST"],
    deduct_when=limits.login_failed,
    exempt_when=limits.from_known_device,
)
@limiter.limit(
    limits.login_limit_per_account_and_address,
    key_func=limits.account_and_address_key,
    methods=["POST"],
    deduct_when=limits.login_failed,
    exempt_when=limits.from_known_device,
)
@limiter.limit(
    limits.login_limit_per_account,
    key_func=limits.account_key,
    methods=["POST"],
    deduct_when=limits.login_failed,
    exempt_when=limits.from_known_device,
)
@limiter.limit(
    limits.login_limit_per_device,
    key_func=limits.device_key,
    methods=["POST"],
    deduct_when=limits.login_failed,
    exempt_when=limits.from_unknown_device,
)
def login() -> Response | str:
    if current_user.is_authenticated:
        return redirect(next_url())
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None and second_factor.is_enrolled(user.id):
            begin_second_step(user)
            db.session.commit()  # a rehashed password is saved before its fingerprint is used
            return redirect(
                url_for("accounts.login_code", next=safe_next_url(request.args.get("next")))
            )
        if user is not None:
            log_in(user)
            db.session.commit()
            return redirect(next_url())
        form.form_errors.append(_("That email and password do not match an account."))
    return render_template(
        "accounts/login.html",
        form=form,
        next=safe_next_url(request.args.get("next")),
        invited=pending_invitation() is not None,
    )


@bp.route("/login/code", methods=["GET", "POST"])
@limiter.limit(limits.login_limit_per_ip, methods=["POST"], deduct_when=limits.refused)
@limiter.limit(
    limits.second_step_limit,
    key_func=limits.second_step_key,
    methods=["POST"],
    deduct_when=limits.refused,
)
def login_code() -> Response | tuple[str, int]:
    if current_user.is_authenticated:
        return redirect(next_url())
    user = second_step_user()
    if user is None:
        session.pop(limits.SECOND_STEP_KEY, None)
        flash(_("Please log in again. The step after your password waits five minutes."), "info")
        return redirect(url_for("accounts.login", next=safe_next_url(request.args.get("next"))))
    form = SecondStepForm()
    if form.validate_on_submit():
        used = second_factor.verify_second_step(user, form.entered, secret_key(), utcnow())
        if used is not None:
            log_in(user)
            db.session.commit()
            if used == second_factor.CodeKind.RECOVERY:
                left = second_factor.recovery_codes_left(user.id)
                flash(
                    ngettext(
                        "You used a recovery code; it will not work again. You have %(num)d "
                        "left. If your phone is lost, set up two-step sign-in again on your "
                        "new one.",
                        "You used a recovery code; it will not work again. You have %(num)d "
                        "left. If your phone is lost, set up two-step sign-in again on your "
                        "new one.",
                        left,
                    ),
                    "info",
                )
            return redirect(next_url())
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
        ended = current_user.current_session
        services.end_session(current_user)
        db.session.commit()
        if ended is not None:  # this login's live sockets close with it, not other devices'
            signals.login_ended.send(current_user.id, token_hash=ended.token_hash)
        logout_user()
        language = session.get(i18n.SESSION_KEY)  # this browser's choice outlives the login
        session.clear()
        if language is not None:
            session[i18n.SESSION_KEY] = language
        flash(_("You are logged out."), "info")
    return redirect(url_for("main.home"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def forgot_password() -> Response | str:
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        reset.request_reset(form.email.data)
        flash(
            _(
                "If an account uses that address, we have sent it a link to reset the "
                "password. The link works for one hour."
            ),
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
            signals.logins_ended.send(user.id)
            begin_second_step(user)
            flash(
                _(
                    "Your password is changed and other devices were logged out. "
                    "To finish logging in, enter the code from your authenticator app."
                ),
                "success",
            )
            return redirect(url_for("accounts.login_code"))
        services.set_password(user, form.password.data)
        log_in(user)
        db.session.commit()
        signals.logins_ended.send(user.id)
        flash(
            _("Your password is changed and you are logged in. Other devices were logged out."),
            "success",
        )
        return redirect(take_pending_invitation() or url_for("main.home"))
    return render_template("accounts/reset_password.html", form=form)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def profile() -> Response | str:
    form = ProfileForm(obj=current_user)
    if form.language.data is None:  # an account that follows the browser: the first choice
        form.language.data = ""
    if form.validate_on_submit():
        services.update_profile(
            current_user, form.display_name.data, form.timezone.data, form.language.data or None
        )
        db.session.commit()
        # The setting speaks from now on, over an earlier choice made with the switcher.
        session.pop(i18n.SESSION_KEY, None)
        flash(_("Your details are saved."), "success")
        return redirect(url_for("accounts.profile"))
    return render_template(
        "accounts/profile.html",
        form=form,
        second_factor_on=second_factor.is_enrolled(current_user.id),
    )


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
@limiter.limit("10 per hour", key_func=limits.user_key, methods=["POST"])
def change_password() -> Response | str:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not services.check_password(current_user, form.current_password.data):
            form.current_password.errors.append(_("That is not your current password."))
        else:
            user = current_user._get_current_object()
            services.set_password(user, form.password.data)
            log_in(user)  # this browser stays trusted under the new password
            db.session.commit()
            signals.logins_ended.send(user.id)
            flash(_("Your password is changed. Every other device was logged out."), "success")
            return redirect(url_for("accounts.profile"))
    return render_template("accounts/change_password.html", form=form)

"""Two-step sign-in pages: setting it up, recovery codes, turning it off, moving to a new phone."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask import flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from markupsafe import Markup
from werkzeug.wrappers import Response

from circles.accounts import bp, second_factor, services
from circles.accounts.forms import ConfirmAppForm, PasswordAndCodeForm, RecoveryCodesForm
from circles.accounts.limits import refused, user_key
from circles.accounts.models import User
from circles.accounts.web import secret_key
from circles.db import utcnow
from circles.exceptions import ServiceError
from circles.extensions import db, limiter
from circles.forms import ConfirmForm
from circles.i18n import gettext as _
from circles.web import show_error_on_form

#: Field-name prefixes of the two password forms on the two-step page (ids stay unique).
_CODES = "codes"
_CHANGE = "change"


def _render_second_factor(
    regenerate_form: RecoveryCodesForm | None = None,
    change_form: PasswordAndCodeForm | None = None,
    status: int = 200,
) -> tuple[str, int]:
    credential = second_factor.confirmed_credential(current_user.id)
    requiring = second_factor.orgs_requiring(current_user.id)
    return render_template(
        "accounts/second_factor.html",
        credential=credential,
        set_up_begun=credential is None
        and second_factor.pending_secret(current_user.id, secret_key()) is not None,
        codes_left=second_factor.recovery_codes_left(current_user.id) if credential else 0,
        codes_total=second_factor.RECOVERY_CODE_COUNT,
        requiring=requiring,
        requiring_names=second_factor.org_names(requiring),
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
            second_factor.begin_enrolment(current_user, secret_key())
        except ServiceError as error:
            db.session.rollback()
            flash(error.message, "info")
            return redirect(url_for("accounts.two_step"))
        db.session.commit()
    return redirect(url_for("accounts.confirm_two_step"))


@bp.route("/account/two-step/confirm", methods=["GET", "POST"])
@login_required
@limiter.limit("20 per hour", key_func=user_key, methods=["POST"], deduct_when=refused)
def confirm_two_step() -> Response | tuple[str, int]:
    secret = second_factor.pending_secret(current_user.id, secret_key())
    if secret is None:
        return redirect(url_for("accounts.two_step"))
    form = ConfirmAppForm()
    if form.validate_on_submit():
        try:
            codes = second_factor.confirm_enrolment(
                current_user, form.code.data, secret_key(), utcnow()
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
        qr_code=Markup(second_factor.qr_code_svg(uri, _("QR code for your authenticator app"))),  # noqa: S704 - SVG made by segno from our own URI
    ), 400 if form.errors else 200


@bp.post("/account/two-step/recovery-codes")
@login_required
@limiter.limit("10 per hour", key_func=user_key, methods=["POST"], deduct_when=refused)
def regenerate_recovery_codes() -> Response | tuple[str, int]:
    if not second_factor.is_enrolled(current_user.id):
        return redirect(url_for("accounts.two_step"))
    form = RecoveryCodesForm(prefix=_CODES)
    if form.validate_on_submit():
        if services.check_password(current_user, form.password.data):
            codes = second_factor.regenerate_recovery_codes(current_user, secret_key())
            db.session.commit()
            return _render_recovery_codes(codes, first_time=False)
        form.password.errors = [*form.password.errors, _("That is not your password.")]
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
            form.password.errors = [*form.password.errors, _("That is not your password.")]
        else:
            try:
                change(current_user, form.code.data, secret_key(), utcnow())
            except ServiceError as error:
                show_error_on_form(form, error)
            else:
                db.session.commit()
                flash(done, category)
                return redirect(url_for(then))
    return _render_second_factor(change_form=form, status=400)


@bp.post("/account/two-step/turn-off")
@login_required
@limiter.limit("10 per hour", key_func=user_key, methods=["POST"], deduct_when=refused)
def turn_off_two_step() -> Response | tuple[str, int]:
    return _change_with_password_and_code(
        second_factor.turn_off,
        _("Two-step sign-in is off. Logging in now needs only your password."),
        "success",
        "accounts.two_step",
    )


@bp.post("/account/two-step/new-phone")
@login_required
@limiter.limit("10 per hour", key_func=user_key, methods=["POST"], deduct_when=refused)
def replace_two_step() -> Response | tuple[str, int]:
    return _change_with_password_and_code(
        second_factor.start_over,
        _("Your old app and recovery codes no longer work. Set up the new phone now."),
        "info",
        "accounts.confirm_two_step",
    )

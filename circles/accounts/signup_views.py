"""Sign-up pages: the form, "check your inbox", and the link that makes the account."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, session, url_for
from flask_login import current_user, logout_user
from werkzeug.wrappers import Response

from circles.accounts import bp, services, signup
from circles.accounts.forms import ConfirmSignupForm, SignupForm
from circles.accounts.pending import pending_invitation, take_pending_invitation
from circles.accounts.web import log_in, next_url
from circles.exceptions import ServiceError
from circles.extensions import db, limiter
from circles.i18n import gettext as _
from circles.security import safe_next_url
from circles.web import show_error_on_form

#: The signed-session key holding the address the last sign-up was sent to, for the next page.
_SENT_TO = "signup_sent_to"


@bp.route("/signup", methods=["GET", "POST"], endpoint="signup")
@limiter.limit("20 per hour", methods=["POST"])
def signup_form() -> Response | str:
    if current_user.is_authenticated:
        return redirect(next_url())
    form = SignupForm()
    # An invitation opened in this browser leads on too, from the header's "Sign up" as well.
    wanted_next = safe_next_url(request.args.get("next")) or pending_invitation()
    if request.method == "GET" and wanted_next:
        form.account_kind.data = "member"
    if form.validate_on_submit():
        signup.request_signup(
            form.email.data,
            form.password.data,
            form.display_name.data,
            form.timezone.data,
            facilitator=form.account_kind.data == "facilitator",
            next_url=wanted_next,
        )
        db.session.commit()  # the mail leaves once this is committed
        session[_SENT_TO] = form.email.data.strip().lower()
        return redirect(url_for("accounts.signup_sent"))
    return render_template(
        "accounts/signup.html",
        form=form,
        next=wanted_next,
        invited=pending_invitation() is not None,
    )


@bp.get("/signup/check-your-inbox")
def signup_sent() -> str:
    email = session.get(_SENT_TO)
    return render_template(
        "accounts/signup_sent.html", email=email if isinstance(email, str) else None
    )


@bp.route("/signup/confirm/<token>", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
def confirm_signup(token: str) -> Response | tuple[str, int]:
    # Opening the link shows the form; only the password chosen at sign-up makes the account.
    # Mail scanners that open every link in a message neither use it up nor get logged in.
    pending = signup.pending_signup(token)
    if pending is None:
        return render_template("accounts/signup_invalid.html"), 404
    form = ConfirmSignupForm()
    if form.validate_on_submit():
        # Sealed in the sign-up (another browser may open the link), or opened in this one.
        wanted_next = safe_next_url(signup.destination(pending)) or pending_invitation()
        try:
            user = signup.confirm_signup(pending, form.password.data)
        except ServiceError as error:
            show_error_on_form(form, error)
        else:
            if user is None:
                db.session.commit()
                flash(_("This address has an account already. Please log in."), "info")
                return redirect(url_for("accounts.login", next=wanted_next))
            if current_user.is_authenticated:  # someone else's login in this browser ends
                services.end_session(current_user)
                logout_user()
            session.pop(_SENT_TO, None)
            log_in(user)
            take_pending_invitation()  # it leads on now, and only now
            db.session.commit()
            flash(
                _("Your email is confirmed and your account is ready. Welcome to Circles."),
                "success",
            )
            return redirect(wanted_next or url_for("main.home"))
    status = 400 if form.errors else 200
    return render_template("accounts/signup_confirm.html", form=form, email=pending.email), status

"""Your data: the export download, and deleting the account."""

from __future__ import annotations

import json

from flask import Blueprint, Response, render_template, request, session
from flask_login import current_user, login_required, logout_user

from circles import signals
from circles.accounts.services import check_password
from circles.db import empty_write_ahead_log, empty_write_ahead_log_soon, utcnow
from circles.exceptions import ServiceError
from circles.extensions import db, limiter
from circles.forms import ConfirmForm
from circles.i18n import gettext as _
from circles.i18n import language_for, speaking
from circles.mail import send_mail
from circles.rights import erasure, export
from circles.rights.forms import EraseAccountForm
from circles.web import show_error_on_form

bp = Blueprint("rights", __name__)


def _user_key() -> str:
    return f"user:{current_user.id}"


@bp.get("/account/data")
@login_required
def your_data() -> str:
    return render_template("rights/data.html", form=ConfirmForm())


@bp.post("/account/data")
@login_required
@limiter.limit("10 per hour", key_func=_user_key)
def download_data() -> Response | tuple[str, int]:
    form = ConfirmForm()
    if not form.validate_on_submit():
        return render_template("rights/data.html", form=form), 400
    now = utcnow()
    data = export.personal_data(current_user, now)
    export.record_export(current_user.id)
    db.session.commit()
    response = Response(
        # default=str: a label another package keeps translated lazily is written out as text.
        json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n",
        mimetype="application/json",
    )
    response.headers["Content-Disposition"] = (
        f'attachment; filename="circles-data-{now.date().isoformat()}.json"'
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
@limiter.limit("10 per hour", key_func=_user_key, methods=["POST"])
def delete_account() -> tuple[str, int]:
    blockers = erasure.blockers(current_user.id)
    if blockers:
        # Nothing to confirm yet: say what needs someone else first, and where to do it.
        status = 409 if request.method == "POST" else 200
        return render_template("rights/delete.html", blockers=blockers, form=None), status
    form = EraseAccountForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        if not check_password(user, form.password.data):
            form.password.errors.append(_("That is not your password."))
        else:
            user_id = user.id
            language = language_for(user)  # the goodbye speaks it; the setting goes with the rest
            try:
                erased = erasure.erase_account(user)
            except ServiceError as error:
                show_error_on_form(form, error)
            else:
                _say_goodbye(erased.email, language)  # queued; mailed once the erasure is committed
                db.session.commit()
                _after_erasure(user_id, erased)
                # The -wal holds copies of the pages the erasure wrote over: out with them now,
                # or (readers kept it busy) on a thread of its own in a moment.
                if not empty_write_ahead_log():
                    empty_write_ahead_log_soon()
                logout_user()
                session.clear()
                return render_template("rights/deleted.html"), 200
    status = 400 if request.method == "POST" else 200
    return render_template("rights/delete.html", blockers=[], form=form), status


def _after_erasure(user_id: int, erased: erasure.Erasure) -> None:
    """Close the person's live sockets, show the rooms they were in without them."""
    signals.account_erased.send(
        user_id, sockets=erased.live_sockets, sessions=sorted(erased.live_rooms)
    )


def _say_goodbye(email: str, language: str) -> None:
    with speaking(language):
        send_mail(
            email,
            _("Your Circles account is deleted"),
            _(
                "Your Circles account has been deleted, as you asked.\n\n"
                "Your profile, your circle memberships and everything kept under your name are "
                "gone. Anonymous check-ins stay in your circles' totals; they were never linked "
                "to you.\n\n"
                "This is the last message Circles sends to this address."
            ),
        )

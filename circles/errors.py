"""Error pages that say what happened in plain words and leak nothing about the system."""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from circles.extensions import db
from circles.i18n import gettext as _
from circles.i18n import lazy_gettext as _l

log = logging.getLogger(__name__)

MESSAGES = {
    400: (_l("Something in that request was not right"), _l("Please go back and try again.")),
    403: (
        _l("That is not open to you"),
        _l("Your role here does not include this page or action."),
    ),
    404: (
        _l("We could not find that page"),
        _l("It may have moved, or the link may be incomplete."),
    ),
    405: (_l("That did not work"), _l("Please go back and try again.")),
    410: (_l("That link no longer works"), _l("Ask the person who sent it for a new one.")),
    413: (_l("That was too much to send at once"), _l("Please shorten it and try again.")),
    429: (
        _l("Too many attempts"),
        _l(
            "For your safety we have paused this for a little while. "
            "Please wait a few minutes and try again."
        ),
    ),
    500: (
        _l("Something went wrong on our side"),
        _l("Nothing you did caused this. Please try again in a moment."),
    ),
}


def _render(status: int) -> tuple[str, int]:
    title, detail = MESSAGES.get(status, MESSAGES[400 if status < 500 else 500])
    return render_template("errors/error.html", status=status, title=title, detail=detail), status


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[str, int]:
        title = _("This form has expired")
        detail = _(
            "For your security, forms expire. Please go back, reload the page and try again."
        )
        return render_template("errors/error.html", status=400, title=title, detail=detail), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int]:
        return _render(error.code or 500)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception) -> tuple[str, int]:
        db.session.rollback()
        # Log the failure with the route and the error's type only: never its message or form
        # data, which may carry personal details.
        log.error("unhandled %s on %s %s", type(error).__name__, request.method, request.url_rule)
        return _render(InternalServerError.code)

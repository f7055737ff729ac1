"""Anonymised progress check-ins: the instrument, the check-in, private history and reports."""

from flask import Blueprint

bp = Blueprint("checkins", __name__)

from circles.checkins import report_views, views  # noqa: E402,F401

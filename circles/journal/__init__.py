"""The member's private journal (C9)."""

from flask import Blueprint

bp = Blueprint("journal", __name__)

from circles.journal import views  # noqa: E402,F401

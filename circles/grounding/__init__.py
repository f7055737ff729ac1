"""Grounding exercises, and what lets Circles be installed and open them offline (C9)."""

from flask import Blueprint

bp = Blueprint("grounding", __name__)

from circles.grounding import views  # noqa: E402,F401

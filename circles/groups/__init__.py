"""Circles and their membership."""

from flask import Blueprint

bp = Blueprint("groups", __name__)

from circles.groups import invitation_views, views  # noqa: E402,F401

"""Data rights: a person downloads everything Circles holds about them, or erases their account."""

from flask import Blueprint

bp = Blueprint("rights", __name__)

from circles.rights import views  # noqa: E402,F401

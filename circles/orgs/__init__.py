"""Organisations: settings, staff and roles."""

from flask import Blueprint

bp = Blueprint("orgs", __name__)

from circles.orgs import views  # noqa: E402,F401

"""Safety: private, non-anonymous requests for a facilitator to reach out."""

from flask import Blueprint

bp = Blueprint("safety", __name__)

from circles.safety import views  # noqa: E402,F401

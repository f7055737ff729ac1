"""Live sessions: the circle's shared-prompt room over Socket.IO."""

from flask import Blueprint

bp = Blueprint("live", __name__)

from circles.live import views  # noqa: E402,F401

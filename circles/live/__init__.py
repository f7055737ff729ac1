"""Live sessions: the circle's shared-prompt room over Socket.IO."""

from flask import Blueprint

bp = Blueprint("live", __name__)

# Its tables join the metadata with the package: the app factory imports it, nothing else does.
from circles.live import models, views  # noqa: E402,F401

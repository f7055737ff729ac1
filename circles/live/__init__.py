"""Live sessions: the circle's shared-prompt room over Socket.IO."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("live", __name__)

# Its tables join the metadata with the package: the app factory imports it, nothing else does.
from circles.live import models, views  # noqa: E402,F401


def init_app(app: Flask) -> None:
    """Register the live pages and build the app's Socket.IO server (its outermost layer)."""
    from circles.live.server import create_server

    app.register_blueprint(bp)
    create_server(app)

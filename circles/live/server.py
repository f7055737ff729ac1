"""The live room's Socket.IO server: one per app (tests build several apps)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from flask_socketio import SocketIO

from circles.live import transport, wire
from circles.live.events import register_live_events
from circles.live.queue import client_manager

#: The largest message a live client may send (Engine.IO's max_http_buffer_size).
PACKET_LIMIT = 64 * 1024


def origin_check(app: Flask) -> Callable[[str | None, dict[str, Any]], bool]:
    """Which page origins may open a socket, read per handshake from the app's settings."""

    def origin_allowed(origin: str | None, environ: dict[str, Any]) -> bool:
        if not origin:
            # Browsers always send an Origin with cross-site requests; clients that are not
            # browsers (tests, a future mobile app) send none and still need the login cookie.
            return True
        explicit = app.config["CIRCLES_ALLOWED_ORIGINS"] or (
            [app.config["CIRCLES_BASE_URL"]] if app.config["CIRCLES_BASE_URL"] else []
        )
        if explicit:
            return origin.rstrip("/") in explicit
        # No list configured (development): the page's own origin only, never any other.
        scheme = environ.get("HTTP_X_FORWARDED_PROTO") if app.config["CIRCLES_PROXY_HOPS"] else None
        own = f"{scheme or environ.get('wsgi.url_scheme', 'http')}://{environ.get('HTTP_HOST', '')}"
        return origin.rstrip("/") == own

    return origin_allowed


def create_server(app: Flask) -> SocketIO:
    """Build the app's Socket.IO server with the live namespace's handlers."""
    socketio = SocketIO(
        app,
        async_mode=app.config["CIRCLES_ASYNC_MODE"],
        # The Redis queue between processes, publishing apart from listening (see the module).
        client_manager=client_manager(app.config["CIRCLES_REDIS_URL"]),
        cors_allowed_origins=origin_check(app),
        max_http_buffer_size=PACKET_LIMIT,
        # Each socket's events run on its own reader, one after the other, instead of a new
        # greenlet (or thread) per event: events wait for their group commit there, and a
        # socket's events are handled in the order they were sent (docs/benchmarks.md).
        async_handlers=False,
        # The standard JSON with one decoder for every packet (see the module).
        json=wire,
        # Events whose data cannot be decoded are answered "invalid" (see the module).
        serializer=transport.LivePacket,
        logger=False,
        engineio_logger=False,
    )
    register_live_events(socketio, app, app.config["CIRCLES_LIVE_EVENT_LIMIT"])
    transport.refuse_malformed_events(socketio.server)
    # Outermost: a long-polling POST Engine.IO would refuse is answered before it reads it.
    app.wsgi_app = transport.PollingGuard(app.wsgi_app, PACKET_LIMIT)  # type: ignore[method-assign]
    return socketio

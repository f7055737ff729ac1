"""The handshake of a live socket: the login in its session cookie, read without a request.

Flask-SocketIO pushes a request context for a connect handler, and Flask-Login then loads the
user and their login through the ORM; together they cost more than the rest of opening a
socket (docs/benchmarks.md). The connect handler (:mod:`circles.live.events`) reads the cookie
here instead and checks the login with the others opening at the same moment
(:func:`circles.live.access.socket_logins`).
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature
from werkzeug.http import parse_cookie


def login_token(app: Flask, environ: dict[str, Any]) -> str | None:
    """The login token in a handshake's session cookie, read as Flask's session interface
    reads it (signature and age checked), and as Flask-Login takes it (``_user_id``).

    Without a request context: Flask-SocketIO pushes one for a connect handler, and Flask-Login
    then loads the user and their login through the ORM, which together cost more than the rest
    of opening a socket (docs/benchmarks.md). ``tests/live/test_socket_login.py`` fails if
    either library stops reading the cookie this way.
    """
    interface = app.session_interface
    if not isinstance(interface, SecureCookieSessionInterface):
        raise TypeError("live sockets read Flask's own signed-cookie sessions only")
    cookie = parse_cookie(environ.get("HTTP_COOKIE")).get(app.config["SESSION_COOKIE_NAME"])
    serializer = interface.get_signing_serializer(app)
    if not cookie or serializer is None:
        return None
    try:
        data = serializer.loads(cookie, max_age=int(app.permanent_session_lifetime.total_seconds()))
    except BadSignature:
        return None
    token = data.get("_user_id") if isinstance(data, dict) else None
    return token if isinstance(token, str) else None

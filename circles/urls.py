"""Ids in URLs, and absolute links for email built from CIRCLES_BASE_URL (never the Host header)."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, has_request_context, request
from flask.sansio.app import App
from werkzeug.routing import IntegerConverter

#: Largest id a URL may carry (PostgreSQL's integer); larger numbers are simply not found.
MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """``<id:name>``: a positive database id; anything out of range is a 404, not a 500."""

    def __init__(self, map: Any) -> None:
        super().__init__(map, min=1, max=MAX_ID)


def parse_id(value: str | None) -> int | None:
    """An id sent in a form or a query string, or None if it is not one (missing, not a number,
    out of range): to be treated as "not found", never passed to the database as it is."""
    if value is None or not value.isascii() or not value.isdigit() or len(value) > 10:
        return None
    number = int(value)
    return number if 1 <= number <= MAX_ID else None


#: Where links point when CIRCLES_BASE_URL is not set and no page has been served yet
#: (development only: production requires the setting).
DEVELOPMENT_BASE_URL = "http://127.0.0.1:5000"
#: The file in the instance folder where a development server notes the address it serves on,
#: for the job consumer (a process of its own, which never sees a request).
SERVED_AT_FILE = "served-base-url"
#: Where an app remembers the address it last noted (so that it writes the file once).
_NOTED = "circles_served_at"
_UNSPECIFIED_HOSTS = {"", "0.0.0.0", "::"}  # noqa: S104  (read, never bound)


def external_url(endpoint: str, **values: Any) -> str:
    """An absolute URL for mail and feeds, in a request or in a job or command.

    Built from ``CIRCLES_BASE_URL``, never from the request's Host header (or any
    X-Forwarded-Host): that is whatever the client sends, and a reset link must not point at a
    host an attacker named. Without the setting (development only), from the address the
    development server listens on (:func:`base_url`).
    """
    parts = urlsplit(base_url())
    adapter = current_app.url_map.bind(
        parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme
    )
    return adapter.build(endpoint, values, force_external=True)


def base_url() -> str:
    """``CIRCLES_BASE_URL``; in development without it, where the app is actually served.

    In a request, the server's own listening address (``SERVER_NAME`` and ``SERVER_PORT`` of the
    WSGI environment, which the development server fills from its socket, not from headers); in
    a job or command, the address the last development server noted in the instance folder.
    """
    configured: str | None = current_app.config.get("CIRCLES_BASE_URL")
    if configured:
        return configured
    if current_app.config.get("CIRCLES_PRODUCTION"):
        raise RuntimeError("CIRCLES_BASE_URL is required in production")
    if has_request_context():
        return served_at(request.environ)
    try:
        noted = _served_at_path().read_text().strip()
    except OSError:
        return DEVELOPMENT_BASE_URL
    return noted if noted.startswith(("http://", "https://")) else DEVELOPMENT_BASE_URL


def served_at(environ: dict[str, Any]) -> str:
    """The origin a WSGI server listens on, from its own address (an unspecified one, such as
    ``0.0.0.0``, as the loopback address)."""
    scheme = environ.get("wsgi.url_scheme") or "http"
    host = str(environ.get("SERVER_NAME") or "")
    host = "127.0.0.1" if host in _UNSPECIFIED_HOSTS else host
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"  # an IPv6 address
    port = str(environ.get("SERVER_PORT") or "")
    default = "443" if scheme == "https" else "80"
    return f"{scheme}://{host}" if port in ("", default) else f"{scheme}://{host}:{port}"


def _served_at_path() -> Path:
    return Path(current_app.instance_path) / SERVED_AT_FILE


def note_served_address() -> None:
    """Before each request in development without ``CIRCLES_BASE_URL``: note where this server
    listens in the instance folder (when it changed), so that mail the job consumer builds links
    to it too."""
    if current_app.config.get("CIRCLES_BASE_URL") or current_app.config.get("CIRCLES_PRODUCTION"):
        return
    origin = served_at(request.environ)
    if current_app.extensions.get(_NOTED) == origin:
        return
    try:
        path = _served_at_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(origin + "\n")
    except OSError:
        return  # a read-only instance folder: links from jobs keep the default
    current_app.extensions[_NOTED] = origin


def init_app(app: App) -> None:
    """Note the served address before requests (once per app, whoever calls this)."""
    if not app.extensions.get("circles_urls"):
        app.extensions["circles_urls"] = True
        app.before_request(note_served_address)

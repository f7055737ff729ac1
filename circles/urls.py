"""Absolute links for email, built from CIRCLES_BASE_URL when set (not from the Host header)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app, has_request_context, url_for
from werkzeug.routing import IntegerConverter

#: Largest id a URL may carry (PostgreSQL's integer); larger numbers are simply not found.
MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """``<id:name>``: a positive database id; anything out of range is a 404, not a 500."""

    def __init__(self, map: Any) -> None:
        super().__init__(map, min=1, max=MAX_ID)


#: Where links point from commands run outside a request when CIRCLES_BASE_URL is not set
#: (development only: production requires the setting).
DEVELOPMENT_BASE_URL = "http://127.0.0.1:5000"


def external_url(endpoint: str, **values: Any) -> str:
    """An absolute URL, in a request or in a command such as ``flask send-reminders``."""
    base = current_app.config.get("CIRCLES_BASE_URL")
    if has_request_context():
        if base:
            return f"{base}{url_for(endpoint, **values)}"
        return url_for(endpoint, _external=True, **values)
    parts = urlsplit(base or DEVELOPMENT_BASE_URL)
    adapter = current_app.url_map.bind(
        parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme
    )
    return adapter.build(endpoint, values, force_external=True)

"""Ids in URLs, and absolute links for email built from CIRCLES_BASE_URL (never the Host header)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app
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


#: Where links point when CIRCLES_BASE_URL is not set (development only: production requires the
#: setting, and ``make run`` sets it to the address it serves on).
DEVELOPMENT_BASE_URL = "http://127.0.0.1:5000"


def external_url(endpoint: str, **values: Any) -> str:
    """An absolute URL for mail and feeds, in a request or in a job or command.

    Always built from ``CIRCLES_BASE_URL``, never from the request: the Host header (and any
    X-Forwarded-Host) is whatever the client sends, and a reset link must not point at a host
    an attacker named.
    """
    parts = urlsplit(current_app.config.get("CIRCLES_BASE_URL") or DEVELOPMENT_BASE_URL)
    adapter = current_app.url_map.bind(
        parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme
    )
    return adapter.build(endpoint, values, force_external=True)

"""Absolute links for email, built from CIRCLES_BASE_URL when set (not from the Host header)."""

from __future__ import annotations

from typing import Any

from flask import current_app, url_for
from werkzeug.routing import IntegerConverter

#: Largest id a URL may carry (PostgreSQL's integer); larger numbers are simply not found.
MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """``<id:name>``: a positive database id; anything out of range is a 404, not a 500."""

    def __init__(self, map: Any) -> None:
        super().__init__(map, min=1, max=MAX_ID)


def external_url(endpoint: str, **values: Any) -> str:
    base = current_app.config.get("CIRCLES_BASE_URL")
    if base:
        return f"{base}{url_for(endpoint, **values)}"
    return url_for(endpoint, _external=True, **values)

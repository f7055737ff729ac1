"""Absolute links for email, built from CIRCLES_BASE_URL when set (not from the Host header)."""

from __future__ import annotations

from typing import Any

from flask import current_app, url_for


def external_url(endpoint: str, **values: Any) -> str:
    base = current_app.config.get("CIRCLES_BASE_URL")
    if base:
        return f"{base}{url_for(endpoint, **values)}"
    return url_for(endpoint, _external=True, **values)

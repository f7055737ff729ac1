"""Template helpers: times in the viewer's own zone, and shared form pieces."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask
from flask_login import current_user

from circles.forms import ConfirmForm


def local_time(value: datetime | None, fmt: str = "%-d %B %Y, %H:%M") -> str:
    """A UTC datetime shown in the viewer's zone, with the zone named."""
    if value is None:
        return ""
    zone_name = getattr(current_user, "timezone", None) or "UTC"
    local = value.astimezone(ZoneInfo(zone_name))
    return f"{local.strftime(fmt)} ({zone_name.replace('_', ' ')})"


def register_template_helpers(app: Flask) -> None:
    app.add_template_filter(local_time, "local_time")

    @app.context_processor
    def shared_forms() -> dict[str, object]:
        # The logout button in the header needs a CSRF token on every page.
        return {"logout_form": ConfirmForm()}

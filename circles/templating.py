"""Template helpers: times in the viewer's own zone, and shared form pieces."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from circles.forms import ConfirmForm


def local_time(value: datetime | None, fmt: str = "%-d %B %Y, %H:%M") -> str:
    """A UTC datetime shown in the viewer's zone, with the zone named."""
    if value is None:
        return ""
    zone_name = _viewer_zone()
    local = value.astimezone(ZoneInfo(zone_name))
    return f"{local.strftime(fmt)} ({zone_name.replace('_', ' ')})"


def _viewer_zone() -> str:
    return getattr(current_user, "timezone", None) or "UTC"


def meeting_time(start: datetime, end: datetime | None = None, zone_name: str | None = None) -> str:
    """Like "Tuesday 3 March 2026, 19:00 to 20:30 (Europe/London)", in the viewer's zone."""
    zone_name = zone_name or _viewer_zone()
    zone = ZoneInfo(zone_name)
    local_start = start.astimezone(zone)
    text = local_start.strftime("%A %-d %B %Y, %H:%M")
    if end is not None:
        local_end = end.astimezone(zone)
        same_day = local_end.date() == local_start.date()
        text += " to " + local_end.strftime("%H:%M" if same_day else "%A %-d %B %Y, %H:%M")
    return f"{text} ({zone_name.replace('_', ' ')})"


#: Web addresses in text an organisation wrote (crisis resources); only http(s) becomes a link.
URL_IN_TEXT = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)]")


def link_urls(text: str) -> Markup:
    """Escape text and turn the web addresses in it into links that open in a new tab."""
    parts = []
    position = 0
    for match in URL_IN_TEXT.finditer(text):
        parts.append(escape(text[position : match.start()]))
        parts.append(
            Markup('<a href="{0}" rel="noopener noreferrer" target="_blank">{0}</a>').format(
                match.group(0)
            )
        )
        position = match.end()
    parts.append(escape(text[position:]))
    return Markup("").join(parts)


def register_template_helpers(app: Flask) -> None:
    app.add_template_filter(local_time, "local_time")
    app.add_template_filter(link_urls, "link_urls")
    app.add_template_filter(meeting_time, "meeting_time")

    @app.template_global()
    def csrf_field() -> Markup:
        """The hidden CSRF input, without an id (pages hold several forms; ids must be unique)."""
        return Markup('<input type="hidden" name="csrf_token" value="{}">').format(generate_csrf())

    @app.context_processor
    def shared_forms() -> dict[str, object]:
        # The logout button in the header needs a CSRF token on every page; never the request's
        # body (which may be the reason for an error page: too large to read).
        return {"logout_form": ConfirmForm(formdata=None)}

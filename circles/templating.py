"""Template helpers: times in the viewer's own zone, shared form pieces, and the organisation
whose page this is (its name and accent colour in the header)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_interval, format_skeleton
from babel.numbers import format_decimal
from flask import Flask, g, has_request_context, request
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm.util import identity_key

from circles.extensions import db
from circles.forms import ConfirmForm


def _locale() -> str:
    return str(get_locale() or "en_GB")


def _clock(value: datetime) -> str:
    return format_skeleton("Hm", value, locale=_locale())


#: Styles that show a day without its time.
_DATE_ONLY = {"date": "long", "medium_date": "medium", "weekday_date": "weekday", "day": "day"}


def _date_part(value: datetime | date, style: str) -> str:
    locale = _locale()
    if style in ("full", "long", "medium"):
        return format_date(value, style, locale=locale)
    if style == "weekday":
        weekday = format_date(value, "EEEE", locale=locale)
        return f"{weekday}, {format_skeleton('MMMMd', value, locale=locale)}"
    if style == "short":
        return format_skeleton("MMMEd", value, locale=locale)
    if style == "day":
        return format_skeleton("MMMd", value, locale=locale)
    raise ValueError(f"unknown date style {style!r}")


def local_time(value: datetime | None, style: str = "long") -> str:
    """A UTC datetime in the viewer's zone and language, with the zone named.

    Styles with the time: ``full`` (with the weekday and year), ``long`` (day, month and
    year), ``weekday`` (weekday, day and month), ``short`` (abbreviated). Without it: ``date``
    (3 March 2026), ``medium_date`` (3 Mar 2026), ``weekday_date`` (Tuesday, 3 March) and
    ``day`` (3 Mar).
    """
    if value is None:
        return ""
    zone_name = _viewer_zone()
    local = value.astimezone(ZoneInfo(zone_name))
    if style in _DATE_ONLY:
        return _date_part(local, _DATE_ONLY[style])
    return f"{_date_part(local, style)}, {_clock(local)} ({zone_name.replace('_', ' ')})"


def _viewer_zone() -> str:
    return getattr(current_user, "timezone", None) or "UTC"


def meeting_time(start: datetime, end: datetime | None = None, zone_name: str | None = None) -> str:
    """Like "Tuesday, 3 March 2026, 19:00\u201320:30 (Europe/London)", in the viewer's zone and
    language (or the given zone: a mail to someone else)."""
    zone_name = zone_name or _viewer_zone()
    zone = ZoneInfo(zone_name)
    local_start = start.astimezone(zone)
    text = f"{_date_part(local_start, 'full')}, {_clock(local_start)}"
    if end is not None:
        local_end = end.astimezone(zone)
        if local_end.date() == local_start.date():
            times = format_interval(local_start, local_end, "Hm", locale=_locale())
            text = f"{_date_part(local_start, 'full')}, {times}"
        else:
            text += f" \u2013 {_date_part(local_end, 'full')}, {_clock(local_end)}"
    return f"{text} ({zone_name.replace('_', ' ')})"


def day(value: date | None, style: str = "medium") -> str:
    """A calendar day in the viewer's language: ``long`` (3 March 2026), ``medium`` (3 Mar
    2026), ``day`` (3 Mar) or ``short`` (Tue 3 Mar)."""
    if value is None:
        return ""
    return _date_part(value, style)


def day_range(first: date, last: date) -> str:
    """Two days as one span in the viewer's language ("2\u201329 Mar 2026")."""
    if first == last:
        return day(first)
    return format_interval(first, last, "yMMMd", locale=_locale())


def number(value: float | int, decimals: int | None = None) -> str:
    """A number in the viewer's language (1,5 in German), with this many decimals if given."""
    if decimals is None:
        return format_decimal(value, locale=_locale())
    pattern = "#,##0." + "0" * decimals if decimals else "#,##0"
    return format_decimal(value, format=pattern, locale=_locale())


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


@dataclass(frozen=True)
class PageOrg:
    """The organisation a page belongs to, as its header shows it."""

    id: int
    #: Empty for a personal organisation (named after its facilitator).
    name: str
    #: Its accent colour (``#rrggbb``), only when readable; None keeps Circles' own.
    accent: str | None


def page_org() -> PageOrg | None:
    """The organisation of the current page, from the URL's ``org_id`` or ``circle_id`` (a
    circle's pages, its meetings, live room, check-ins and support inbox); None on any other
    page. Once per request.

    Only pages the view let the person see ask for it (error pages leave it out), and the view
    has already loaded the organisation or the circle: it comes from the session's identity map,
    or at most one query by primary key.
    """
    if not has_request_context():
        return None
    if "page_org" not in g:
        g.page_org = _find_page_org()
    found: PageOrg | None = g.page_org
    return found


def _find_page_org() -> PageOrg | None:
    # Imported here: feature packages import this module for its filters.
    from circles.groups.models import Circle
    from circles.orgs import colours
    from circles.orgs.models import Organisation

    args = request.view_args or {}
    org_id, circle_id = args.get("org_id"), args.get("circle_id")
    if not current_user.is_authenticated:
        return None
    org: Organisation | None = None
    if isinstance(org_id, int):
        org = db.session.get(Organisation, org_id)
    elif isinstance(circle_id, int):
        circle = db.session.identity_map.get(identity_key(Circle, circle_id))
        if isinstance(circle, Circle):
            org = circle.org
        else:
            org = db.session.scalar(
                select(Organisation)
                .join(Circle, Circle.org_id == Organisation.id)
                .where(Circle.id == circle_id)
            )
    if org is None:
        return None
    readable = org.accent_colour is not None and colours.is_readable(org.accent_colour)
    # A personal organisation is named after the facilitator's account ("Alex Morgan's
    # practice"), a name members were never given: its pages show no name in the header.
    name = "" if org.personal else org.name
    return PageOrg(id=org.id, name=name, accent=org.accent_colour if readable else None)


def register_template_helpers(app: Flask) -> None:
    app.add_template_global(page_org, "page_org")
    app.add_template_filter(local_time, "local_time")
    app.add_template_filter(link_urls, "link_urls")
    app.add_template_filter(meeting_time, "meeting_time")
    app.add_template_filter(day, "day")
    app.add_template_filter(day_range, "day_range")
    app.add_template_filter(number, "number")

    @app.template_global()
    def csrf_field() -> Markup:
        """The hidden CSRF input, without an id (pages hold several forms; ids must be unique)."""
        return Markup('<input type="hidden" name="csrf_token" value="{}">').format(generate_csrf())

    @app.context_processor
    def shared_forms() -> dict[str, object]:
        # The logout button in the header needs a CSRF token on every page; never the request's
        # body (which may be the reason for an error page: too large to read).
        return {"logout_form": ConfirmForm(formdata=None)}

"""Rules the meeting forms and services share (kept free of other imports to avoid cycles)."""

from __future__ import annotations

import enum
from urllib.parse import urlsplit

from circles.exceptions import ServiceError
from circles.i18n import gettext as _
from circles.meetings.models import MAX_URL


def _bad_video_url() -> ServiceError:
    return ServiceError(
        _(
            "Enter the call link as a full https:// address, for example https://meet.example.org/abc."
        ),
        "video_url",
    )


class Scope(enum.StrEnum):
    """Which meetings of a series an edit or a cancellation applies to."""

    THIS = "this"
    FOLLOWING = "following"
    SERIES = "series"


def check_video_url(url: str) -> str:
    """A video-call link must be a plain https URL to a host; empty means none."""
    url = url.strip()
    if not url:
        return ""
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
    except ValueError:  # e.g. an unclosed "[" in the host
        raise _bad_video_url() from None
    if (
        len(url) > MAX_URL
        or parts.scheme != "https"
        or not hostname
        or "." not in hostname
        or any(c.isspace() for c in url)
        or parts.username
        or parts.password
    ):
        raise _bad_video_url()
    return url

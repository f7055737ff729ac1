"""Private calendar feeds: a secret link per person to their circles' meetings (iCalendar).

Functions only flush; the caller commits once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from circles.accounts.models import User
from circles.db import add_or_refuse
from circles.exceptions import ServiceError
from circles.extensions import db
from circles.groups.models import CircleMember
from circles.i18n import DEFAULT, LANGUAGES
from circles.i18n import gettext as _
from circles.meetings.models import (
    CalendarFeed,
    Meeting,
)


def feed_token(feed: CalendarFeed, secret_key: str | bytes) -> str | None:
    """The token in a feed's URL: the feed's id and an HMAC of its salt under the secret key.

    The database holds only the salt, so a copy of it cannot rebuild a URL; rotating the
    secret key retires every URL at once, and the owner's page then shows the new one.
    """
    if feed.salt is None:
        return None
    key = secret_key.encode() if isinstance(secret_key, str) else secret_key
    digest = hmac.new(key, f"calendar-feed:{feed.salt}".encode(), hashlib.sha256).hexdigest()
    return f"{feed.id}-{digest}"


def user_feed(user: User) -> CalendarFeed | None:
    return db.session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == user.id))


def regenerate_feed(user: User, secret_key: str | bytes) -> str:
    """Give a person a new feed URL; an earlier one stops working at once."""
    feed = user_feed(user)
    if feed is None:
        feed = CalendarFeed(user_id=user.id, show_circle_names=False)
        add_or_refuse(feed, _("Your calendar link changed a moment ago. Please try again."))
    feed.salt = secrets.token_urlsafe(32)
    db.session.flush()
    token = feed_token(feed, secret_key)
    assert token is not None
    return token


def revoke_feed(user: User) -> None:
    """Switch a person's feed off; calendar apps that subscribed get nothing more."""
    feed = user_feed(user)
    if feed is None or feed.salt is None:
        raise ServiceError(_("You have no calendar link to turn off."))
    feed.salt = None
    db.session.flush()


def set_feed_titles(user: User, show_circle_names: bool) -> None:
    """Choose neutral event titles ("Circle meeting") or the circles' names."""
    feed = user_feed(user)
    if feed is None:
        feed = CalendarFeed(user_id=user.id)
        add_or_refuse(feed, _("Your calendar settings changed a moment ago. Please try again."))
    feed.show_circle_names = show_circle_names
    db.session.flush()


def owner_language(feed: CalendarFeed) -> str:
    """The language a feed's texts are in: its owner's setting, else English (a calendar
    service fetches it, not the person)."""
    owner = db.session.get(User, feed.user_id)
    setting = owner.language if owner is not None else None
    return setting if setting in LANGUAGES else DEFAULT


def feed_by_token(token: str, secret_key: str | bytes) -> CalendarFeed | None:
    """The feed a URL token opens: it must be current and derived from today's secret key."""
    feed_id, _, digest = token.partition("-")
    if not feed_id.isdigit() or len(feed_id) > 10 or len(digest) != 64 or not digest.isascii():
        return None
    feed = db.session.get(CalendarFeed, int(feed_id))
    expected = feed_token(feed, secret_key) if feed is not None else None
    if expected is None or not hmac.compare_digest(expected, token):
        return None
    return feed


def feed_meetings(user_id: int, since: datetime) -> list[Meeting]:
    """Meetings of every circle a person is in now, from ``since`` on (left circles drop out)."""
    query = (
        select(Meeting)
        .join(CircleMember, CircleMember.circle_id == Meeting.circle_id)
        .join(Meeting.circle)
        .join(Meeting.series)
        .options(contains_eager(Meeting.circle), contains_eager(Meeting.series))
        .where(CircleMember.user_id == user_id, Meeting.ends_at > since)
        .order_by(Meeting.starts_at, Meeting.id)
    )
    return list(db.session.scalars(query))

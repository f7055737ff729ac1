"""Meetings: schedules, RSVPs, calendar feeds, reminders and the integration window."""

from flask import Blueprint

bp = Blueprint("meetings", __name__)

from circles.meetings import calendar_views, views, window_views  # noqa: E402,F401

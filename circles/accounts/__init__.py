"""Accounts: sign-up, login, password reset, profile, two-step sign-in."""

from flask import Blueprint

bp = Blueprint("accounts", __name__)

from circles.accounts import signup_views, two_step_views, views  # noqa: E402,F401

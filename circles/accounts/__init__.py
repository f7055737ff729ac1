"""Accounts: sign-up, login, password reset, profile, two-step sign-in."""

from flask import Blueprint

from circles import urls

bp = Blueprint("accounts", __name__)
# Development without CIRCLES_BASE_URL: the address served on is noted for mail built in jobs.
bp.record_once(lambda state: urls.init_app(state.app))

from circles.accounts import signup_views, two_step_views, views  # noqa: E402,F401

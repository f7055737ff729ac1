"""Accounts: sign-up, login, password reset, profile."""

from flask import Blueprint

bp = Blueprint("accounts", __name__)

from circles.accounts import views  # noqa: E402,F401

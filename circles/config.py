"""Settings from ``CIRCLES_*`` environment variables, with safe defaults for the embedded set-up."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from circles.redis_checks import fail_fast_options, is_redis_url

#: Secrets shorter than this are refused in production.
MIN_SECRET_LENGTH = 32


class ConfigError(RuntimeError):
    """The configuration is unsafe or incomplete; the app refuses to start."""


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def persisted_secret(instance_path: Path) -> str:
    """A random secret kept in the instance folder, made on first start (embedded default only)."""
    path = instance_path / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secret)
    return secret


def load_config(instance_path: str) -> dict[str, Any]:
    """Build the Flask config from the environment; raise :class:`ConfigError` when unsafe."""
    instance = Path(instance_path)
    production = os.environ.get("CIRCLES_ENV", "development").strip().lower() == "production"
    redis_url = os.environ.get("CIRCLES_REDIS_URL") or None
    ratelimit_uri = os.environ.get("CIRCLES_RATELIMIT_STORAGE_URI") or redis_url or "memory://"

    secret = os.environ.get("CIRCLES_SECRET_KEY", "")
    if production:
        if len(secret) < MIN_SECRET_LENGTH:
            # For the server's operator, at start-up: not translated.
            raise ConfigError(
                "CIRCLES_ENV=production needs CIRCLES_SECRET_KEY set to a random "
                f"value of at least {MIN_SECRET_LENGTH} characters (for example: python -c "
                "'import secrets; print(secrets.token_hex(32))')."  # untranslated: operator
            )
        if not os.environ.get("CIRCLES_BASE_URL"):
            raise ConfigError(
                "CIRCLES_ENV=production needs CIRCLES_BASE_URL "  # untranslated: operator
                "(e.g. https://circles.example.org) "
                "so that emailed links never depend on a request's Host header."
            )

    database_url = (
        os.environ.get("CIRCLES_DATABASE_URL") or f"sqlite:///{instance / 'circles.sqlite3'}"
    )

    return {
        "CIRCLES_PRODUCTION": production,
        "SECRET_KEY": secret,  # empty: create_app uses a persisted one
        # Secrets being rotated out: sessions signed and values sealed under them still open.
        "SECRET_KEY_FALLBACKS": [
            s.strip()
            for s in os.environ.get("CIRCLES_SECRET_KEY_FALLBACKS", "").split(",")
            if s.strip()
        ],
        "SQLALCHEMY_DATABASE_URI": database_url,
        # hide_parameters: database errors never carry the values (emails, names) into logs.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "hide_parameters": True},
        "CIRCLES_PROXY_HOPS": int(os.environ.get("CIRCLES_PROXY_HOPS", "0")),
        "CIRCLES_SESSION_MAX_DAYS": int(os.environ.get("CIRCLES_SESSION_MAX_DAYS", "30")),
        "CIRCLES_BASE_URL": (os.environ.get("CIRCLES_BASE_URL") or "").rstrip("/") or None,
        "CIRCLES_REDIS_URL": redis_url,
        # Sessions and cookies
        "SESSION_COOKIE_NAME": "circles_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _env_bool("CIRCLES_SECURE_COOKIES", production),
        "PERMANENT_SESSION_LIFETIME": int(os.environ.get("CIRCLES_SESSION_HOURS", "336")) * 3600,
        "REMEMBER_COOKIE_DURATION": 0,
        "WTF_CSRF_TIME_LIMIT": None,  # tied to the session instead of a clock
        # Request bodies: the longest form (a 5,000-character agreement in any script, percent-
        # encoded) is under 100 KiB; anything over 1 MiB is refused with a 413 before it is read.
        "MAX_CONTENT_LENGTH": 1024 * 1024,
        # Login throttling (Flask-Limiter). Should its Redis stop answering, the limits are
        # counted in this process's memory until it answers again (logins must not fail with
        # Redis), and no request waits on it for more than a moment.
        "RATELIMIT_STORAGE_URI": ratelimit_uri,
        "RATELIMIT_STORAGE_OPTIONS": fail_fast_options() if is_redis_url(ratelimit_uri) else {},
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,
        "RATELIMIT_HEADERS_ENABLED": False,
        "CIRCLES_LOGIN_LIMIT_PER_IP": os.environ.get(
            "CIRCLES_LOGIN_LIMIT_PER_IP", "20 per 10 minutes"
        ),
        # Failed logins for one email from one address, and for one email from anywhere (the
        # second is higher, so that a stranger cannot lock the owner out with a few guesses).
        "CIRCLES_LOGIN_LIMIT_PER_ACCOUNT_AND_IP": os.environ.get(
            "CIRCLES_LOGIN_LIMIT_PER_ACCOUNT_AND_IP", "5 per 10 minutes"
        ),
        "CIRCLES_LOGIN_LIMIT_PER_ACCOUNT": os.environ.get(
            "CIRCLES_LOGIN_LIMIT_PER_ACCOUNT", "30 per hour"
        ),
        # Failed logins for one account from a browser it logged in from before (the device
        # cookie): such a browser is held to this instead of the limits above, so strangers'
        # guesses never lock the owner out of their own devices (OWASP's device cookies).
        "CIRCLES_LOGIN_LIMIT_PER_DEVICE": os.environ.get(
            "CIRCLES_LOGIN_LIMIT_PER_DEVICE", "5 per 10 minutes"
        ),
        "CIRCLES_DEVICE_COOKIE_DAYS": int(os.environ.get("CIRCLES_DEVICE_COOKIE_DAYS", "365")),
        # Account mail (sign-up confirmations and notices, password resets) to one address,
        # whoever asks for it: no one can flood an inbox through the forms.
        "CIRCLES_ACCOUNT_MAIL_LIMIT": os.environ.get(
            "CIRCLES_ACCOUNT_MAIL_LIMIT", "3 per hour;10 per day"
        ),
        # How long the link in a sign-up confirmation mail works.
        "CIRCLES_SIGNUP_CONFIRM_HOURS": int(os.environ.get("CIRCLES_SIGNUP_CONFIRM_HOURS", "24")),
        # Wrong codes at the second step of logging in, per account (from any address).
        "CIRCLES_SECOND_FACTOR_LIMIT_PER_ACCOUNT": os.environ.get(
            "CIRCLES_SECOND_FACTOR_LIMIT_PER_ACCOUNT", "5 per 5 minutes;30 per day"
        ),
        # Mail
        "CIRCLES_MAIL_BACKEND": os.environ.get("CIRCLES_MAIL_BACKEND", "console"),
        "CIRCLES_MAIL_FROM": os.environ.get(
            "CIRCLES_MAIL_FROM",
            "Circles <no-reply@localhost>",  # untranslated: an address
        ),
        "CIRCLES_SMTP_HOST": os.environ.get("CIRCLES_SMTP_HOST", "localhost"),
        "CIRCLES_SMTP_PORT": int(os.environ.get("CIRCLES_SMTP_PORT", "587")),
        "CIRCLES_SMTP_USERNAME": os.environ.get("CIRCLES_SMTP_USERNAME") or None,
        "CIRCLES_SMTP_PASSWORD": os.environ.get("CIRCLES_SMTP_PASSWORD") or None,
        "CIRCLES_SMTP_STARTTLS": _env_bool("CIRCLES_SMTP_STARTTLS", True),
        # Password hashing (argon2id); tests lower the cost
        "CIRCLES_ARGON2_TIME_COST": int(os.environ.get("CIRCLES_ARGON2_TIME_COST", "3")),
        "CIRCLES_ARGON2_MEMORY_COST": int(os.environ.get("CIRCLES_ARGON2_MEMORY_COST", "65536")),
        "CIRCLES_PASSWORD_RESET_MAX_AGE": 3600,
        # Live sessions (Socket.IO)
        "CIRCLES_ASYNC_MODE": os.environ.get("CIRCLES_ASYNC_MODE", "threading"),
        # Origins allowed to open live sockets; empty: the site's own origin only.
        "CIRCLES_ALLOWED_ORIGINS": [
            o.strip().rstrip("/")
            for o in os.environ.get("CIRCLES_ALLOWED_ORIGINS", "").split(",")
            if o.strip()
        ],
        "CIRCLES_LIVE_EVENT_LIMIT": os.environ.get(
            "CIRCLES_LIVE_EVENT_LIMIT", "20 per second;300 per minute"
        ),
        # The same, per person across all their sockets (so that many sockets earn no more)
        "CIRCLES_LIVE_PERSON_EVENT_LIMIT": os.environ.get(
            "CIRCLES_LIVE_PERSON_EVENT_LIMIT", "30 per second;450 per minute"
        ),
        # Sockets one person may hold in one live session (devices and tabs together)
        "CIRCLES_LIVE_SOCKETS_PER_PERSON": int(
            os.environ.get("CIRCLES_LIVE_SOCKETS_PER_PERSON", "5")
        ),
        # Meeting reminders: sent this many hours before a meeting (job queue, `send-reminders`)
        "CIRCLES_REMINDER_HOURS": float(os.environ.get("CIRCLES_REMINDER_HOURS", "24")),
        # The job queue (circles.jobs): SQLite in the instance folder, or Redis when there is one
        "CIRCLES_JOBS_URL": os.environ.get("CIRCLES_JOBS_URL")
        or redis_url
        or f"sqlite:///{instance / 'jobs.sqlite3'}",
        "CIRCLES_JOBS_WORKERS": int(os.environ.get("CIRCLES_JOBS_WORKERS", "2")),
        # Run each job at once where it is queued, with no consumer (tests, debugging)
        "CIRCLES_JOBS_IMMEDIATE": _env_bool("CIRCLES_JOBS_IMMEDIATE", False),
        "CIRCLES_INVITE_DEFAULT_DAYS": 14,
    }

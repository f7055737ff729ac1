"""Circles: confidential peer integration circles."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask, Response, request
from werkzeug.middleware.proxy_fix import ProxyFix

from circles import i18n, jobs, logs, sealing
from circles.config import load_config, persisted_secret
from circles.db import render_migration_type
from circles.extensions import csrf, db, limiter, login_manager, migrate
from circles.mail import make_sender
from circles.urls import IdConverter

ROOT = Path(__file__).resolve().parent.parent

#: Content-Security-Policy for every response: nothing inline, nothing from another host.
CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Application factory: configure, bind extensions, register blueprints and handlers."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("CIRCLES_INSTANCE_PATH") or str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.update(load_config(app.instance_path))
    if test_config:
        app.config.update(test_config)
    if not app.config["SECRET_KEY"]:
        # Embedded default: a random secret made once and kept in the instance folder.
        app.config["SECRET_KEY"] = persisted_secret(Path(app.instance_path))
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if hops := app.config["CIRCLES_PROXY_HOPS"]:
        # Behind N trusted proxies: take the client address and scheme from their headers.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    app.url_map.converters["id"] = IdConverter

    db.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=str(ROOT / "migrations"),
        render_as_batch=True,  # SQLite alters tables by copying them
        compare_type=True,
        render_item=render_migration_type,
    )
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    i18n.init_app(app)
    app.extensions["circles_mail"] = make_sender(app.config)
    sealing.init_app(app)

    from circles import live, models  # noqa: F401  (every table on the metadata)
    from circles.accounts import bp as accounts_bp
    from circles.accounts.services import configure_login
    from circles.audit.views import bp as audit_bp
    from circles.checkins import bp as checkins_bp
    from circles.cli import register_cli
    from circles.errors import register_error_handlers
    from circles.grounding import bp as grounding_bp
    from circles.groups import bp as groups_bp
    from circles.journal import bp as journal_bp
    from circles.main import bp as main_bp
    from circles.meetings import bp as meetings_bp
    from circles.orgs import bp as orgs_bp
    from circles.rights.views import bp as rights_bp
    from circles.safety.views import bp as safety_bp
    from circles.space import bp as space_bp
    from circles.templating import register_template_helpers

    configure_login(login_manager)
    app.register_blueprint(main_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(orgs_bp)
    app.register_blueprint(groups_bp)
    app.register_blueprint(meetings_bp)
    live.init_app(app)  # its blueprint and the Socket.IO server
    app.register_blueprint(checkins_bp)
    app.register_blueprint(safety_bp)
    app.register_blueprint(journal_bp)
    app.register_blueprint(grounding_bp)
    app.register_blueprint(space_bp)
    app.register_blueprint(rights_bp)
    register_error_handlers(app)
    register_template_helpers(app)
    register_cli(app)
    jobs.init_app(app)
    logs.install(app.url_map)
    app.after_request(_security_headers)
    return app


def _security_headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    # Invitation and reset tokens live in URLs: never send them to another site.
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Permissions-Policy"] = (
        "camera=(), microphone=(), geolocation=(), interest-cohort=()"
    )
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    if request.endpoint != "static":
        # Pages carry personal data; no browser or proxy may keep a copy.
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
    if request.is_secure:
        response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    return response

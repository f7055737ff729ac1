"""Shared fixtures: one app for the session, a clean database per test, factories and login."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade

from circles import create_app
from circles.extensions import db, limiter
from circles.mail import MemoryMailSender
from tests import factories


def compile_catalogues() -> None:
    """What `make translations` does, for a suite started without make: the app reads the
    compiled catalogues, made afresh where a .po changed."""
    translations = Path(__file__).resolve().parents[1] / "circles" / "translations"
    for po in translations.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as source:
            catalog = read_po(source)
        partial = mo.with_suffix(f".{os.getpid()}.tmp")
        with partial.open("wb") as target:
            write_mo(target, catalog)
        partial.replace(mo)


compile_catalogues()


def database_url(tmp_root: Any) -> str:
    """TEST_DATABASE_URL (PostgreSQL in CI) or a fresh SQLite file."""
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_root / 'test.sqlite3'}"


def reset_database(url: str) -> None:
    """Start from an empty database (PostgreSQL keeps tables between runs)."""
    if url.startswith("postgresql"):
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
        engine.dispose()


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    root = tmp_path_factory.mktemp("circles")
    url = database_url(root)
    reset_database(url)
    os.environ["CIRCLES_INSTANCE_PATH"] = str(root / "instance")
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": factories.SECRET_KEY,
            "SQLALCHEMY_DATABASE_URI": url,
            "WTF_CSRF_ENABLED": False,
            "CIRCLES_MAIL_BACKEND": "memory",
            "CIRCLES_ARGON2_TIME_COST": 1,
            "CIRCLES_ARGON2_MEMORY_COST": 64,
            "RATELIMIT_STORAGE_URI": os.environ.get("TEST_REDIS_URL") or "memory://",
            "CIRCLES_LOGIN_LIMIT_PER_IP": "1000 per minute",
            "CIRCLES_BASE_URL": "http://circles.test",
            # Jobs (mail) run at once where they are queued; tests/test_jobs.py runs a consumer.
            "CIRCLES_JOBS_IMMEDIATE": True,
        }
    )
    app.extensions["circles_mail"] = MemoryMailSender()
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def another_app(app: Flask) -> Iterator[Any]:
    """``another_app(**config)``: a second app on the same database, its pool closed afterwards."""
    made: list[Flask] = []

    def build(**overrides: Any) -> Flask:
        extra = create_app({**app.config, **overrides})
        made.append(extra)
        return extra

    yield build
    for extra in made:
        with extra.app_context():
            db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean(app: Flask) -> Iterator[None]:
    """Each test starts with empty tables, an empty outbox and fresh rate limits."""
    yield
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())
        limiter.reset()
    app.extensions["circles_mail"].outbox.clear()
    app.extensions["circles_jobs"].huey.storage.flush_all()  # retries waiting in memory


class Make:
    """``make.create_user(...)``: any factory, run in its own app context and committed.

    Tests that make requests must not hold an app context open: Flask would reuse it for every
    request, and ``g`` (with Flask-Login's cached user) would leak from one request to the next.
    """

    def __init__(self, app: Flask) -> None:
        self._app = app

    def __getattr__(self, name: str) -> Any:
        factory = getattr(factories, name)

        def run(*args: Any, **kwargs: Any) -> Any:
            with self._app.app_context():
                return factory(*args, **kwargs)

        return run


@pytest.fixture
def make(app: Flask) -> Make:
    return Make(app)


@pytest.fixture
def ctx(app: Flask) -> Iterator[None]:
    """An application context for tests that call services directly (no requests)."""
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def outbox(app: Flask) -> list[Any]:
    return app.extensions["circles_mail"].outbox  # type: ignore[no-any-return]


class AuthActions:
    """Log a test client in as a person would (the login form) or directly (a login session)."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def login(self, email: str, password: str = factories.PASSWORD) -> Any:
        return self.client.post("/login", data={"email": email, "password": password})

    def logout(self) -> Any:
        return self.client.post("/logout")


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    return AuthActions(client)


def login_as(client: FlaskClient, user_id: int) -> None:
    """Give the client a fresh login session for this user, without the login form."""
    from circles.accounts.models import User
    from circles.accounts.services import start_session

    session = start_session(db.session.get(User, user_id))
    db.session.commit()
    with client.session_transaction() as cookie:
        cookie["_user_id"] = session.raw_token
        cookie["_fresh"] = True


def client_for(app: Flask, user: Any) -> FlaskClient:
    """A new test client already logged in as ``user``."""
    client = app.test_client()
    with app.app_context():
        login_as(client, user.id)
    return client


class QueryCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app: Flask) -> Any:
    """``with count_queries() as counter:`` counts the SQL statements run inside the block.

    Only this thread's: work the app does on threads of its own (an earlier test's checkpoint
    of SQLite's log, a moment after a reveal) is not the page's.
    """

    @contextmanager
    def counting() -> Iterator[QueryCounter]:
        counter = QueryCounter()
        mine = threading.get_ident()

        def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            if threading.get_ident() == mine:
                counter.statements.append(statement)

        with app.app_context():
            engine = db.engine
        sa.event.listen(engine, "before_cursor_execute", record)
        try:
            yield counter
        finally:
            sa.event.remove(engine, "before_cursor_execute", record)

    return counting


@pytest.fixture
def sqlite_app(app: Flask, tmp_path: Path) -> Iterator[tuple[Flask, Path]]:
    """The app on a SQLite file of its own, whatever the suite's database: for tests about
    that file's bytes (what a copy of it, with its write-ahead log, would hold)."""
    path = tmp_path / "circles.sqlite3"
    own = create_app({**app.config, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    own.extensions["circles_mail"] = MemoryMailSender()
    with own.app_context():
        upgrade()
    try:
        yield own, path
    finally:
        with own.app_context():
            db.engine.dispose()

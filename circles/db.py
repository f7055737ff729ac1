"""Declarative base, naming convention, shared column helpers and tenant-scoped getters."""

from __future__ import annotations

import enum
import logging
import sqlite3
import threading
import time
from datetime import UTC, datetime
from typing import Any, TypeVar

from flask import abort
from sqlalchemy import (
    DateTime,
    Enum,
    MetaData,
    event,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, registry
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC (called per row, never at import)."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC that always comes back timezone-aware, on SQLite too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def render_migration_type(type_: str, obj: object, autogen_context: object) -> str | bool:
    """Write :class:`UTCDateTime` into migrations as a plain timezone-aware DateTime."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


class Base(DeclarativeBase):
    """Base of every model; constraint names follow :data:`NAMING_CONVENTION`."""

    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )


def str_enum_type(enum_class: type[enum.StrEnum], name: str) -> Enum:
    """A string enum stored by value in a VARCHAR, the same on SQLite and PostgreSQL."""
    return Enum(
        enum_class,
        name=name,
        native_enum=False,
        length=20,
        values_callable=lambda members: [member.value for member in members],
    )


class CreatedMixin:
    """Adds a ``created_at`` set when the row is inserted."""

    created_at: Mapped[datetime] = mapped_column(default=utcnow)


M = TypeVar("M", bound=Base)


def scoped_get_or_404(model: type[M], object_id: int, **scope: object) -> M:
    """Load an object by id *within a scope* (``org_id=...``, ``circle_id=...``), or abort 404.

    Every lookup of a tenant-owned object by an id that came from a URL or a form goes through here,
    so an id that belongs to another organisation or circle is simply "not found".
    """
    from circles.extensions import db

    if not scope:
        raise TypeError("scoped_get_or_404 needs at least one scope column")
    query = select(model).where(model.id == object_id)  # type: ignore[attr-defined]
    for column, value in scope.items():
        query = query.where(getattr(model, column) == value)
    obj = db.session.scalar(query)
    if obj is None:
        abort(404)
    return obj


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    """SQLite: foreign keys, readers beside a writer (WAL), one fsync per checkpoint, lock waits,
    and deleted rows overwritten with zeros."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        # In WAL mode NORMAL stays consistent and survives a crash of the app process; only a
        # power cut can lose the last commits. It saves an fsync per commit (live events).
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        # A deleted row's bytes would otherwise stay in the file (free space of its page, or a
        # free page) until reused: sealed answers, rows rewritten in a new order, erased people.
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()


@event.listens_for(Engine, "connect")
def _postgresql_generic_plans(dbapi_connection: Any, connection_record: Any) -> None:
    """PostgreSQL: a prepared statement runs its generic plan instead of planning anew.

    psycopg prepares a statement once it has run five times on a connection. PostgreSQL then
    weighs a generic plan against planning for the values given, and for the live events'
    statements (``= ANY($1)`` over a batch's ids, joins) it kept choosing to plan every time:
    a millisecond of the database's CPU per statement, more than running it, and most of
    what a batch of joins cost it (docs/benchmarks.md). The app's statements look rows up by
    key, where one plan suits any value.

    That plan is made once, for a batch of ten values of each ``= ANY($1)``. With the default
    cost of a random page read (4, a spinning disk's), ten index probes looked dearer than
    reading a table of a thousand rows whole, and the logins of sockets opening together, or
    the seats of a batch of events, were found by comparing every login's token: 0.4-0.5 ms
    of the database's CPU a statement, against 0.08-0.22 ms through the index. 1.1 is the usual
    cost on solid-state storage, where a random read costs little more than the next one.
    """
    if type(dbapi_connection).__module__.startswith("psycopg"):
        autocommit = dbapi_connection.autocommit
        dbapi_connection.autocommit = True  # session settings, not undone by a rollback
        dbapi_connection.execute("SET plan_cache_mode = force_generic_plan")
        dbapi_connection.execute("SET random_page_cost = 1.1")
        dbapi_connection.autocommit = autocommit


def begin_writing() -> None:
    """SQLite: take the write lock before the transaction reads anything.

    SQLite starts a transaction as a reader; when another connection writes before this one's
    first write, this one could not become the writer and would fail at once ("database is
    locked") without waiting. ``BEGIN IMMEDIATE`` waits for the lock (``busy_timeout``) instead.
    PostgreSQL locks rows and needs none of this.
    """
    from circles.extensions import db

    if db.engine.dialect.name == "sqlite":
        connection = db.session.connection()
        if not connection.connection.dbapi_connection.in_transaction:  # type: ignore[union-attr]
            connection.exec_driver_sql("BEGIN IMMEDIATE")


def empty_write_ahead_log() -> bool:
    """SQLite: copy the write-ahead log into the database file and cut it to nothing.

    The ``-wal`` file keeps a copy of every page each transaction wrote until it is truncated
    (and older copies stay in it, overwritten only as it is reused): a history of the writes.
    After rows were rewritten to hide their history, that history must go too. It waits for
    readers and writers to finish, holding new writers back meanwhile, so it gives up after half
    a second (``flask checkins-release`` tries again); True when the log is now empty.
    PostgreSQL: nothing to do.
    """
    from circles.extensions import db

    if db.engine.dialect.name != "sqlite":
        return True
    with db.engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA busy_timeout=500")
        try:
            busy, _, _ = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
        finally:
            connection.exec_driver_sql("PRAGMA busy_timeout=5000")
    return not busy


_checkpoint_waiting = threading.Lock()


def empty_write_ahead_log_soon(delay: float = 1.0) -> None:
    """SQLite: :func:`empty_write_ahead_log` a moment from now, once for a burst of calls.

    For work after a commit (``after_commit(empty_write_ahead_log_soon)`` after a reveal): it
    returns at once, the checkpoint runs on a thread of its own, and a hundred rooms revealing
    at once cost one checkpoint, not a hundred. PostgreSQL: nothing to do.
    """
    from flask import current_app

    from circles.extensions import db

    if db.engine.dialect.name != "sqlite" or not _checkpoint_waiting.acquire(blocking=False):
        return
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def checkpoint() -> None:
        try:
            time.sleep(delay)  # the calls of the burst arrive meanwhile and return at once
            with app.app_context():
                empty_write_ahead_log()
        except Exception as error:  # tried again by the next reveal or `flask checkins-release`
            logging.getLogger(__name__).warning("checkpoint failed: %s", type(error).__name__)
        finally:
            _checkpoint_waiting.release()

    threading.Thread(target=checkpoint, daemon=True).start()


def add_or_refuse(obj: Base, message: object, field: str | None = None) -> None:
    """Insert a row in a savepoint; a unique-constraint clash becomes a calm ServiceError.

    Services check uniqueness first for a friendly message; this catches the race where two
    requests pass that check at the same moment. ``message`` may be a lazily translated text:
    it is put in words only if the insert is refused.
    """
    from circles.exceptions import ServiceError
    from circles.extensions import db

    try:
        with db.session.begin_nested():
            db.session.add(obj)
    except IntegrityError:
        raise ServiceError(str(message), field) from None

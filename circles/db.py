"""Declarative base, naming convention, shared column helpers and tenant-scoped getters."""

from __future__ import annotations

import enum
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Collection, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from flask import abort
from sqlalchemy import (
    ARRAY,
    BindParameter,
    ColumnElement,
    DateTime,
    Enum,
    MetaData,
    Select,
    bindparam,
    cast,
    event,
    func,
    insert,
    literal_column,
    select,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, registry
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import NullType, TypeDecorator

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


class _ListParameter(TypeDecorator[Collection[Any]]):
    """A list of values bound as one parameter: JSON text for SQLite, an array for PostgreSQL."""

    impl = NullType
    cache_ok = True

    def process_bind_param(self, value: Collection[Any] | None, dialect: Any) -> Any:
        if isinstance(value, str | bytes):  # would match its characters one by one
            raise TypeError("one_of takes a list of values, not a single string")
        values = list(value or ())
        return json.dumps(values) if dialect.name == "sqlite" else values


class OneOf(ColumnElement[bool]):
    """``column IN (...)`` with the whole list in one bound parameter (see :func:`one_of`)."""

    inherit_cache = True
    _traverse_internals = [
        ("column", InternalTraversal.dp_clauseelement),
        ("values", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, column: ColumnElement[Any], values: BindParameter[Any]) -> None:
        self.column = column
        self.values = values

    @property
    def _from_objects(self) -> list[Any]:  # the column's table joins the FROM, as with in_()
        return self.column._from_objects


@compiles(OneOf)  # SQLite, and any printed statement
def _one_of_in_json(element: OneOf, compiler: SQLCompiler, **kw: Any) -> str:
    column, values = compiler.process(element.column, **kw), compiler.process(element.values, **kw)
    # Both parts are compiled SQL (a column and a placeholder), never values.
    return f"{column} IN (SELECT value FROM json_each({values}))"  # noqa: S608


@compiles(OneOf, "postgresql")
def _one_of_any_array(element: OneOf, compiler: SQLCompiler, **kw: Any) -> str:
    column, values = compiler.process(element.column, **kw), compiler.process(element.values, **kw)
    return f"{column} = ANY({values})"


def one_of(column: ColumnElement[Any], name: str) -> OneOf:
    """``column IN`` the list passed as parameter ``name``, whatever its length.

    An ``IN`` with an expanding parameter is rendered anew for every length, one placeholder a
    value; the statements that live events run many times a second bind the list as a single
    value instead (SQLite reads it with ``json_each``, PostgreSQL as an array with ``ANY``), so
    their compiled form is built once and reused. Written for those two databases only.
    """
    return OneOf(column, bindparam(name, type_=_ListParameter()))


class DriverInsert:
    """``INSERT INTO table (columns)`` for many rows a second: compiled once per database and
    run on the driver, skipping SQLAlchemy's per-row parameter processing, which costs more
    than the insert itself. Rows must hold values the driver takes as they are (numbers, text,
    bytes, booleans, None): no Python-side defaults or type conversions run.

    SQLite runs it on ``executemany``. PostgreSQL gets one statement whatever the number of
    rows, ``INSERT ... SELECT * FROM unnest(<one array per column>)``, the arrays sent in
    binary: one prepared statement and one execution instead of one per row (psycopg's
    pipelined ``executemany`` still binds, executes and reads a result for every row, on both
    sides of the connection).
    """

    def __init__(self, model: type[Base], columns: Sequence[str]) -> None:
        self._statement = insert(model)
        self._table = model.__table__
        self._columns = list(columns)
        #: dialect name -> (SQL, parameter order for positional drivers, or None for named)
        self._compiled: dict[str, tuple[str, tuple[str, ...] | None]] = {}

    def run(self, connection: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        if not rows:
            return
        dialect = connection.dialect
        if dialect.name not in self._compiled:
            self._compiled[dialect.name] = self._compile(dialect)
        sql, order = self._compiled[dialect.name]
        if dialect.name == "postgresql":
            connection.exec_driver_sql(sql, {c: [row[c] for row in rows] for c in self._columns})
        elif order is None:
            connection.exec_driver_sql(sql, [dict(row) for row in rows])
        else:
            connection.exec_driver_sql(sql, [tuple(row[key] for key in order) for row in rows])

    def _compile(self, dialect: Any) -> tuple[str, tuple[str, ...] | None]:
        if dialect.name == "postgresql":
            columns = [self._table.c[name] for name in self._columns]
            arrays = [cast(bindparam(c.name), ARRAY(c.type)) for c in columns]
            unnested: Select[Any] = select(literal_column("*")).select_from(func.unnest(*arrays))
            statement = self._statement.from_select(columns, unnested)
            sql = str(statement.compile(dialect=dialect))
            if dialect.driver == "psycopg":
                # Arrays sent in binary (psycopg's ``%b``): dumping a list as text escapes it
                # element by element in Python, ten to twenty times slower (bytes the slowest).
                for name in self._columns:
                    sql = sql.replace(f"%({name})s", f"%({name})b")
            return sql, None
        compiled = self._statement.compile(dialect=dialect, column_keys=self._columns)
        order = tuple(compiled.positiontup or ()) if compiled.positional else None
        return str(compiled), order


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
    of the database's CPU a statement, against 0.1 ms through the index. 1.1 is the usual
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

"""Statements that live events run many times a second, over many rows at once.

- :func:`one_of`: ``column IN`` a list bound as one parameter, so the statement compiles once.
- :class:`DriverInsert`: many rows inserted by one statement run on the driver.
- :class:`DriverRows`: a read of many rows (of many bytes) run on the driver, in binary on
  PostgreSQL.

Written for SQLite and PostgreSQL (through psycopg) only.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from sqlalchemy import (
    ARRAY,
    BindParameter,
    ColumnElement,
    Select,
    bindparam,
    cast,
    func,
    insert,
    literal_column,
    select,
)
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import NullType, TypeDecorator

from circles.db import Base


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


class DriverRows:
    """A ``SELECT`` of many rows, or of many bytes, compiled once and run on the driver.

    PostgreSQL through psycopg sends its results in binary: in text, every value is written
    out by PostgreSQL and parsed back by psycopg, and bytes travel as hexadecimal, twice their
    size (a round's reveal reads a thousand sealed answers of 4 KB: 17-25 ms of the app's CPU
    in text, 5-11 ms in binary; ``bench/binary_reads.py``). Elsewhere it runs as any statement.

    On the driver, the parameters still go through their types' conversions (a list for
    :func:`one_of`), and a failure is raised as SQLAlchemy's, with the parameters hidden, the
    connection invalidated if it was lost; SQLAlchemy's execution events do not see the
    statement. The rows are plain tuples of the columns' values as the driver reads them.
    """

    def __init__(self, statement: Select[Any]) -> None:
        self._statement = statement
        #: For psycopg, once: the SQL, and each parameter's conversion.
        self._psycopg: tuple[str, dict[str, Any]] | None = None

    def all(self, connection: Connection, params: Mapping[str, Any]) -> Sequence[Any]:
        dialect = connection.dialect
        if dialect.name != "postgresql" or dialect.driver != "psycopg":
            return connection.execute(self._statement, params).all()
        if self._psycopg is None:
            compiled = self._statement.compile(dialect=dialect)
            converters = {
                name: converter
                for name, bind in compiled.binds.items()
                if (converter := bind.type.bind_processor(dialect)) is not None
            }
            self._psycopg = str(compiled), converters
        sql, converters = self._psycopg
        try:
            values = {
                name: converters[name](value) if name in converters else value
                for name, value in params.items()
            }
        except Exception as error:  # as SQLAlchemy reports a value its type refuses
            raise StatementError(str(error), sql, None, error, hide_parameters=True) from error
        driver = connection.connection.driver_connection
        assert driver is not None
        try:
            with driver.cursor(binary=True) as cursor:
                cursor.execute(sql, values)
                rows: list[Any] = cursor.fetchall()
        except dialect.loaded_dbapi.Error as error:
            lost = dialect.is_disconnect(error, driver, None)
            if lost:
                connection.invalidate(error)
            raise DBAPIError.instance(
                sql,
                None,
                error,
                dialect.loaded_dbapi.Error,
                hide_parameters=True,
                connection_invalidated=lost,
                dialect=dialect,
            ) from error
        return rows

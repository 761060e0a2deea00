"""Connections to the warehouse, all made through SQLAlchemy from one URL."""

from __future__ import annotations

import atexit
import logging
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

from flows.entities import RAW_SCHEMA, metadata
from flows.records import fill_missing_keys, mark_superseded
from flows.settings import ConfigurationError, Warehouse

logger = logging.getLogger(__name__)

SCHEMAS = (RAW_SCHEMA, "ops", "marts")


def make_engine(
    warehouse: Warehouse, application_name: str | None = None, isolation_level: str | None = None
) -> sa.Engine:
    """A SQLAlchemy engine that holds no connection between uses.

    DuckDB allows one process per file, and dbt and GX open the same file in this process:
    a pooled connection kept open here would lock them out. ``application_name`` and
    ``isolation_level`` apply to PostgreSQL (the run lock's own connection).
    """
    connect_args: dict[str, Any] = {}
    options: dict[str, Any] = {}
    if warehouse.backend == "duckdb":
        warehouse.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
    else:  # a server that does not answer fails the attempt after this many seconds
        connect_args["connect_timeout"] = int(os.environ.get("LEADFLOW_CONNECT_TIMEOUT", "10"))
        if application_name:
            connect_args["application_name"] = application_name
        if isolation_level:
            options["isolation_level"] = isolation_level
    return sa.create_engine(
        warehouse.sqlalchemy_url, poolclass=sa.pool.NullPool, connect_args=connect_args, **options
    )


# Connection failures that may pass: another process holds the DuckDB file, the server is
# down, starting, full or unreachable for now. Anything else (a wrong password, a missing
# database) will not pass by waiting.
TRANSIENT_CONNECTION_ERRORS = (
    "could not set lock on file",
    "connection refused",
    "timeout expired",
    "could not connect to server",
    "the database system is starting up",
    "the database system is shutting down",
    "too many clients",
    "no route to host",
    "server closed the connection unexpectedly",
)


class WarehouseUnavailable(ConnectionError):
    """The warehouse refused a connection for a reason that may pass (retried)."""


class WarehouseUnreachable(RuntimeError):
    """The warehouse refused a connection for a reason that waiting will not fix."""


def connection_failure(warehouse: Warehouse, exc: sa.exc.DBAPIError) -> Exception:
    """:class:`WarehouseUnavailable` (may pass) or :class:`WarehouseUnreachable` for a refused
    connection, naming the warehouse without its password."""
    reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
    reason = reason.replace(warehouse.sqlalchemy_url, warehouse.display_url)
    if warehouse.url.password:
        reason = reason.replace(str(warehouse.url.password), "***")
    message = f"cannot connect to the warehouse {warehouse.display_url}: {reason}"
    if any(marker in reason.lower() for marker in TRANSIENT_CONNECTION_ERRORS):
        return WarehouseUnavailable(message)
    return WarehouseUnreachable(message)


def check_connection(warehouse: Warehouse) -> None:
    """Open and close one connection; raise :class:`WarehouseUnavailable` (transient) or
    :class:`WarehouseUnreachable` (permanent), naming the warehouse without its password."""
    engine = make_engine(warehouse)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
    except sa.exc.DBAPIError as exc:
        raise connection_failure(warehouse, exc) from None
    finally:
        engine.dispose()


RETRY_DELAYS_ENV = "LEADFLOW_RETRY_DELAYS"


def retry_delays() -> list[float]:
    """Seconds between attempts at I/O that may pass (``LEADFLOW_RETRY_DELAYS``, default
    2,5,15): loading a landing file, reaching the warehouse."""
    raw = os.environ.get(RETRY_DELAYS_ENV, "2,5,15")
    try:
        delays = [float(part) for part in raw.split(",") if part.strip()]
    except ValueError:
        delays = []
    if not delays or any(d < 0 for d in delays):
        raise ConfigurationError(
            f"{RETRY_DELAYS_ENV}={raw!r}: expected comma-separated seconds, e.g. 2,5,15"
        )
    return delays


@contextmanager
def connect_retrying(engine: sa.Engine, warehouse: Warehouse) -> Iterator[sa.Connection]:
    """A connection from ``engine``; a refusal that may pass (server starting, down, full) is
    retried after each of :func:`retry_delays`, any other fails at once."""
    delays = retry_delays()
    for attempt in range(len(delays) + 1):
        try:
            conn = engine.connect()
            break
        except sa.exc.DBAPIError as exc:
            failure = connection_failure(warehouse, exc)
            if isinstance(failure, WarehouseUnreachable) or attempt == len(delays):
                raise failure from None
            logger.warning("%s; retrying in %g s", failure, delays[attempt])
            time.sleep(delays[attempt])
    with conn:
        yield conn


def close_leftovers() -> None:
    """Let the DuckDB module be freed when the interpreter exits (registered with ``atexit``).

    Without this, a process that imported Great Expectations and duckdb-engine ends with
    ~40 lines of ``nanobind: leaked N instances`` from DuckDB 2.0's bindings. The chain:
    duckdb-engine registers its ``TRY_CAST`` compiler on SQLAlchemy's own ``TryCast`` class
    (``sqlalchemy.ext.compiler.compiles``); once GX is imported, SQLAlchemy's classes outlive
    the interpreter's module teardown, so that function, its module's globals, ``duckdb``
    and every DuckDB object the module holds (its type constants) are still alive when
    nanobind checks for leaks. Unhooking the one DuckDB compiler breaks the chain; nothing
    compiles SQL after exit. Connections themselves are closed where they are opened.
    """
    engine_module = sys.modules.get("duckdb_engine")
    try_cast = getattr(sa, "TryCast", None)
    dispatcher = getattr(try_cast, "_compiler_dispatcher", None)
    if engine_module is not None and dispatcher is not None:
        dispatcher.specs.pop("duckdb", None)


atexit.register(close_leftovers)


def duckdb_memory_limit() -> str:
    """DuckDB's memory limit for leadflow's connections (``LEADFLOW_DUCKDB_MEMORY_LIMIT``)."""
    return os.environ.get("LEADFLOW_DUCKDB_MEMORY_LIMIT", "2GB")


@contextmanager
def duckdb_connection(engine: sa.Engine) -> Iterator[Any]:
    """The DuckDB DB-API connection behind a SQLAlchemy connection, closed on exit."""
    raw = engine.raw_connection()
    try:
        duck = raw.driver_connection
        duck.execute(f"set memory_limit = '{duckdb_memory_limit()}'")
        yield duck
    finally:
        raw.close()


@contextmanager
def kept_open(engine: sa.Engine) -> Iterator[None]:
    """Keep an embedded DuckDB warehouse open while many short connections use it.

    Connections to a DuckDB file opened in this process share its open database; when the
    last one closes, the database is closed (its write-ahead log written into the file) and
    the next connection opens it again. Loading a landing folder opens a few connections per
    file: held open, the database is opened once and its log written when it grows, not
    once per file. A no-op for a server warehouse."""
    if engine.dialect.name != "duckdb":
        yield
        return
    raw = engine.raw_connection()
    try:
        yield
    finally:
        raw.close()


def ensure_raw_schema(engine: sa.Engine) -> None:
    """Create the ``raw``, ``ops`` and ``marts`` schemas and the raw tables if missing."""
    with engine.begin() as conn:
        for schema in SCHEMAS:
            conn.execute(sa.text(f"create schema if not exists {schema}"))
        metadata.create_all(conn, checkfirst=True)
        # tables created before a column existed (nullable columns, added in place)
        versioned_later = []
        for table in metadata.sorted_tables:
            present = {c["name"] for c in sa.inspect(conn).get_columns(table.name, RAW_SCHEMA)}
            if "_superseded_at" in table.columns and "_superseded_at" not in present:
                versioned_later.append(table.name)
            for column in table.columns:
                if column.name not in present:
                    kind = column.type.compile(dialect=conn.dialect)
                    conn.execute(
                        sa.text(
                            f"alter table {RAW_SCHEMA}.{table.name} "
                            f"add column if not exists {column.name} {kind}"
                        )
                    )
        fill_missing_keys(conn)
        for entity in versioned_later:
            mark_superseded(conn, entity)


def table_exists(engine: sa.Engine, schema: str, table: str) -> bool:
    """Whether ``schema.table`` exists."""
    return sa.inspect(engine).has_table(table, schema=schema)

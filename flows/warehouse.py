"""Connections to the warehouse, all made through SQLAlchemy from one URL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

from flows.entities import RAW_SCHEMA, metadata
from flows.settings import Warehouse

SCHEMAS = (RAW_SCHEMA, "ops", "marts")


def make_engine(warehouse: Warehouse) -> sa.Engine:
    """A SQLAlchemy engine that holds no connection between uses.

    DuckDB allows one process per file, and dbt and GX open the same file in this process:
    a pooled connection kept open here would lock them out.
    """
    connect_args: dict[str, Any] = {}
    if warehouse.backend == "duckdb":
        warehouse.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
    else:  # a server that does not answer fails the attempt after this many seconds
        connect_args["connect_timeout"] = int(os.environ.get("LEADFLOW_CONNECT_TIMEOUT", "10"))
    return sa.create_engine(
        warehouse.sqlalchemy_url, poolclass=sa.pool.NullPool, connect_args=connect_args
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


def check_connection(warehouse: Warehouse) -> None:
    """Open and close one connection; raise :class:`WarehouseUnavailable` (transient) or
    :class:`WarehouseUnreachable` (permanent), naming the warehouse without its password."""
    engine = make_engine(warehouse)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
    except sa.exc.DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        reason = reason.replace(warehouse.sqlalchemy_url, warehouse.display_url)
        if warehouse.url.password:
            reason = reason.replace(str(warehouse.url.password), "***")
        message = f"cannot connect to the warehouse {warehouse.display_url}: {reason}"
        if any(marker in reason.lower() for marker in TRANSIENT_CONNECTION_ERRORS):
            raise WarehouseUnavailable(message) from None
        raise WarehouseUnreachable(message) from None
    finally:
        engine.dispose()


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


def ensure_raw_schema(engine: sa.Engine) -> None:
    """Create the ``raw``, ``ops`` and ``marts`` schemas and the raw tables if missing."""
    with engine.begin() as conn:
        for schema in SCHEMAS:
            conn.execute(sa.text(f"create schema if not exists {schema}"))
        metadata.create_all(conn, checkfirst=True)
        # tables created before a column existed (nullable columns, added in place)
        for table in metadata.sorted_tables:
            present = {c["name"] for c in sa.inspect(conn).get_columns(table.name, RAW_SCHEMA)}
            for column in table.columns:
                if column.name not in present:
                    kind = column.type.compile(dialect=conn.dialect)
                    conn.execute(
                        sa.text(
                            f"alter table {RAW_SCHEMA}.{table.name} "
                            f"add column if not exists {column.name} {kind}"
                        )
                    )


def table_exists(engine: sa.Engine, schema: str, table: str) -> bool:
    """Whether ``schema.table`` exists."""
    return sa.inspect(engine).has_table(table, schema=schema)

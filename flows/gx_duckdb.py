"""Make Great Expectations 1.x validate DuckDB tables correctly.

GX runs each metric query on a pooled connection and closes that connection before the
rows are fetched. Closing rolls back, and duckdb-engine's cursors share the one DuckDB
connection, so the pending result disappears and every expectation fails with
"list index out of range" or "No open result set" (great_expectations #11579, #10738).
GX already keeps one persistent connection for SQLite and a few other dialects; this module
adds DuckDB to that list. Nothing else in GX is changed.

Regex expectations also need a dialect module, which GX has none of for DuckDB:
:func:`prepare_engine` lends it PostgreSQL's.

Call :func:`enable` before a DuckDB validation, :func:`prepare_engine` on the engine,
and :func:`close_engine` after it so the
DuckDB file is free for the next writer (DuckDB allows one process per file, and dbt in
this process opens the file with a different configuration).
"""

from __future__ import annotations

from typing import Any

from great_expectations.execution_engine import sqlalchemy_execution_engine as _engine_module

DIALECT = "duckdb"


class _DialectName(str):
    """A dialect name that also answers ``.value``, as GX's dialect enum members do."""

    @property
    def value(self) -> str:
        return str(self)


def enable() -> None:
    """Add DuckDB to the dialects for which GX keeps one persistent connection (idempotent)."""
    current = _engine_module._PERSISTED_CONNECTION_DIALECTS
    if any(str(getattr(d, "value", d)) == DIALECT for d in current):
        return
    _engine_module._PERSISTED_CONNECTION_DIALECTS = (*current, _DialectName(DIALECT))


def is_enabled() -> bool:
    """Whether :func:`enable` has run in this process."""
    return any(
        str(getattr(d, "value", d)) == DIALECT
        for d in _engine_module._PERSISTED_CONNECTION_DIALECTS
    )


def prepare_engine(execution_engine: Any) -> None:
    """Give a DuckDB execution engine PostgreSQL's dialect module for regex expectations.

    GX picks the SQL for regular expressions by dialect module and has none for DuckDB.
    DuckDB understands PostgreSQL's ``~`` operator; the expectations here use anchored
    patterns, for which DuckDB's full match and PostgreSQL's search agree.
    """
    if getattr(execution_engine, "dialect_name", None) == DIALECT:
        from sqlalchemy.dialects import postgresql

        execution_engine.dialect_module = postgresql


def close_engine(execution_engine: Any) -> None:
    """Close GX's persistent connection and dispose its engine, releasing the DuckDB file."""
    connection = getattr(execution_engine, "_connection", None)
    if connection is not None:
        connection.close()
        execution_engine._connection = None
    engine = getattr(execution_engine, "engine", None)
    if engine is not None and hasattr(engine, "dispose"):
        engine.dispose()

"""One ``qualify`` run per warehouse at a time, without a Prefect server.

DuckDB: an exclusive ``fcntl.flock`` on ``<database file>.lock``; the holder writes its pid,
host and start time into the file. PostgreSQL: ``pg_try_advisory_lock`` on a dedicated
connection held for the run; the holder's pid, host and start time are in its
``application_name`` and in ``pg_stat_activity``. Both locks are released by the operating
system or the server when the process dies, so a killed run never leaves a stale lock.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from flows.settings import Warehouse

# pg_try_advisory_lock(int4, int4): a class id for leadflow and one object id per lock.
PG_LOCK_CLASS = 0x1EAD_F10
PG_LOCK_QUALIFY = 1
POLL_SECONDS = 0.2


class WarehouseBusy(RuntimeError):
    """Another run holds the warehouse lock and did not release it within the timeout."""


def holder_info() -> dict[str, Any]:
    """Who this process is: pid, host and the time it took the lock (UTC, ISO 8601)."""
    return {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def describe_holder(holder: dict[str, Any] | None) -> str:
    """``pid 123 on host since 2026-11-22T14:00:00+00:00``, or ``unknown``."""
    if not holder:
        return "an unknown process"
    return (
        f"pid {holder.get('pid', '?')} on {holder.get('host', '?')} "
        f"since {holder.get('started_at', '?')}"
    )


def lock_path(warehouse: Warehouse) -> Path:
    """The lock file of a DuckDB warehouse: the database file's path plus ``.lock``."""
    return Path(f"{warehouse.duckdb_path}.lock")


def _busy(warehouse: Warehouse, timeout: float, holder: dict[str, Any] | None) -> WarehouseBusy:
    waited = f"after waiting {timeout:g} s" if timeout > 0 else "(lock timeout 0: not waiting)"
    return WarehouseBusy(
        f"warehouse {warehouse.display_url} is locked by another qualify run "
        f"({describe_holder(holder)}) {waited}; retry later or raise --lock-timeout"
    )


@contextmanager
def _duckdb_lock(warehouse: Warehouse, timeout: float) -> Iterator[dict[str, Any]]:
    path = lock_path(warehouse)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + max(timeout, 0)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise _busy(warehouse, timeout, _read_holder(path)) from None
                time.sleep(POLL_SECONDS)
        me = holder_info()
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(me).encode(), 0)
        os.fsync(fd)
        try:
            yield me
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _read_holder(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text(encoding="utf-8") or "null")
    except (OSError, ValueError):
        return None


def _pg_holder(conn: sa.Connection) -> dict[str, Any] | None:
    row = conn.execute(
        sa.text(
            "select a.pid, a.application_name, a.client_addr::text, a.backend_start "
            "from pg_locks l join pg_stat_activity a on a.pid = l.pid "
            "where l.locktype = 'advisory' and l.granted and l.database = "
            "(select oid from pg_database where datname = current_database()) "
            "and l.classid = :c and l.objid = :o and l.objsubid = 2"
        ),
        {"c": PG_LOCK_CLASS, "o": PG_LOCK_QUALIFY},
    ).first()
    if row is None:
        return None
    pid, app, addr, started = row
    holder: dict[str, Any] = {
        "pid": f"server backend {pid}",
        "host": addr or "a local socket",
        "started_at": started.isoformat(timespec="seconds") if started else "?",
    }
    # application_name is "leadflow pid=<pid> host=<host>" when the holder is a leadflow run.
    if app and app.startswith("leadflow "):
        for part in app.split()[1:]:
            key, _, value = part.partition("=")
            if key in ("pid", "host") and value:
                holder[key] = value
    return holder


@contextmanager
def _postgres_lock(warehouse: Warehouse, timeout: float) -> Iterator[dict[str, Any]]:
    me = holder_info()
    # application_name holds at most 63 bytes; the start time is the connection's.
    app = f"leadflow pid={me['pid']} host={me['host']}"[:63]
    engine = sa.create_engine(
        warehouse.sqlalchemy_url,
        poolclass=sa.pool.NullPool,
        isolation_level="AUTOCOMMIT",
        connect_args={"application_name": app},
    )
    try:
        with engine.connect() as conn:
            deadline = time.monotonic() + max(timeout, 0)
            args = {"c": PG_LOCK_CLASS, "o": PG_LOCK_QUALIFY}
            while not conn.execute(sa.text("select pg_try_advisory_lock(:c, :o)"), args).scalar():
                if time.monotonic() >= deadline:
                    raise _busy(warehouse, timeout, _pg_holder(conn))
                time.sleep(POLL_SECONDS)
            try:
                yield me
            finally:
                conn.execute(sa.text("select pg_advisory_unlock(:c, :o)"), args)
    finally:
        engine.dispose()


@contextmanager
def warehouse_lock(warehouse: Warehouse, timeout: float = 0) -> Iterator[dict[str, Any]]:
    """Hold the warehouse's run lock; wait up to ``timeout`` seconds, else :class:`WarehouseBusy`.

    Yields this holder's pid, host and start time.
    """
    if warehouse.backend == "duckdb":
        with _duckdb_lock(warehouse, timeout) as me:
            yield me
    else:
        with _postgres_lock(warehouse, timeout) as me:
            yield me

"""One ``qualify`` run per warehouse at a time, without a Prefect server.

DuckDB: an exclusive ``fcntl.flock`` on ``<database file>.lock``; the holder writes its pid,
host and start time into the file. PostgreSQL: ``pg_try_advisory_lock`` on a dedicated
connection held for the run; the holder's pid, host and start time are in its
``application_name`` and in ``pg_stat_activity``. Both locks are released by the operating
system or the server when the process dies, so a killed run never leaves a stale lock.

Taking the lock never opens the warehouse a run uses: the DuckDB lock is a file beside the
database file, and the PostgreSQL lock lives on a connection of its own. So ``leadflow``
takes it before anything else (before Prefect starts), and a refused run is refused in
about a second. Within one process the lock is re-entrant: the flow a command starts takes
the lock its command already holds.

Readers (``leadflow sql``, ``report``, ``spark``'s copy) take it shared: DuckDB lets several
read-only processes open the file, but none while a run writes it. On PostgreSQL readers do
not need it (a reader cannot break a run there), and a shared request holds nothing.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from flows.settings import Warehouse
from flows.warehouse import connect_retrying, make_engine

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


def _busy(
    warehouse: Warehouse, timeout: float, holder: dict[str, Any] | None, shared: bool = False
) -> WarehouseBusy:
    waited = f"after waiting {timeout:g} s" if timeout > 0 else "(lock timeout 0: not waiting)"
    if holder:
        who = f"another qualify run ({describe_holder(holder)})"
    elif shared:
        who = "another leadflow run (the holder is not recorded)"
    else:  # only readers write nothing into the lock file
        who = "a leadflow reader (sql, report or spark)"
    return WarehouseBusy(
        f"warehouse {warehouse.display_url} is locked by {who} {waited}; "
        "retry later or raise --lock-timeout"
    )


# Locks this process holds: key -> [depth, holder]. A lock is per process (flock and advisory
# locks are), so the flow a command starts re-enters the lock its command took.
_held: dict[tuple[int, str], list[Any]] = {}


def _lock_key(warehouse: Warehouse) -> str:
    if warehouse.backend == "duckdb":
        return str(lock_path(warehouse))
    url = warehouse.url
    return f"postgresql://{url.host}:{url.port or 5432}/{url.database}"


@contextmanager
def _duckdb_lock(warehouse: Warehouse, timeout: float, shared: bool) -> Iterator[dict[str, Any]]:
    path = lock_path(warehouse)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    mode = fcntl.LOCK_SH if shared else fcntl.LOCK_EX
    try:
        deadline = time.monotonic() + max(timeout, 0)
        while True:
            try:
                fcntl.flock(fd, mode | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise _busy(warehouse, timeout, _read_holder(path), shared) from None
                time.sleep(POLL_SECONDS)
        me = holder_info()
        if not shared:
            os.ftruncate(fd, 0)
            os.pwrite(fd, json.dumps(me).encode(), 0)
            os.fsync(fd)
        try:
            yield me
        finally:
            if not shared:
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
    engine = make_engine(warehouse, application_name=app, isolation_level="AUTOCOMMIT")
    try:
        with connect_retrying(engine, warehouse) as conn:
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
def warehouse_lock(
    warehouse: Warehouse, timeout: float = 0, shared: bool = False
) -> Iterator[dict[str, Any]]:
    """Hold the warehouse's run lock; wait up to ``timeout`` seconds, else :class:`WarehouseBusy`.

    ``shared``: a reader's lock (see the module's docstring). Re-entrant within a process.
    Yields this holder's pid, host and start time.
    """
    key = (os.getpid(), _lock_key(warehouse))
    if key in _held:
        _held[key][0] += 1
        try:
            yield _held[key][1]
        finally:
            _held[key][0] -= 1
        return
    if warehouse.backend == "duckdb":
        lock = _duckdb_lock(warehouse, timeout, shared)
    elif shared:
        lock = nullcontext(holder_info())
    else:
        lock = _postgres_lock(warehouse, timeout)
    with lock as me:
        _held[key] = [1, me]
        try:
            yield me
        finally:
            del _held[key]

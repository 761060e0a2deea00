"""The ``forget`` flow: erase one person (:mod:`flows.privacy`), then rebuild, gate, publish.

Run it with ``leadflow forget EMAIL``.
"""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from prefect import flow

from flows.ingest import new_batch_id
from flows.lock import warehouse_lock
from flows.privacy import (
    Erasure,
    compact_duckdb,
    erase_person,
    person_names,
    person_traces,
    purge_traces,
    vacuum_postgres,
)
from flows.qualify import RunSummary, _qualify_locked
from flows.settings import PROJECT_ROOT, Warehouse
from flows.warehouse import ensure_raw_schema, make_engine

logger = logging.getLogger(__name__)


@dataclass
class ForgetSummary:
    """What ``leadflow forget`` did: the erasure and the rebuild that followed it."""

    warehouse: str
    erasure: Erasure
    published: dict[str, int] = field(default_factory=dict)
    tiers: dict[str, int] = field(default_factory=dict)
    # files that held the address or the lead id: log lines dropped, other files deleted
    purged: list[str] = field(default_factory=list)
    # how the warehouse's storage was rewritten without the erased bytes
    compacted: str = ""


@flow(name="rebuild-after-forget", log_prints=True)
def rebuild_after_forget(
    warehouse_url: str | None = None, config: str | None = None, mappings: str | None = None
) -> RunSummary:
    """Rebuild from ``raw`` after an erasure; the caller holds the warehouse lock.

    Steps: ``dbt build --full-refresh`` (no landing file is loaded), the GX gates, publish,
    as a ``qualify`` run does, so history and metrics are recomputed without the person.
    """
    warehouse = Warehouse.from_env(warehouse_url)
    summary = RunSummary(batch_id=new_batch_id(), warehouse=warehouse.display_url)
    with tempfile.TemporaryDirectory(prefix="leadflow-forget-") as empty:
        return _qualify_locked(summary, warehouse, empty, config, mappings, full_refresh=True)


def forget(
    email: str,
    reason: str = "erasure request",
    warehouse_url: str | None = None,
    config: str | None = None,
    mappings: str | None = None,
    lock_timeout: float = 0,
) -> ForgetSummary:
    """Erase one person and rebuild, holding the warehouse lock throughout.

    Steps:
    1. erase: delete the person's rows from every schema and record the suppression, in one
       transaction (the published ``marts`` lose the person at once, even if step 2 fails);
    2. rebuild: the ``rebuild-after-forget`` flow (full refresh, gates, publish);
    3. purge: drop every copy of the address, the lead id or the person's full name from
       dbt's target and logs, the GX validation results and Data Docs and the reports
       (:func:`purge_traces`);
    4. compact: DuckDB: rewrite the file so no freed page keeps the erased bytes;
       PostgreSQL: ``VACUUM FULL`` of the tables rows were deleted from (see the privacy
       section of the README for what neither can reach: backups, WAL, replicas).

    Steps 3 and 4 run even when the rebuild fails. The erasure runs outside Prefect on
    purpose: a flow's parameters are stored by the Prefect API, and the address must not be.
    """
    warehouse = Warehouse.from_env(warehouse_url)
    with warehouse_lock(warehouse, timeout=lock_timeout):
        engine = make_engine(warehouse)
        ensure_raw_schema(engine)
        # the names the published leads give the person: reports name people by name
        names = person_names(engine, email)
        erasure = erase_person(engine, email, reason)
        logger.info(
            "erased %d lead(s), %d visitor id(s); rows deleted: %s; redacted: %s",
            erasure.leads,
            erasure.visitor_ids,
            erasure.deleted,
            erasure.redacted,
        )
        result = ForgetSummary(warehouse=warehouse.display_url, erasure=erasure)
        try:
            run = rebuild_after_forget(
                warehouse_url=warehouse_url, config=config, mappings=mappings
            )
            result.published, result.tiers = run.published, run.tiers
        finally:
            purged = purge_traces(person_traces(email) + names)
            result.purged = [_shown(p) for p in purged]
            result.compacted = _compact(warehouse, engine, erasure)
    return result


def _compact(warehouse: Warehouse, engine: sa.Engine, erasure: Erasure) -> str:
    """Rewrite the warehouse's storage without the erased rows' bytes; what was done."""
    engine.dispose()
    if warehouse.backend == "duckdb":
        before, after = compact_duckdb(warehouse.duckdb_path)
        return f"DuckDB file rewritten: {before:,} -> {after:,} bytes"
    vacuumed = vacuum_postgres(engine, [*erasure.deleted, *erasure.redacted])
    return f"VACUUM FULL of {len(vacuumed)} table(s): {', '.join(vacuumed)}"


def _shown(path: Path) -> str:
    """A purged file's path, relative to the project when inside it."""
    return str(path.relative_to(PROJECT_ROOT)) if path.is_relative_to(PROJECT_ROOT) else str(path)

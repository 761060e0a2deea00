"""The ``forget`` flow: erase one person (:mod:`flows.privacy`), then rebuild, gate, publish.

Run it with ``leadflow forget EMAIL``.
"""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass, field

from prefect import flow

from flows.ingest import new_batch_id
from flows.lock import warehouse_lock
from flows.privacy import Erasure, erase_person
from flows.qualify import RunSummary, _qualify_locked
from flows.settings import Warehouse
from flows.warehouse import ensure_raw_schema, make_engine

logger = logging.getLogger(__name__)


@dataclass
class ForgetSummary:
    """What ``leadflow forget`` did: the erasure and the rebuild that followed it."""

    warehouse: str
    erasure: Erasure
    published: dict[str, int] = field(default_factory=dict)
    tiers: dict[str, int] = field(default_factory=dict)


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
    2. rebuild: the ``rebuild-after-forget`` flow (full refresh, gates, publish).

    The erasure runs outside Prefect on purpose: a flow's parameters are stored by the
    Prefect API, and the address must not be.
    """
    warehouse = Warehouse.from_env(warehouse_url)
    with warehouse_lock(warehouse, timeout=lock_timeout):
        engine = make_engine(warehouse)
        ensure_raw_schema(engine)
        erasure = erase_person(engine, email, reason)
        logger.info(
            "erased %d lead(s), %d visitor id(s); rows deleted: %s; redacted: %s",
            erasure.leads,
            erasure.visitor_ids,
            erasure.deleted,
            erasure.redacted,
        )
        run = rebuild_after_forget(warehouse_url=warehouse_url, config=config, mappings=mappings)
    return ForgetSummary(
        warehouse=warehouse.display_url, erasure=erasure, published=run.published, tiers=run.tiers
    )

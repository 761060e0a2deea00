"""The ``recycle_nurture`` flow: the daily list of nurture leads whose waiting time is over.

A lead goes to nurture when sales rejects it for a recyclable reason or its MQL or SAL
stalls (``config/qualification.yml``); it may re-enter the funnel from ``recycle_after``.
Each day this flow lists, in ``marts.nurture_recycle_due``, the nurture leads whose
``recycle_after`` has come, that may still be contacted and have cycles left, so that
marketing re-enrols them in a nurture programme. Their next MQL signal then starts a new
cycle on the next ``qualify`` run.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

import sqlalchemy as sa
from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact

from flows.config import AccessConfig, load_access, load_qualification
from flows.lock import warehouse_lock
from flows.publish import MARTS_SCHEMA, grant_readers
from flows.settings import ConfigurationError, Warehouse, config_dir
from flows.warehouse import make_engine

RECYCLE_TABLE = "nurture_recycle_due"
COLUMNS = (
    "lead_id",
    "email",
    "full_name",
    "company_name",
    "cycle",
    "tier_reason",
    "nurture_at",
    "recycle_after",
)


@dataclass
class RecycleSummary:
    """What one ``recycle_nurture`` run listed."""

    warehouse: str
    as_of: datetime
    due: int = 0
    by_reason: dict[str, int] = field(default_factory=dict)
    at_max_cycles: int = 0


def parse_as_of(as_of: str | None) -> datetime:
    """The run's clock: an ISO date or timestamp (a date means its end), default now (UTC)."""
    if as_of is None:
        return datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    try:
        if len(as_of) == 10:
            return datetime.combine(date.fromisoformat(as_of), time(23, 59, 59))
        return datetime.fromisoformat(as_of).replace(tzinfo=None)
    except ValueError as exc:
        raise ConfigurationError(f"--as-of {as_of!r}: {exc} (expected YYYY-MM-DD)") from None


def clock_literal(as_of: datetime) -> str:
    """``as_of`` as a SQL timestamp literal (built from a datetime, never from user text)."""
    return f"cast('{as_of.isoformat(sep=' ')}' as timestamp)"


def due_condition(as_of: datetime, max_cycles: int) -> str:
    """SQL condition on ``marts.leads``: in nurture, waiting time over, contactable, cycles left."""
    clock = clock_literal(as_of)
    return (
        f"tier = 'nurture' and recycle_after <= {clock} and can_contact "
        f"and cycle < {int(max_cycles)}"
    )


def list_due(
    engine: sa.Engine,
    as_of: datetime,
    max_cycles: int,
    access: AccessConfig,
    summary: RecycleSummary,
) -> None:
    """Replace ``marts.nurture_recycle_due`` with the leads due at ``as_of``, in one transaction
    (with the reader roles' grants on PostgreSQL)."""
    if not sa.inspect(engine).has_table("leads", schema=MARTS_SCHEMA):
        raise ConfigurationError(
            f"{MARTS_SCHEMA}.leads does not exist in {summary.warehouse}: run `leadflow run` first"
        )
    condition = due_condition(as_of, max_cycles)
    clock = clock_literal(as_of)
    table = f"{MARTS_SCHEMA}.{RECYCLE_TABLE}"
    with engine.begin() as conn:
        conn.execute(sa.text(f"drop table if exists {table}"))
        conn.execute(
            sa.text(
                f"create table {table} as select {', '.join(COLUMNS)}, {clock} as listed_as_of "
                f"from {MARTS_SCHEMA}.leads where {condition} order by recycle_after, lead_id"
            )
        )
        reasons = conn.execute(sa.text(f"select tier_reason from {table}")).scalars().all()
        if conn.dialect.name == "postgresql":
            grant_readers(conn, access, [RECYCLE_TABLE])
    # "rejected by sales: budget; may re-enter from 2026-07-08" counts as its first part
    counted = Counter(str(reason).split("; may re-enter")[0] for reason in reasons)
    summary.by_reason = dict(counted.most_common())
    summary.due = len(reasons)
    with engine.connect() as conn:
        summary.at_max_cycles = conn.execute(
            sa.text(
                f"select count(*) from {MARTS_SCHEMA}.leads where tier = 'nurture' "
                f"and recycle_after <= {clock} and cycle >= {int(max_cycles)}"
            )
        ).scalar_one()


def recycle_markdown(summary: RecycleSummary) -> str:
    """The run's summary for the Prefect artifact (counts only: no personal data)."""
    lines = [
        f"# nurture recycle list, as of {summary.as_of:%Y-%m-%d %H:%M}",
        "",
        f"Warehouse: `{summary.warehouse}`. Leads due: **{summary.due:,}** "
        f"(in `{MARTS_SCHEMA}.{RECYCLE_TABLE}`); at the cycle limit, not listed: "
        f"{summary.at_max_cycles:,}.",
        "",
        "| why they went to nurture | leads |",
        "|---|---:|",
    ]
    lines += [f"| {reason} | {n:,} |" for reason, n in summary.by_reason.items()]
    return "\n".join(lines) + "\n"


@flow(name="recycle-nurture", log_prints=True)
def recycle_nurture(
    warehouse_url: str | None = None,
    config: str | None = None,
    as_of: str | None = None,
    lock_timeout: float = 0,
) -> RecycleSummary:
    """List the nurture leads whose recycle date has come in ``marts.nurture_recycle_due``.

    ``as_of`` (ISO date or timestamp, default now in UTC) is the day the list is for. The
    run takes the warehouse's run lock like ``qualify``; on PostgreSQL the table gets the
    reader grants of ``config/access.yml``.
    """
    warehouse = Warehouse.from_env(warehouse_url)
    folder = config_dir(config)
    max_cycles = load_qualification(folder).recycle.max_cycles
    access = load_access(folder)
    summary = RecycleSummary(warehouse=warehouse.display_url, as_of=parse_as_of(as_of))
    engine = make_engine(warehouse)
    with warehouse_lock(warehouse, timeout=lock_timeout):
        list_due(engine, summary.as_of, max_cycles, access, summary)
    create_markdown_artifact(
        key="recycle-nurture", markdown=recycle_markdown(summary), description="nurture recycle"
    )
    get_run_logger().info(
        "nurture recycle list as of %s: %d leads due %s", summary.as_of, summary.due,
        summary.by_reason,
    )  # fmt: skip
    return summary

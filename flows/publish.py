"""Publish: copy the validated tier tables from ``audit`` to ``marts`` in one transaction."""

from __future__ import annotations

import json

import sqlalchemy as sa

from flows.settings import DBT_PROJECT_DIR

AUDIT_SCHEMA = "audit"
MARTS_SCHEMA = "marts"


def mart_tables() -> list[str]:
    """Names of the dbt models built in ``audit``, from dbt's manifest of the last build."""
    manifest_path = DBT_PROJECT_DIR / "target" / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    return sorted(
        node["alias"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["schema"] == AUDIT_SCHEMA
    )


def publish(engine: sa.Engine, tables: list[str]) -> dict[str, int]:
    """Replace each ``marts.<table>`` with ``audit.<table>``, all or nothing; rows per table."""
    counts: dict[str, int] = {}
    with engine.begin() as conn:
        conn.execute(sa.text(f"create schema if not exists {MARTS_SCHEMA}"))
        for table in tables:
            conn.execute(sa.text(f"drop table if exists {MARTS_SCHEMA}.{table}"))
            conn.execute(
                sa.text(
                    f"create table {MARTS_SCHEMA}.{table} as select * from {AUDIT_SCHEMA}.{table}"
                )
            )
            counts[table] = conn.execute(
                sa.text(f"select count(*) from {MARTS_SCHEMA}.{table}")
            ).scalar_one()
    return counts


def tier_counts(engine: sa.Engine) -> dict[str, int]:
    """Leads per tier in the published ``marts.leads`` (empty before the first publish)."""
    if not sa.inspect(engine).has_table("leads", schema=MARTS_SCHEMA):
        return {}
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(f"select tier, count(*) from {MARTS_SCHEMA}.leads group by tier order by 1")
        ).all()
    return {tier: int(n) for tier, n in rows}

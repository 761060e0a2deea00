"""Publish: copy the validated tier tables from ``audit`` to ``marts`` in one transaction."""

from __future__ import annotations

import json

import sqlalchemy as sa

from flows.config import AccessConfig
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


def publish(
    engine: sa.Engine, tables: list[str], access: AccessConfig | None = None
) -> dict[str, int]:
    """Replace each ``marts.<table>`` with ``audit.<table>``, all or nothing; rows per table.

    On PostgreSQL the reader roles of ``access`` get their grants on the new tables in the
    same transaction, so a reader never sees a published table it may not read, or loses
    one it may.
    """
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
        if access is not None and conn.dialect.name == "postgresql":
            grant_readers(conn, access, tables)
    return counts


def grant_readers(conn: sa.Connection, access: AccessConfig, tables: list[str]) -> None:
    """Create the reader roles if missing; grant each SELECT on its tables of schema marts.

    Names come from the validated configuration (lower-case identifiers) and dbt's manifest.
    """
    for role, readable in access.grants(tables).items():
        conn.execute(
            sa.text(
                "do $$ begin "
                f"if not exists (select from pg_roles where rolname = '{role}') "
                f"then create role {role} nologin; end if; end $$"
            )
        )
        conn.execute(sa.text(f"grant usage on schema {MARTS_SCHEMA} to {role}"))
        for table in readable:
            conn.execute(sa.text(f"grant select on {MARTS_SCHEMA}.{table} to {role}"))


def tier_counts(engine: sa.Engine) -> dict[str, int]:
    """Leads per tier in the published ``marts.leads`` (empty before the first publish)."""
    if not sa.inspect(engine).has_table("leads", schema=MARTS_SCHEMA):
        return {}
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(f"select tier, count(*) from {MARTS_SCHEMA}.leads group by tier order by 1")
        ).all()
    return {tier: int(n) for tier, n in rows}

"""The same pipeline on the PostgreSQL service: one URL switches ingestion, dbt and GX.

One ``leadflow run`` on the sample, in a subprocess as a user starts it, into a fresh
database whose URL carries a password: the tests compare it with the DuckDB run of the
same sample, connect as the reader roles, and look for the password everywhere.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from flows.config import load_access
from flows.qualify import qualify
from flows.recycle import RECYCLE_TABLE, recycle_nurture
from flows.settings import DBT_PROJECT_DIR, DEFAULT_CONFIG_DIR, SAMPLE_SOURCES_DIR
from tests.conftest import fresh_postgres_database, query

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

PASSWORD = "pg-Secret-0815"  # trust authentication ignores it; the tests look for it


@dataclass
class PostgresRun:
    url: str  # with the password
    plain: str  # the same without it (trust authentication), for flows called in-process
    output: str  # everything the command printed
    data_docs: Path
    dbt_log: str  # what dbt appended to its log file during the run


@pytest.fixture(scope="module")
def pg_run(postgres_admin_url, prefect_harness, tmp_path_factory) -> Iterator[PostgresRun]:
    from prefect.settings import get_current_settings

    docs = tmp_path_factory.mktemp("pg-data-docs")
    with fresh_postgres_database(postgres_admin_url) as plain:
        url = make_url(plain).set(password=PASSWORD).render_as_string(hide_password=False)
        env = {
            **os.environ,
            "PREFECT_API_URL": str(get_current_settings().api.url),
            "LEADFLOW_DATA_DOCS_DIR": str(docs),
        }
        dbt_log = DBT_PROJECT_DIR / "logs" / "dbt.log"
        logged = dbt_log.stat().st_size if dbt_log.exists() else 0
        run = subprocess.run(
            [sys.executable, "-m", "flows.cli", "run", "--warehouse-url", url],
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        assert run.returncode == 0, run.stderr[-3000:]
        # dbt rotates its log at 10 MB: what the run wrote may start in dbt.log.1
        rotated = dbt_log.stat().st_size < logged
        parts = [dbt_log.with_name("dbt.log.1"), dbt_log] if rotated else [dbt_log]
        appended = ""
        for part, offset in zip(parts, [logged, 0] if rotated else [logged], strict=True):
            with part.open("rb") as log:
                log.seek(offset)
                appended += log.read().decode("utf-8", errors="replace")
        yield PostgresRun(url, plain, run.stdout + run.stderr, docs, appended)


@contextmanager
def connect(url: str, user: str | None = None) -> Iterator[psycopg.Connection]:
    u = make_url(url)
    with psycopg.connect(
        host=u.host, port=u.port or 5432, dbname=u.database, user=user or u.username,
        password=u.password if user is None else None, autocommit=True,
    ) as con:  # fmt: skip
        yield con


def normalised(rows: list[tuple]) -> list[tuple]:
    """Rows comparable across engines: numbers as floats to 9 significant digits,
    timestamps without time zone, sorted."""

    def value(v: object) -> object:
        if isinstance(v, (float, decimal.Decimal)):
            return float(f"{float(v):.9g}")
        if isinstance(v, dt.datetime):
            return v.replace(tzinfo=None)
        return v

    return sorted((tuple(value(v) for v in row) for row in rows), key=repr)


def test_sample_on_postgres_gives_the_same_tier_for_every_lead(sample_run, pg_run):
    duck_summary, duck_path = sample_run
    columns = "lead_id, email, tier, fit_score, fit_reason, disqualification_reason"
    with connect(pg_run.url) as con:
        on_postgres = con.execute(f"select {columns} from marts.leads order by lead_id").fetchall()
        quarantined = con.execute("select count(*) from raw.quarantine").fetchone()[0]
    assert on_postgres == query(duck_path, f"select {columns} from marts.leads order by lead_id")
    assert quarantined == duck_summary.totals()["rows_quarantined"]
    # A second run loads nothing twice on PostgreSQL either.
    again = qualify(sources=str(SAMPLE_SOURCES_DIR), warehouse_url=pg_run.plain)
    assert {f["status"] for f in again.files} == {"skipped"}
    assert again.tiers == duck_summary.tiers


# Columns that name the load, not the data: each run has its own.
RUN_COLUMNS = {"batch_id", "loaded_at"}


def test_every_published_table_is_the_same_on_postgres_and_duckdb(sample_run, pg_run):
    duck_summary, duck_path = sample_run
    with connect(pg_run.url) as con:
        for table in sorted(duck_summary.published):
            columns = ", ".join(
                c
                for (c,) in con.execute(
                    "select column_name from information_schema.columns where table_schema = "
                    "'marts' and table_name = %s order by ordinal_position",
                    (table,),
                )
                if c not in RUN_COLUMNS
            )
            on_postgres = con.execute(f"select {columns} from marts.{table}").fetchall()
            on_duckdb = query(duck_path, f"select {columns} from marts.{table}")
            assert len(on_postgres) == len(on_duckdb), table
            assert normalised(on_postgres) == normalised(on_duckdb), table


def test_reader_roles_read_their_marts_and_nothing_else(pg_run):
    recycle_nurture(warehouse_url=pg_run.plain, as_of="2026-10-31")
    access = load_access(DEFAULT_CONFIG_DIR)
    suffix = uuid.uuid4().hex[:8]
    logins = {role: f"{role}_{suffix}" for role in access.roles}
    with connect(pg_run.url) as admin:
        tables = [r[0] for r in admin.execute(
            "select table_name from information_schema.tables where table_schema = 'marts'"
        )]  # fmt: skip
        for role, login in logins.items():
            admin.execute(f"create role {login} login in role {role}")
    try:
        grants = access.grants(tables)
        assert "mql_leads" in grants["leadflow_marketing"]
        assert RECYCLE_TABLE in grants["leadflow_marketing"]
        assert (
            "sql_opportunities" in grants["leadflow_bi"]
            and "funnel_forecast" in grants["leadflow_bi"]
        )
        never = ["raw.contacts", "raw.quarantine", "raw.load_ledger", "staging.stg_raw__contacts",
                 "intermediate.int_lead_cycles", "audit.mql_leads", "ops.gate_results"]  # fmt: skip
        for role, login in logins.items():
            readable = {f"marts.{t}" for t in grants[role]}
            with connect(pg_run.url, user=login) as con:
                for table in sorted(readable):
                    con.execute(f"select count(*) from {table}").fetchone()
                for table in never + sorted({f"marts.{t}" for t in tables} - readable):
                    with pytest.raises(psycopg.errors.InsufficientPrivilege):
                        con.execute(f"select 1 from {table} limit 1")
                if role == "leadflow_bi":  # BI tools see no e-mail or phone
                    visible = con.execute(
                        "select table_name, column_name from information_schema.columns "
                        "where table_schema = 'marts'"
                    ).fetchall()
                    assert {t for t, _ in visible} == set(grants[role])
                    assert not [c for _, c in visible if "email" in c or "phone" in c]
    finally:
        with connect(pg_run.url) as admin:
            for login in logins.values():
                admin.execute(f"drop role if exists {login}")


def test_the_password_appears_in_no_output_log_table_artifact_or_page(pg_run):
    from prefect.artifacts import Artifact
    from prefect.client.orchestration import get_client

    assert "***" in pg_run.output and "step publish:" in pg_run.output
    assert PASSWORD not in pg_run.output
    assert "Running with dbt" in pg_run.dbt_log and PASSWORD not in pg_run.dbt_log
    pages = list(pg_run.data_docs.rglob("*.html"))
    assert pages and not [p for p in pages if PASSWORD in p.read_text(errors="replace")]
    assert PASSWORD not in Artifact.get("qualify-run").data
    with get_client(sync_client=True) as client:  # flow run parameters are stored by Prefect
        runs = client.read_flow_runs(limit=200)
    assert runs and not [r.name for r in runs if PASSWORD in json.dumps(r.parameters, default=str)]
    with connect(pg_run.url) as con:
        text_columns = con.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where data_type in ('text', 'character varying', 'json', 'jsonb') "
            "and table_schema not in ('pg_catalog', 'information_schema')"
        ).fetchall()
        for schema, table, column in text_columns:
            found = con.execute(
                f'select count(*) from {schema}.{table} where "{column}"::text like %s',
                (f"%{PASSWORD}%",),
            ).fetchone()[0]
            assert found == 0, f"{schema}.{table}.{column}"

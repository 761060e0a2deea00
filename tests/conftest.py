"""Shared fixtures: real DuckDB files in temporary folders, a Prefect test harness, and
one full `qualify` run on the bundled sample data that several integration tests read."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
# The gates' Data Docs of test runs go to a scratch folder, not the project's reports/.
os.environ.setdefault("LEADFLOW_DATA_DOCS_DIR", tempfile.mkdtemp(prefix="leadflow-data-docs-"))

from flows.settings import MAPPINGS_DIR, SAMPLE_SOURCES_DIR  # noqa: E402


def duckdb_url(path: Path) -> str:
    """SQLAlchemy URL of a DuckDB file."""
    return f"duckdb:///{path}"


def load_scaled(seconds: float) -> float:
    """A time limit for a test that times a command: ``seconds`` on a machine with a core to
    spare, scaled by the load when other processes compete for the cores (a shared test
    machine), so the test measures leadflow, not them."""
    load = os.getloadavg()[0] / (os.cpu_count() or 1)
    return seconds * max(1.0, load)


# Three months of the sample: a full run on them is short.
SAMPLE_SUBSET = [
    "firmographics/companies.parquet",
    *(f"forms/web_form_submissions_2026-0{m}.csv" for m in (1, 2, 3)),
    *(f"email/email_engagement_2026-0{m}.csv" for m in (1, 2, 3)),
    *(f"web/site_activity_2026-0{m}.jsonl" for m in (1, 2, 3)),
    *(f"crm/lead_decisions_2026-0{m}.csv" for m in (1, 2, 3)),
    *(f"crm/discovery_answers_2026-0{m}.csv" for m in (1, 2, 3)),
    "salesforce/Opportunity_2026-03-31.csv",
]


def copy_sample(relatives: list[str], landing: Path) -> Path:
    """Copy these files of the sample (landing-relative paths) into ``landing``."""
    for relative in relatives:
        (landing / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(SAMPLE_SOURCES_DIR / relative, landing / relative)
    return landing


def query(path: Path, sql: str) -> list[tuple]:
    """Run a query on a DuckDB warehouse file and close it again (one process per file)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="session")
def prefect_harness():
    """A temporary Prefect API for flow runs (about 10 s, once per session)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture
def prefect_api(prefect_harness) -> dict[str, str]:
    """The environment that points a child process (``leadflow ...``) at the test session's
    Prefect API, so it does not start a temporary server of its own."""
    from prefect.settings import get_current_settings

    return {"PREFECT_API_URL": str(get_current_settings().api.url)}


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory, prefect_harness):
    """One `qualify` run on sources/sample into a fresh DuckDB file: (summary, warehouse path)."""
    from flows.qualify import qualify

    path = tmp_path_factory.mktemp("sample") / "leadflow.duckdb"
    summary = qualify(sources=str(SAMPLE_SOURCES_DIR), warehouse_url=duckdb_url(path))
    return summary, path


PG_ADMIN_URL = os.environ.get(
    "LEADFLOW_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    """URL of a PostgreSQL database we may create databases from.

    Skipped when PostgreSQL is unreachable, except under CI (CI=true), where that fails.
    """
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(PG_ADMIN_URL)
    try:
        psycopg.connect(
            host=url.host, port=url.port or 5432, user=url.username,
            password=url.password or None, dbname=url.database, connect_timeout=5,
        ).close()  # fmt: skip
    except psycopg.OperationalError as exc:
        reason = f"PostgreSQL unreachable at {url.render_as_string(hide_password=True)}: {exc}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(reason)  # outside CI a machine without PostgreSQL skips, saying why
    return PG_ADMIN_URL


@contextlib.contextmanager
def fresh_postgres_database(admin_url: str) -> Iterator[str]:
    """A new, empty PostgreSQL database (its URL), dropped afterwards."""
    import uuid

    import psycopg
    from sqlalchemy.engine import make_url

    admin = make_url(admin_url)
    name = f"leadflow_test_{uuid.uuid4().hex[:10]}"
    params = dict(host=admin.host, port=admin.port or 5432, user=admin.username,
                  password=admin.password or None, dbname=admin.database, autocommit=True)  # fmt: skip
    with psycopg.connect(**params) as con:
        con.execute(f"create database {name}")
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(**params) as con:
            con.execute(f"drop database if exists {name} with (force)")


@pytest.fixture
def postgres_url(postgres_admin_url):
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    with fresh_postgres_database(postgres_admin_url) as url:
        yield url


@pytest.fixture
def landing(tmp_path) -> Path:
    """An empty landing folder."""
    folder = tmp_path / "landing"
    folder.mkdir()
    return folder


@pytest.fixture
def sample_copy(tmp_path) -> Path:
    """A private copy of the sample landing folder that a test may add files to."""
    target = tmp_path / "landing"
    shutil.copytree(SAMPLE_SOURCES_DIR, target)
    return target


@pytest.fixture
def mappings_dir() -> Path:
    return MAPPINGS_DIR


def pytest_unconfigure(config):
    """Free DuckDB objects still referenced from reference cycles before the interpreter
    exits, so DuckDB's bindings do not report them as leaked at shutdown."""
    import gc

    gc.collect()

"""Shared fixtures: real DuckDB files in temporary folders, a Prefect test harness, and
one full `qualify` run on the bundled sample data that several integration tests read."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb
import pytest

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")

from flows.settings import MAPPINGS_DIR, SAMPLE_SOURCES_DIR  # noqa: E402


def duckdb_url(path: Path) -> str:
    """SQLAlchemy URL of a DuckDB file."""
    return f"duckdb:///{path}"


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


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory, prefect_harness):
    """One `qualify` run on sources/sample into a fresh DuckDB file: (summary, warehouse path)."""
    from flows.qualify import qualify

    path = tmp_path_factory.mktemp("sample") / "leadflow.duckdb"
    summary = qualify(sources=str(SAMPLE_SOURCES_DIR), warehouse_url=duckdb_url(path))
    return summary, path


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

"""Erasure without a trace: after ``leadflow forget``, no byte of the project folder (a
private copy of it, landing files aside) nor of the warehouse holds the address or the
person's lead id. Real processes (``python -m flows.cli``), real dbt, GX, Prefect, DuckDB
and PostgreSQL.

The person's SHA-256 stays in ``ops.suppressions`` by design: it is what keeps them out of
later loads. The landing exports themselves are the operator's to delete.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
import sqlalchemy as sa

from flows.privacy import compact_duckdb, identifier_hash, person_traces, purge_traces
from flows.settings import PROJECT_ROOT
from tests.conftest import SAMPLE_SUBSET, copy_sample, duckdb_url

# What a project folder is made of; what leadflow and its tools write there comes later.
PROJECT_PARTS = ("flows", "dbt_project", "expectations", "config", "sources/mappings")
OUTPUTS = ("target", "logs", "uncommitted", "__pycache__", "dbt_packages", ".user.yml")


def test_purge_drops_log_lines_and_deletes_other_files_holding_a_trace(tmp_path):
    logs, docs = tmp_path / "logs", tmp_path / "docs"
    logs.mkdir()
    docs.mkdir()
    (logs / "dbt.log").write_text("start\nran dbt forget Ana@Example.com\nend\n")
    (logs / "dbt.log.1").write_text("old: ana@example.com\n")
    (docs / "page.html").write_text("<td>ANA@EXAMPLE.COM</td>")
    (docs / "other.html").write_text("<td>bob@example.com</td>")
    lead_id = person_traces("ana@example.com")[1]
    (docs / "report.html").write_text(f"<td>{lead_id}</td>")
    purged = purge_traces(person_traces(" Ana@Example.com "), [logs, docs])
    assert sorted(p.name for p in purged) == ["dbt.log", "dbt.log.1", "page.html", "report.html"]
    assert (logs / "dbt.log").read_text() == "start\nend\n"
    assert (logs / "dbt.log.1").read_text() == ""
    assert sorted(p.name for p in docs.iterdir()) == ["other.html"]


def test_compacting_a_duckdb_file_drops_deleted_bytes_and_keeps_everything_else(tmp_path):
    path = tmp_path / "w.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create schema raw; create schema marts")
    con.execute("create table raw.t (id integer primary key, email varchar not null)")
    con.execute("comment on table raw.t is 'kept'")
    con.execute("insert into raw.t values (1, 'gone@example.com'), (2, 'kept@example.com')")
    con.execute("create view marts.v as select id from raw.t")
    con.execute("checkpoint")
    con.execute("delete from raw.t where id = 1")
    con.execute("checkpoint")
    con.close()
    assert b"gone@example.com" in path.read_bytes()  # deleted, still in the file
    holder = duckdb.connect(str(path))
    with pytest.raises(RuntimeError, match="still open in this process"):
        compact_duckdb(path)
    holder.close()
    assert [p.name for p in tmp_path.iterdir()] == ["w.duckdb"]
    before, after = compact_duckdb(path)
    assert after > 0 and before > 0
    assert b"gone@example.com" not in path.read_bytes()
    con = duckdb.connect(str(path), read_only=True)
    try:
        assert con.execute("select * from raw.t").fetchall() == [(2, "kept@example.com")]
        assert con.execute("select * from marts.v").fetchall() == [(2,)]
        assert con.execute("select comment from duckdb_tables()").fetchall() == [("kept",)]
        assert con.execute(
            "select constraint_type from duckdb_constraints() where table_name = 't' order by 1"
        ).fetchall() == [("NOT NULL",), ("NOT NULL",), ("PRIMARY KEY",)]
    finally:
        con.close()
    assert [p.name for p in tmp_path.iterdir()] == ["w.duckdb"]


def _project_copy(target: Path) -> Path:
    """The project's own files, without anything a run wrote."""
    for part in PROJECT_PARTS:
        shutil.copytree(PROJECT_ROOT / part, target / part, ignore=shutil.ignore_patterns(*OUTPUTS))
    shutil.copy(PROJECT_ROOT / "pyproject.toml", target / "pyproject.toml")
    return target


def _prefect_database() -> list[Path]:
    """The files of the Prefect API database the runs report to (the test harness's)."""
    from prefect.settings import get_current_settings

    url = get_current_settings().server.database.connection_url
    url = url.get_secret_value() if hasattr(url, "get_secret_value") else str(url)
    database = Path(url.split(":///", 1)[1])
    return [p for p in database.parent.glob(database.name + "*") if p.is_file()]


def _leadflow(project: Path, *args: str) -> subprocess.CompletedProcess:
    """``leadflow ARGS`` as a new process running the project copy's code, from its folder,
    reporting to the test harness's Prefect API."""
    from prefect.settings import get_current_settings

    env = {k: v for k, v in os.environ.items() if not k.startswith(("LEADFLOW_", "PREFECT_"))}
    env.update(
        PYTHONPATH=str(project),
        PREFECT_API_URL=str(get_current_settings().api.url),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        DO_NOT_TRACK="1",
    )
    done = subprocess.run(
        [sys.executable, "-m", "flows.cli", *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def _hits(data: bytes, traces: list[str]) -> dict[str, int]:
    lowered = data.lower()
    return {t: n for t in traces if (n := lowered.count(t.lower().encode()))}


def _files_holding(folder: Path, traces: list[str]) -> dict[str, dict[str, int]]:
    found = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if hits := _hits(path.read_bytes(), traces):
            found[str(path.relative_to(folder))] = hits
    return found


def _person(url: str) -> tuple[str, str]:
    """A lead the funnel report names (the longest stalled one): (address, full name)."""
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as conn:
            return tuple(
                conn.execute(
                    sa.text(
                        "select l.email, l.full_name from marts.funnel_bottlenecks b "
                        "join marts.leads l on l.lead_id = b.lead_id "
                        "where l.full_name is not null "
                        "order by b.days_in_tier desc, b.lead_id limit 1"
                    )
                ).one()
            )
    finally:
        engine.dispose()


def _run_report_and_forget(
    tmp_path: Path, url: str, warehouse_bytes: Callable[[], bytes]
) -> tuple[Path, str, list[str]]:
    """Run on a landing folder and write the funnel report, from a private copy of the
    project; check the grep finds the person there and in the warehouse's bytes; then
    ``forget`` the person as a user types the address. (project, address, traces)"""
    landing = copy_sample(SAMPLE_SUBSET, tmp_path / "landing")
    project = _project_copy(tmp_path / "project")
    _leadflow(project, "run", "--sources", str(landing), "--warehouse-url", url, "--quiet")
    person, name = _person(url)
    traces = [*person_traces(person), name]  # the report names people by name
    assert person in _hits(warehouse_bytes(), traces)  # the grep can find it
    _leadflow(project, "report", "--warehouse-url", url, "--out", "reports/funnel.html")
    # a dbt log written before the invocation was masked held the address in its command
    with (project / "dbt_project" / "logs" / "dbt.log").open("a", encoding="utf-8") as log:
        log.write(f'"invocation_command": "dbt forget {person.upper()}"\n')
    before = _files_holding(project, traces)
    assert set(before) >= {"reports/funnel.html", "dbt_project/logs/dbt.log"}, before
    done = _leadflow(project, "forget", f"  {person.upper()} ", "--warehouse-url", url)
    assert "purged  reports/funnel.html" in done.stdout
    return project, person, traces


@pytest.mark.integration
@pytest.mark.slow
def test_forget_leaves_no_copy_in_the_project_folder_nor_in_the_duckdb_file(
    tmp_path, prefect_harness
):
    warehouse = tmp_path / "wh.duckdb"
    url = duckdb_url(warehouse)
    project, person, traces = _run_report_and_forget(tmp_path, url, warehouse.read_bytes)
    assert _files_holding(project, traces) == {}
    prefect_files = _prefect_database()  # the runs' parameters, logs and artifacts
    assert prefect_files
    assert [p.name for p in prefect_files if _hits(p.read_bytes(), traces)] == []
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("wh.duckdb")) == [
        "wh.duckdb",
        "wh.duckdb.lock",
    ]
    # a name is not unique (other people, sales reps share it): the warehouse is searched
    # for what only this person has, the address and the lead id
    assert _hits(warehouse.read_bytes(), person_traces(person)) == {}
    # the suppression keeps the SHA-256 of the address, by design
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            kept = conn.execute(sa.text("select identifier_hash from ops.suppressions")).all()
            leads = conn.execute(sa.text("select count(*) from marts.leads")).scalar_one()
    finally:
        engine.dispose()
    assert (identifier_hash(person),) in kept and leads > 0
    # dbt's artifacts name dbt's own command, not leadflow's
    log = (project / "dbt_project" / "logs" / "dbt.log").read_text(encoding="utf-8")
    assert "Running with dbt" in log
    results = (project / "dbt_project" / "target" / "run_results.json").read_text()
    assert '"invocation_command": "dbt build --full-refresh"' in results


def _relation_bytes(conn: sa.Connection) -> dict[str, bytes]:
    """The bytes of every table, TOAST table and index file of the database, the system
    catalogs included (``pg_statistic`` keeps sample values of columns), read as superuser
    with ``pg_read_binary_file`` after a checkpoint wrote every page to them."""
    conn.execute(sa.text("checkpoint"))
    rows = conn.execute(
        sa.text(
            "select c.oid::regclass::text, pg_relation_filepath(c.oid) from pg_class c "
            "where c.relkind in ('r', 't', 'i', 'm') and pg_relation_filepath(c.oid) is not null"
        )
    ).all()
    out = {}
    for name, path in rows:
        data = conn.execute(sa.text("select pg_read_binary_file(:p)"), {"p": path})
        out[name] = bytes(data.scalar() or b"")
    return out


@pytest.mark.integration
@pytest.mark.slow
@pytest.mark.postgres
def test_forget_on_postgres_vacuums_so_no_table_file_holds_the_address(
    tmp_path, postgres_url, prefect_harness
):
    engine = sa.create_engine(postgres_url.replace("postgresql://", "postgresql+psycopg://"))

    def table_files() -> bytes:
        with engine.connect() as conn:
            return b"".join(_relation_bytes(conn).values())

    try:
        project, person, traces = _run_report_and_forget(tmp_path, postgres_url, table_files)
        assert _files_holding(project, traces) == {}
        with engine.connect() as conn:
            files = _relation_bytes(conn)
            kept = conn.execute(sa.text("select identifier_hash from ops.suppressions")).all()
    finally:
        engine.dispose()
    assert "raw.contacts" in files and len(files["raw.contacts"]) > 0
    own = person_traces(person)  # not the name: other people share it
    assert {name: _hits(data, own) for name, data in files.items() if _hits(data, own)} == {}
    assert (identifier_hash(person),) in kept

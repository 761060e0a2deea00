"""The run lock seen from the command line: taken before anything opens the warehouse.

Real processes: a holder takes the lock through flows.lock and, like a run in its dbt or
gate step, keeps the DuckDB file open; every command that takes the lock is then started as
`leadflow <command>` and must be refused at once (exit 3, one line, no traceback) without
opening the file, or wait and then run. The slow tests race two full `leadflow run`s.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from flows.generate import generate
from flows.settings import PROJECT_ROOT
from tests.conftest import duckdb_url, load_scaled, query
from tests.test_ops import holder  # noqa: F401  (test_ops' holder fixture)

RUN_LIKE_HOLDER = """
import sys
import duckdb
from flows.lock import warehouse_lock
from flows.settings import Warehouse
warehouse = Warehouse.from_env(sys.argv[1])
with warehouse_lock(warehouse):
    con = duckdb.connect(str(warehouse.duckdb_path)) if warehouse.backend == "duckdb" else None
    print("locked", flush=True)
    sys.stdin.readline()  # hold until the test writes a line or closes stdin
    if con is not None:
        con.close()
"""

REFUSAL_SECONDS = 2.0


@pytest.fixture
def run_holder(holder):  # noqa: F811
    """Start a process that holds the lock and keeps the DuckDB file open, as a run does."""
    return lambda url: holder(url, RUN_LIKE_HOLDER)


def leadflow(
    *args: str, env: dict | None = None, timeout: float = 600
) -> tuple[int, str, str, float]:
    """Run the console command as a new process: exit code, stdout, stderr, seconds."""
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "flows.cli", *args],
        capture_output=True, text=True, timeout=timeout, env={**os.environ, **(env or {})},
    )  # fmt: skip
    return done.returncode, done.stdout, done.stderr, time.monotonic() - started


def assert_refused(code: int, out: str, err: str, seconds: float, command: str) -> None:
    assert code == 3, (out, err)
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith(f"leadflow {command} refused: warehouse "), lines[0]
    assert "is locked by another qualify run (pid " in lines[0]
    assert "Traceback" not in err and "nanobind" not in err
    assert seconds < load_scaled(REFUSAL_SECONDS), f"refused after {seconds:.1f} s"


# every command that takes the lock, with the arguments it needs
COMMANDS = {
    "run": [],
    "backfill": ["--since", "2026-01-01", "--until", "2026-02-01"],
    "forget": ["someone@example.com"],
    "recycle": [],
    "backtest": ["--config", str(PROJECT_ROOT / "config")],
    "calibrate": [],
    "report": ["--out", "report.html"],
    "sql": ["select 1"],
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_duckdb_commands_are_refused_at_once_without_opening_the_file(
    tmp_path, run_holder, command
):
    url = duckdb_url(tmp_path / "wh.duckdb")
    run_holder(url)
    args = [command, *COMMANDS[command], "--warehouse-url", url]
    if command == "report":
        args[2] = str(tmp_path / "report.html")
    # Had the command opened the DuckDB file the holder keeps open, DuckDB would have
    # refused it with "Could not set lock on file" instead.
    assert_refused(*leadflow(*args), command=command)


def test_spark_is_refused_at_once(tmp_path, run_holder):
    url = duckdb_url(tmp_path / "wh.duckdb")
    run_holder(url)
    code, out, err, seconds = leadflow("spark", "--warehouse-url", url)
    assert code == 3 and "leadflow spark refused: warehouse " in err, err
    assert "Traceback" not in err and seconds < 2 * load_scaled(REFUSAL_SECONDS)


@pytest.mark.postgres
@pytest.mark.parametrize("command", ["run", "backfill", "forget", "recycle", "backtest"])
def test_postgres_commands_are_refused_at_once(postgres_url, run_holder, command):
    run_holder(postgres_url)
    args = [command, *COMMANDS[command], "--warehouse-url", postgres_url]
    assert_refused(*leadflow(*args), command=command)


@pytest.mark.postgres
def test_postgres_readers_need_no_lock(postgres_url, run_holder):
    run_holder(postgres_url)
    code, out, err, _ = leadflow("sql", "select 41 + 1 as answer", "--warehouse-url", postgres_url)
    assert code == 0, err
    assert "42" in out


def test_a_waiting_reader_waits_without_touching_the_file_then_runs(tmp_path, run_holder):
    url = duckdb_url(tmp_path / "wh.duckdb")
    other = run_holder(url)
    threading.Timer(2.0, other.release).start()
    code, out, err, seconds = leadflow("sql", "select 41 + 1 as answer", "--lock-timeout", "30",
                                       "--warehouse-url", url)  # fmt: skip
    assert code == 0, err
    assert "42" in out and seconds >= 1.5
    other.proc.wait(timeout=30)
    assert other.proc.returncode == 0  # the holder closed its DuckDB file undisturbed


@pytest.mark.postgres
def test_a_waiting_postgres_command_waits_then_runs(postgres_url, run_holder, prefect_api):
    other = run_holder(postgres_url)
    threading.Timer(2.0, other.release).start()
    # recycle on an empty warehouse: it runs (and says marts.leads is missing) once it has
    # the lock, not before
    code, out, err, seconds = leadflow("recycle", "--lock-timeout", "30",
                                       "--warehouse-url", postgres_url, env=prefect_api)  # fmt: skip
    assert seconds >= 1.5, err
    assert code == 2 and "marts.leads does not exist" in err, err
    assert "Traceback" not in err


# --------------------------------------------------------------------------- two real runs

PHASES = {
    # a line of the first run's log (stderr) that says it is in this step
    "ingest": re.compile(r"Task run 'ingest_file-"),
    "dbt": re.compile(r"^step ingest", re.M),
    "gates": re.compile(r"^step build", re.M),
}


def start_run(url: str, landing: Path, env: dict[str, str], *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "flows.cli", "run", "--sources", str(landing),
         "--warehouse-url", url, *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, **env},
    )  # fmt: skip


def wait_for(proc: subprocess.Popen, pattern: re.Pattern, seen: list[str]) -> None:
    for line in proc.stderr:
        seen.append(line)
        if pattern.search(line):
            return
    raise AssertionError("the first run ended before the step:\n" + "".join(seen))


@pytest.mark.slow
@pytest.mark.parametrize("phase", sorted(PHASES))
def test_a_second_run_started_during_a_step_is_refused_and_breaks_nothing(
    tmp_path, phase, prefect_api
):
    landing = tmp_path / "landing"
    generate(leads=60, seed=7, out=landing)
    path = tmp_path / "wh.duckdb"
    url = duckdb_url(path)
    first = start_run(url, landing, prefect_api)
    seen: list[str] = []
    wait_for(first, PHASES[phase], seen)
    code, out, err, seconds = leadflow("run", "--sources", str(landing), "--warehouse-url", url)
    assert_refused(code, out, err, seconds, command="run")
    rest_out, rest_err = first.communicate(timeout=900)
    assert first.returncode == 0, "".join(seen) + rest_err
    assert "nanobind" not in rest_err and "Traceback" not in rest_err
    assert query(path, "select count(*) from marts.leads")[0][0] > 0


@pytest.mark.slow
def test_a_waiting_run_runs_after_the_first_and_both_succeed(tmp_path, prefect_api):
    landing = tmp_path / "landing"
    generate(leads=60, seed=8, out=landing)
    path = tmp_path / "wh.duckdb"
    url = duckdb_url(path)
    first = start_run(url, landing, prefect_api)
    seen: list[str] = []
    wait_for(first, PHASES["dbt"], seen)
    second = start_run(url, landing, prefect_api, "--lock-timeout", "900")
    first_out, first_err = first.communicate(timeout=900)
    second_out, second_err = second.communicate(timeout=900)
    assert first.returncode == 0, "".join(seen) + first_err
    assert second.returncode == 0, second_err
    assert "already loaded" in second_out
    loaded = [line for line in second_out.splitlines() if line.startswith("files:")]
    assert loaded and " 0 loaded" in loaded[0], second_out
    assert "nanobind" not in first_err + second_err

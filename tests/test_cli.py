"""The leadflow console command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from flows.cli import build_parser, main
from tests.conftest import load_scaled


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["run", "--help"],
        ["generate", "--help"],
        ["sql", "--help"],
        ["forget", "--help"],
    ],
)
def test_help(argv, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 0
    assert "usage: leadflow" in capsys.readouterr().out


def test_subcommands():
    parser = build_parser()
    args = parser.parse_args(["run", "--sources", "s3://bucket/landing"])
    assert args.sources == "s3://bucket/landing"
    args = parser.parse_args(["generate", "--leads", "10", "--seed", "3", "--out", "x"])
    assert (args.leads, args.seed, args.out) == (10, 3, "x")


def test_configuration_errors_exit_2(tmp_path, capsys):
    (tmp_path / "icp.yml").write_text("fit_threshold: 250\n", encoding="utf-8")
    code = main(
        ["run", "--config", str(tmp_path), "--warehouse-url", f"duckdb:///{tmp_path}/w.duckdb"]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert "icp.yml: invalid configuration" in err and "fit_threshold" in err


def test_console_script_generates(tmp_path):
    out = tmp_path / "landing"
    done = subprocess.run(
        [sys.executable, "-m", "flows.cli", "generate", "--leads", "50", "--seed", "1", "--out", str(out)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert '"people": 50' in done.stdout
    assert (out / "firmographics" / "companies.parquet").is_file()


def test_sql_prints_a_query_result(tmp_path, capsys):
    import duckdb

    path = tmp_path / "w.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create schema marts; create table marts.leads as select * from range(2479) t(n)")
    con.close()
    code = main(
        ["sql", "select count(*) as n from marts.leads", "--warehouse-url", f"duckdb:///{path}"]
    )
    assert code == 0
    assert "2479" in capsys.readouterr().out


def test_sql_on_a_missing_warehouse_says_so(tmp_path, capsys):
    code = main(["sql", "select 1", "--warehouse-url", f"duckdb:///{tmp_path}/none.duckdb"])
    assert code == 2
    assert "does not exist yet" in capsys.readouterr().err


# --------------------------------------------------------------------------- trust

WITHIN_TWO_SECONDS = """
import sys, time
started = time.monotonic()
from flows.cli import main
code = main(sys.argv[1:])
heavy = sorted(m for m in ("prefect", "dbt", "great_expectations") if m in sys.modules)
print(f"seconds={time.monotonic() - started:.2f} imported={','.join(heavy) or 'none'}")
sys.exit(code)
"""


def leadflow_process(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", WITHIN_TWO_SECONDS, *args], capture_output=True, text=True
    )


def copy_config(tmp_path):
    import shutil

    from flows.settings import DEFAULT_CONFIG_DIR, MAPPINGS_DIR

    config = tmp_path / "config"
    mappings = tmp_path / "mappings"
    shutil.copytree(DEFAULT_CONFIG_DIR, config)
    shutil.copytree(MAPPINGS_DIR, mappings)
    return config, mappings


def test_a_misspelt_configuration_key_is_named_with_its_line_before_prefect_starts(tmp_path):
    config, mappings = copy_config(tmp_path)
    icp = config / "icp.yml"
    lines = icp.read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("fit_threshold:"))
    lines[at] = lines[at].replace("fit_threshold:", "fit_treshold:")
    icp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = leadflow_process("run", "--config", str(config), "--mappings", str(mappings),
                            "--warehouse-url", f"duckdb:///{tmp_path}/w.duckdb")  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert f"leadflow run configuration error: {icp}: invalid configuration:\n" in done.stderr
    assert (
        f"  {icp}:{at + 1}: fit_treshold: unknown key (did you mean 'fit_threshold'?)"
        in done.stderr
    )
    assert f"  {icp}:{at + 1}: fit_threshold: required key missing" in done.stderr
    assert "Traceback" not in done.stderr and "nanobind" not in done.stderr
    assert "imported=none" in done.stdout  # neither Prefect nor dbt nor GX was started
    assert not (tmp_path / "w.duckdb").exists()  # nor the warehouse opened


def test_a_mapping_profile_mistake_is_named_with_file_line_and_key(tmp_path):
    config, mappings = copy_config(tmp_path)
    profile = mappings / "web_forms.yml"
    text = profile.read_text(encoding="utf-8")
    profile.write_text(text.replace("\ncsv:", "\ncvs:", 1), encoding="utf-8")
    line = text[: text.index("\ncsv:")].count("\n") + 2
    done = leadflow_process("backfill", "--since", "2026-01-01", "--until", "2026-02-01",
                            "--config", str(config), "--mappings", str(mappings),
                            "--warehouse-url", f"duckdb:///{tmp_path}/w.duckdb")  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip() == (
        f"leadflow backfill configuration error: {profile}: invalid mapping profile:\n"
        f"  {profile}:{line}: cvs: unknown key (did you mean 'csv'?)"
    )
    seconds = float(done.stdout.split("seconds=")[1].split()[0])
    assert seconds < load_scaled(2)


def test_invalid_yaml_names_the_line(tmp_path):
    config, _ = copy_config(tmp_path)
    (config / "scoring.yml").write_text("decay:\n  half_life_days: 30\n bad indent: 1\n")
    done = leadflow_process("recycle", "--config", str(config),
                            "--warehouse-url", f"duckdb:///{tmp_path}/w.duckdb")  # fmt: skip
    assert done.returncode == 2
    assert f"{config / 'scoring.yml'}:3: not valid YAML" in done.stderr
    assert "Traceback" not in done.stderr


def test_did_you_mean_reaches_nested_keys():
    from flows.config import IcpConfig
    from flows.yamlfile import did_you_mean, known_keys

    assert "disqualify_outside" in known_keys(IcpConfig, ("territory",))
    assert "points" in known_keys(IcpConfig, ("personas", 0))
    assert "max" in known_keys(IcpConfig, ("company_size", "employees", 2))
    assert did_you_mean("keywrods", known_keys(IcpConfig, ("personas", 3))) == (
        " (did you mean 'keywords'?)"
    )
    assert did_you_mean("zzz", ["points"]) == ""


def test_a_bad_query_prints_duckdbs_message_only(tmp_path):
    import duckdb

    path = tmp_path / "w.duckdb"
    duckdb.connect(str(path)).close()
    done = leadflow_process(
        "sql", "select nope from nowhere", "--warehouse-url", f"duckdb:///{path}"
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert lines[0].startswith(
        "leadflow sql: Catalog Error: Table with name nowhere does not exist"
    )
    assert "Traceback" not in done.stderr and "nanobind" not in done.stderr
    verbose = leadflow_process("sql", "select nope from nowhere", "--verbose",
                               "--warehouse-url", f"duckdb:///{path}")  # fmt: skip
    assert verbose.returncode != 0 and "Traceback" in verbose.stderr


def test_no_nanobind_leak_report_once_duckdb_engine_and_gx_were_loaded(tmp_path):
    """GX and duckdb-engine in one process kept DuckDB's objects alive past the interpreter's
    teardown (see flows.warehouse.close_leftovers); with flows.warehouse loaded they are freed.

    The scripts run from files: with pyspark installed, GX imports it, and pyspark ends a
    ``python -c`` script early (it takes it for a doctest run)."""
    script = (
        "import great_expectations, sqlalchemy as sa{extra}\n"
        "e = sa.create_engine('duckdb:///:memory:', poolclass=sa.pool.NullPool)\n"
        "with e.connect() as c: c.execute(sa.text('select 1'))\n"
        "e.dispose()\n"
    )
    (tmp_path / "without.py").write_text(script.format(extra=""), encoding="utf-8")
    (tmp_path / "fixed.py").write_text(script.format(extra=", flows.warehouse"), encoding="utf-8")
    without = subprocess.run([sys.executable, str(tmp_path / "without.py")],
                             capture_output=True, text=True)  # fmt: skip
    assert "nanobind: leaked" in without.stderr  # the cause, reproduced
    fixed = subprocess.run([sys.executable, str(tmp_path / "fixed.py")],
                           capture_output=True, text=True)  # fmt: skip
    assert fixed.returncode == 0 and "nanobind" not in fixed.stderr


def test_the_summary_counts_each_file_once_naming_its_profiles(capsys):
    from flows.cli import _print_summary
    from flows.qualify import RunSummary

    def result(path, status, mapping, rows=0, error=None):
        return {"source_file": path, "status": status, "mapping": mapping, "rows_loaded": rows,
                "rows_quarantined": 0, "rows_suppressed": 0, "error": error}  # fmt: skip

    summary = RunSummary(batch_id="b", warehouse="duckdb:///w.duckdb", files=[
        result("forms/a.csv", "loaded", "web_forms", 10),
        result("forms/a.csv", "loaded", "form_events", 4),
        result("forms/b.csv", "skipped", "web_forms"),
        result("forms/b.csv", "skipped", "form_events"),
        result("cards/c.csv", "rejected", "business_cards", error="cards/c.csv: missing column"),
        result("odd/d.txt", "unmapped", None, error="no mapping profile matches"),
    ])  # fmt: skip
    _print_summary(summary)
    out = capsys.readouterr().out
    assert "files: 4: 1 loaded, 1 already loaded, 1 rejected, 1 without a mapping" in out
    assert "2 read by more than one profile (web_forms + form_events)" in out
    assert "rows:  14 loaded" in out
    assert [f["source_file"] for f in summary.rejected_files()] == ["cards/c.csv"]


def test_expected_failures_map_to_exit_codes():
    from flows.cli import expected_exit_code
    from flows.dbt import DbtError
    from flows.lock import WarehouseBusy
    from flows.settings import ConfigurationError

    assert expected_exit_code(ConfigurationError("x")) == 2
    assert expected_exit_code(WarehouseBusy("x")) == 3
    assert expected_exit_code(DbtError("x")) == 1
    assert expected_exit_code(KeyError("a bug")) is None  # a bug keeps its traceback


def test_a_dbt_failure_for_lack_of_memory_says_which_setting_to_raise(monkeypatch):
    from flows.dbt import DbtOutcome, failure_message

    monkeypatch.setenv("LEADFLOW_DUCKDB_MEMORY_LIMIT", "3GB")
    # as dbt reports DuckDB's error (the 10,000,000-lead run at the default limit)
    oom = (
        "test.leadflow.unique_int_events_scored_event_record_id: error: Runtime Error in test "
        "Out of Memory Error: failed to allocate data of size 16.0 MiB (1.8 GiB/1.8 GiB used)"
    )
    message = failure_message(DbtOutcome(["build"], False, failures=[oom]))
    assert "LEADFLOW_DUCKDB_MEMORY_LIMIT, now 3GB" in message
    other = failure_message(DbtOutcome(["build"], False, failures=["model.x: error: syntax"]))
    assert "LEADFLOW_DUCKDB_MEMORY_LIMIT" not in other


@pytest.mark.integration
def test_strict_run_exits_4_counts_files_once_and_prints_no_colour_or_leaks(tmp_path, prefect_api):
    import os

    from flows.generate import generate

    landing = tmp_path / "landing"
    generate(leads=40, seed=5, out=landing)
    (landing / "cards" / "business_cards_broken.csv").write_text("nothing,useful\n1,2\n")
    on_disk = [  # the generator's answer key under _truth/ is not a landing file
        p for p in landing.rglob("*")
        if p.is_file() and not any(part[0] in "_." for part in p.relative_to(landing).parts)
    ]  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "flows.cli", "run", "--strict", "--sources", str(landing),
         "--warehouse-url", f"duckdb:///{tmp_path}/w.duckdb"],
        capture_output=True, text=True, env={**os.environ, **prefect_api},
    )  # fmt: skip
    assert done.returncode == 4, done.stderr
    files = next(line for line in done.stdout.splitlines() if line.startswith("files:"))
    assert files.startswith(f"files: {len(on_disk)}: ") and ", 1 rejected, " in files
    assert "read by more than one profile (form_events + web_forms" in done.stdout, done.stdout
    assert "tier summary (marts.leads)" in done.stdout  # the other files were published
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("leadflow run failed (--strict): 1 landing file(s) rejected: ")
    assert "business_cards_broken.csv" in last
    assert "\x1b[" not in done.stdout + done.stderr  # piped: no colour codes
    assert "Traceback" not in done.stderr and "nanobind" not in done.stderr


@pytest.mark.integration
def test_a_failed_dbt_test_names_its_model_column_rows_and_samples(tmp_path, prefect_api):
    import os

    import duckdb

    from flows.warehouse import ensure_raw_schema, make_engine

    path = tmp_path / "w.duckdb"
    from flows.settings import Warehouse

    ensure_raw_schema(make_engine(Warehouse.from_env(f"duckdb:///{path}")))
    con = duckdb.connect(str(path))
    con.execute(
        "insert into raw.events (occurred_at, event_type, _source_file, _source_row, _mapping, "
        "_source_type, _batch_id, _loaded_at) select now(), t, 'web/x.jsonl', i, 'web_activity', "
        "'event', 'b', now() from (values (1, 'bogus'), (2, 'bogus'), (3, 'Page View')) v(i, t)"
    )
    con.close()
    landing = tmp_path / "landing"
    landing.mkdir()
    done = subprocess.run(
        [sys.executable, "-m", "flows.cli", "run", "--sources", str(landing),
         "--warehouse-url", f"duckdb:///{path}"],
        capture_output=True, text=True, env={**os.environ, **prefect_api},
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr and "nanobind" not in done.stderr
    message = done.stderr[done.stderr.index("leadflow run failed: dbt build failed:") :]
    assert (
        "test accepted_values on raw.events.event_type: 2 failing rows, "
        "e.g. {'value_field': 'bogus', 'n_records': 2}; {'value_field': 'Page View', "
        "'n_records': 1} (test.leadflow.source_accepted_values_raw_events_event_type"
    ) in message


def _processes_with(home: str) -> list[str]:
    """Command lines of the running processes whose environment holds ``home``."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if home.encode() in (proc / "environ").read_bytes():
                found.append((proc / "cmdline").read_bytes().replace(b"\0", b" ").decode())
        except (OSError, ValueError):
            continue
    return found


@pytest.mark.integration
def test_a_run_ends_prefects_server_and_its_flow_run_and_logs_are_recorded(tmp_path):
    """The temporary server started with the command serves the flow run, receives its
    logs, and is gone when the command exits (killed, not left behind)."""
    import sqlite3

    home = tmp_path / "prefect-home"
    env = {
        **os.environ,
        "PREFECT_HOME": str(home),
        "PREFECT_LOGGING_LEVEL": "INFO",  # --json keeps a level the environment sets
    }
    env.pop("PREFECT_API_URL", None)
    warehouse = f"duckdb:///{tmp_path}/w.duckdb"
    done = subprocess.run(
        [sys.executable, "-m", "flows.cli", "run", "--warehouse-url", warehouse, "--json"],
        capture_output=True, text=True, env=env, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout)["tiers"]["sql"] == 32
    assert "Beginning flow run" in done.stderr  # the INFO level the environment asked for
    assert _processes_with(str(home)) == []
    with sqlite3.connect(home / "prefect.db") as db:
        runs = db.execute("select id, state_type from flow_run").fetchall()
        assert [state for _, state in runs] == ["COMPLETED"]
        logs = db.execute("select message from log where flow_run_id = ?", (runs[0][0],))
        messages = [m for (m,) in logs]
    assert any("published" in m for m in messages)

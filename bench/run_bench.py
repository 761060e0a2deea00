"""Benchmark ``leadflow run`` against a hand-written DuckDB SQL script doing the same work.

Generates a landing folder of N leads with their activity events (web page views as Parquet
by default), runs the pipeline as a user would (``leadflow run --json`` in a subprocess),
then runs ``bench/baseline.sql`` (plain DuckDB SQL, same loading and modelling, engagement
scoring and MQL tier included) in a fresh subprocess on a fresh DuckDB file, back to back on
the same machine, and checks that both give the same marts. Then it adds about 1 % new
events to the landing folder and times an incremental ``leadflow run`` on the same
warehouse. Records wall time, the pipeline's per-step timings, dbt's slowest nodes, peak
memory of each process tree, and writes JSON.

Targets (binding at 1,000,000 leads): full pipeline wall time at most twice the baseline's,
pipeline peak memory under 4 GiB, the incremental run at most 10 % of the full run (both
without start-up). A missed target is reported, not an error: this is a measurement, not a
test.

    .venv/bin/python bench/run_bench.py --leads 1000000
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = BENCH_DIR.parent
BASELINE_SQL = BENCH_DIR / "baseline.sql"
BASELINE_WEB_SQL = {
    "parquet": BENCH_DIR / "baseline_web_parquet.sql",
    "jsonl": BENCH_DIR / "baseline_web_jsonl.sql",
}
DBT_RUN_RESULTS = PROJECT_ROOT / "dbt_project" / "target" / "run_results.json"
COUNTRY_CODES = PROJECT_ROOT / "dbt_project" / "seeds" / "country_codes.csv"
RESULTS_DIR = BENCH_DIR / "results"
POLL_SECONDS = 0.2
TARGET_RATIO = 2.0
TARGET_PEAK_MB = 4096.0
TARGET_INCREMENTAL_RATIO = 0.05  # of the full run's steps
TARGET_INCREMENTAL_WALL = 0.10  # of the full run's wall time, start-up included
TARGET_STARTUP_SECONDS = 5.0  # the full run's wall time outside its steps
TARGET_NOOP_SECONDS = 5.0  # a run with nothing new, beyond the start-up
TARGET_AT_LEADS = 1_000_000
DEFAULT_INCREMENT = 0.01
MART_TABLES = ("leads", "mql_leads", "lead_score_daily", "lead_score_breakdown")
# The baseline does the marketing part (ingestion of contacts, firmographics and events,
# profiling, scoring, MQL); the pipeline also does the sales hand-off, which changes what
# marts.leads' tier and marts.mql_leads hold. Parity compares the marketing part: each
# lead's marketing tier and first MQL from intermediate.int_leads_engaged, and the marts
# whose meaning both share.
SALES_FOLDERS = ("crm", "salesforce", "chat")  # generated, left out of the benchmark
COMPARED_TABLES = ("lead_score_daily", "lead_score_breakdown")
PIPELINE_MARKETING_LEADS = """(
    select lead_id, case when mql_at is not null then 'mql' else tier end as tier, mql_at,
           engagement_score
    from p.intermediate.int_leads_engaged
)"""
STEPS = ("prepare", "ingest", "dbt", "gate", "publish", "report")
QUIET_ENV = {
    # the flow's INFO lines give the ingest time per folder (--json alone keeps warnings)
    "PREFECT_LOGGING_LEVEL": "INFO",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    "DO_NOT_TRACK": "1",
}
MB = 1024 * 1024
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


# --------------------------------------------------------------------------- measuring


@dataclass
class Measured:
    """Wall time, exit code and peak memory of one subprocess and its descendants."""

    command: list[str]
    returncode: int
    wall_seconds: float
    cpu_seconds: float  # user + system time of the child and the descendants it waited for
    peak_rss_mb: float  # sum of the RSS of the process tree, sampled every POLL_SECONDS
    peak_process_rss_mb: float  # the largest single process in any sample
    peak_at_seconds: float  # when the tree's RSS peaked, seconds after the start
    max_processes: int  # most processes alive in the tree at once
    wait4_maxrss_mb: float  # ru_maxrss of the child (and descendants it waited for)
    children_maxrss_mb: float  # getrusage(RUSAGE_CHILDREN).ru_maxrss after it ended
    stdout_path: str
    stderr_path: str
    rss_timeline_mb: list[tuple[float, float]]  # (seconds, tree RSS), about one a second
    # CPU time the whole machine was busy during the run, and what of it was not this
    # process tree's (another job sharing the machine; the benchmark's own sampling is
    # small): a high value means the timings are inflated.
    machine_busy_seconds: float
    other_cpu_seconds: float
    load_average_after: tuple[float, float, float]


def _process_table() -> dict[int, tuple[int, int]]:
    """``{pid: (ppid, rss bytes)}`` of every process, from ``/proc/<pid>/stat``."""
    table: dict[int, tuple[int, int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                data = handle.read()
        except OSError:
            continue  # ended since the listing
        fields = data[data.rindex(b")") + 2 :].split()
        table[int(entry)] = (int(fields[1]), int(fields[21]) * PAGE_SIZE)
    return table


def _tree_rss(root: int) -> tuple[int, int, int]:
    """Total RSS, largest single RSS and process count of ``root`` and its descendants."""
    table = _process_table()
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    total = largest = count = 0
    stack = [root]
    while stack:
        pid = stack.pop()
        if pid not in table:
            continue
        rss = table[pid][1]
        total, largest, count = total + rss, max(largest, rss), count + 1
        stack.extend(children.get(pid, []))
    return total, largest, count


class _Sampler(threading.Thread):
    """Samples the process tree's RSS until stopped; keeps the peaks."""

    def __init__(self, pid: int, started: float) -> None:
        super().__init__(daemon=True)
        self.pid, self.started = pid, started
        self.peak_total = self.peak_single = self.peak_count = 0
        self.peak_at = 0.0
        self.timeline: list[tuple[float, float]] = []
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            total, single, count = _tree_rss(self.pid)
            now = time.perf_counter() - self.started
            if total > self.peak_total:
                self.peak_total, self.peak_at = total, now
            self.peak_single = max(self.peak_single, single)
            self.peak_count = max(self.peak_count, count)
            if not self.timeline or now - self.timeline[-1][0] >= 1.0:
                self.timeline.append((round(now, 1), round(total / MB, 1)))
            self.stopped.wait(POLL_SECONDS)


def _machine_busy_seconds() -> float:
    """CPU seconds all CPUs have been busy since boot (``/proc/stat``, idle and iowait out)."""
    with open("/proc/stat", encoding="ascii") as handle:
        fields = [int(v) for v in handle.readline().split()[1:]]
    busy = sum(fields[:8]) - fields[3] - fields[4]  # user..steal, minus idle and iowait
    return busy / os.sysconf("SC_CLK_TCK")


def run_measured(
    command: list[str], env: dict[str, str], cwd: Path, logs: Path, name: str
) -> Measured:
    """Run ``command``, its output to ``logs/<name>.stdout|stderr``; time it, sample memory."""
    logs.mkdir(parents=True, exist_ok=True)
    out_path, err_path = logs / f"{name}.stdout", logs / f"{name}.stderr"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        busy_before = _machine_busy_seconds()
        started = time.perf_counter()
        proc = subprocess.Popen(command, stdout=out, stderr=err, env=env, cwd=cwd)
        sampler = _Sampler(proc.pid, started)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        busy = _machine_busy_seconds() - busy_before
        sampler.stopped.set()
        sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return Measured(
        command=command,
        returncode=proc.returncode,
        wall_seconds=wall,
        cpu_seconds=cpu,
        peak_rss_mb=sampler.peak_total / MB,
        peak_process_rss_mb=sampler.peak_single / MB,
        peak_at_seconds=sampler.peak_at,
        max_processes=sampler.peak_count,
        wait4_maxrss_mb=usage.ru_maxrss / 1024,  # Linux reports KiB
        children_maxrss_mb=children.ru_maxrss / 1024,
        stdout_path=str(out_path),
        stderr_path=str(err_path),
        rss_timeline_mb=sampler.timeline,
        machine_busy_seconds=busy,
        other_cpu_seconds=max(0.0, busy - cpu),
        load_average_after=os.getloadavg(),
    )


def _tail(path: str, lines: int = 30) -> str:
    """The last lines of a log, without nanobind's reference-leak report at exit."""
    text = Path(path).read_text(encoding="utf-8", errors="replace")
    kept = [
        line
        for line in text.splitlines()
        if "nanobind" not in line and not line.startswith((" - leaked", " - ... skipped"))
    ]
    return "\n".join(kept[-lines:])


# --------------------------------------------------------------------------- pipeline


def last_json_object(text: str) -> dict[str, Any] | None:
    """The JSON object that ends ``text``: from the last line starting with ``{`` that parses."""
    lines = text.splitlines()
    for i in range(len(lines) - 1, -1, -1):
        if lines[i].startswith("{"):
            try:
                value = json.loads("\n".join(lines[i:]))
            except json.JSONDecodeError:
                continue
            if isinstance(value, dict):
                return value
    return None


def _leadflow_command() -> list[str]:
    script = Path(sys.executable).parent / "leadflow"
    return [str(script)] if script.exists() else [sys.executable, "-m", "flows.cli"]


def dbt_timings(
    path: Path, started_at: datetime, finished_at: datetime, top: int = 15
) -> dict[str, Any]:
    """Node timings from a copy of dbt's ``run_results.json``: totals per resource type and
    the slowest nodes. ``stale`` says the file was not written during the run (this run's
    dbt did not get that far, or another dbt in the checkout overwrote it)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    generated = datetime.fromisoformat(data["metadata"]["generated_at"].replace("Z", "+00:00"))
    nodes = []
    for r in data.get("results", []):
        response = r.get("adapter_response") or {}
        nodes.append(
            {
                "node": r["unique_id"],
                "status": r["status"],
                "seconds": round(float(r.get("execution_time") or 0.0), 3),
                "rows_affected": response.get("rows_affected"),
            }
        )
    by_type: dict[str, dict[str, float]] = {}
    for n in nodes:
        kind = n["node"].split(".", 1)[0]
        entry = by_type.setdefault(kind, {"nodes": 0, "seconds": 0.0})
        entry["nodes"] += 1
        entry["seconds"] = round(entry["seconds"] + n["seconds"], 3)
    nodes.sort(key=lambda n: n["seconds"], reverse=True)
    return {
        "run_results": str(path),
        "generated_at": generated.isoformat(),
        "stale": not started_at <= generated <= finished_at,
        "elapsed_seconds": data.get("elapsed_time"),
        "node_seconds_total": round(sum(n["seconds"] for n in nodes), 3),
        "by_type": by_type,
        "slowest": nodes[:top],
    }


def run_pipeline(
    landing: Path, workdir: Path, name: str = "pipeline", fresh: bool = True
) -> dict[str, Any]:
    """``leadflow run --json``: timings, memory, tiers, row counts, dbt's slowest nodes.

    ``fresh`` starts from an empty warehouse; otherwise the run adds to the warehouse the
    previous run left (an incremental run: only new files are loaded).
    """
    warehouse = workdir / "pipeline.duckdb"
    if fresh:
        for stale in (warehouse, warehouse.with_suffix(".duckdb.wal")):
            stale.unlink(missing_ok=True)
    command = [
        *_leadflow_command(),
        "run",
        "--sources",
        str(landing),
        "--warehouse-url",
        f"duckdb:///{warehouse}",
        "--json",
    ]
    env = {**os.environ, **QUIET_ENV}
    started_at = datetime.now(UTC)
    measured = run_measured(command, env, PROJECT_ROOT, workdir / "logs", name)
    summary = last_json_object(Path(measured.stdout_path).read_text(encoding="utf-8"))
    result: dict[str, Any] = {"measured": asdict(measured)}
    if DBT_RUN_RESULTS.is_file():
        # dbt overwrites run_results.json on every invocation: keep this run's copy.
        copy = workdir / "logs" / f"{name}_dbt_run_results.json"
        shutil.copyfile(DBT_RUN_RESULTS, copy)
        result["dbt"] = dbt_timings(copy, started_at, datetime.now(UTC))
    stderr = Path(measured.stderr_path).read_text(encoding="utf-8", errors="replace")
    blocked = GATE_BLOCKED in stderr
    if summary is None and blocked:
        # A gate blocked publication: every step but publish ran. No JSON summary is printed
        # then, so the steps come from the flow's log and the counts from the warehouse.
        summary = _blocked_run_summary(stderr, warehouse)
        if summary is not None:
            result["gate_blocked"] = _blocked_message(stderr)
    if summary is None or (measured.returncode != 0 and not blocked):
        # a failed run is still measured: how long it ran and how much memory it took
        result.update(
            error=_tail(measured.stderr_path),
            wall_seconds=measured.wall_seconds,
            cpu_seconds=measured.cpu_seconds,
            other_cpu_seconds=measured.other_cpu_seconds,
            peak_rss_mb=measured.peak_rss_mb,
        )
        return result
    timings = {step: float(summary["timings"].get(step, 0.0)) for step in STEPS}
    files = summary.get("files", [])
    statuses: dict[str, int] = {}
    for f in files:
        statuses[f["status"]] = statuses.get(f["status"], 0) + 1
    loaded = [f for f in files if f["status"] == "loaded"]
    result.update(
        wall_seconds=measured.wall_seconds,
        cpu_seconds=measured.cpu_seconds,
        steps=timings,
        steps_source=summary.get("timings_source", "summary"),
        steps_total_seconds=sum(timings.values()),
        overhead_seconds=measured.wall_seconds - sum(timings.values()),
        other_cpu_seconds=measured.other_cpu_seconds,
        peak_rss_mb=measured.peak_rss_mb,
        tiers=summary.get("tiers", {}),
        rows_loaded=sum(f.get("rows_loaded", 0) for f in files),
        rows_quarantined=sum(f.get("rows_quarantined", 0) for f in files),
        events_loaded=sum(f.get("rows_loaded", 0) for f in loaded if f.get("entity") == "events"),
        files=statuses,
        gates={g["gate"]: g["success"] for g in summary.get("gates", [])},
        published=summary.get("published", {}),
        marts_schema="audit" if blocked else "marts",
        ingest_by_folder=ingest_by_folder(stderr),
        nothing_new=summary.get("nothing_new"),
    )
    return result


GATE_BLOCKED = "gate(s) blocked publication"
_LOG_LINE = re.compile(r"^(\d\d):(\d\d):(\d\d)\.(\d{3}) \| \w+ +\| (.*)$")


def _blocked_message(stderr: str) -> list[str]:
    """The lines of the CLI's "leadflow run failed: ... blocked publication" message."""
    lines = []
    for line in stderr[stderr.rindex(GATE_BLOCKED) :].splitlines()[:10]:
        if not line.strip() or _LOG_LINE.match(line):
            break
        lines.append(line.rstrip())
    return lines


def steps_from_log(text: str) -> tuple[str, dict[str, float]] | None:
    """The batch id and the step timings of a run from its Prefect log (``HH:MM:SS.mmm |``
    lines): ingest from the flow's "batch ...: warehouse" line to the last ingest task,
    dbt to the end of the build task, gate to the last gate task; publish 0 (not run)."""
    batch, marks, previous, day = None, {}, 0.0, 0.0
    for line in text.splitlines():
        match = _LOG_LINE.match(line)
        if not match:
            continue
        h, m, sec, ms, message = match.groups()
        t = int(h) * 3600 + int(m) * 60 + int(sec) + int(ms) / 1000 + day
        if t < previous:  # past midnight
            day, t = day + 86400, t + 86400
        previous = t
        found = re.search(r"batch (\S+): warehouse ", message)
        if found:
            batch, marks["start"] = found[1], t
        elif "Finished in state" in message:
            for task, mark in (
                ("ingest_file-", "ingest"),
                ("build_models-", "dbt"),
                ("validate_gate-", "gate"),
            ):
                if f"Task run '{task}" in message:
                    marks[mark] = t
    if batch is None or not {"start", "ingest", "dbt", "gate"} <= set(marks):
        return None
    return batch, {
        "ingest": marks["ingest"] - marks["start"],
        "dbt": marks["dbt"] - marks["ingest"],
        "gate": marks["gate"] - marks["dbt"],
        "publish": 0.0,
    }


def ingest_by_folder(text: str) -> dict[str, dict[str, float]]:
    """Ingest time per landing folder and file status, from the flow's log: each file's
    time runs from the end of the previous file's task (or the flow's start line) to the
    line reporting it. A file two profiles read (forms/) counts twice."""
    out: dict[str, dict[str, float]] = {}
    previous = None
    for line in text.splitlines():
        match = _LOG_LINE.match(line)
        if not match:
            continue
        h, m, sec, ms, message = match.groups()
        t = int(h) * 3600 + int(m) * 60 + int(sec) + int(ms) / 1000
        if re.search(r"batch \S+: warehouse ", message) or "Finished in state" in message:
            previous = t
            continue
        found = re.search(r"batch \S+: (loaded|skipped) (\S+): ", message)
        if found and previous is not None:
            key = f"{found[2].split('/')[0]} ({found[1]})"
            entry = out.setdefault(key, {"files": 0, "seconds": 0.0})
            entry["files"] += 1
            entry["seconds"] = round(entry["seconds"] + (t - previous) % 86400, 3)
    return dict(sorted(out.items(), key=lambda kv: kv[1]["seconds"], reverse=True))


def _blocked_run_summary(stderr: str, warehouse: Path) -> dict[str, Any] | None:
    """What the JSON summary would have said of a run a gate blocked: step timings from
    the log, files and rows from the load ledger, tiers from ``audit.leads``."""
    import duckdb

    found = steps_from_log(stderr)
    if found is None:
        return None
    batch, timings = found
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        files = [
            {"status": status, "entity": entity, "rows_loaded": rows, "rows_quarantined": bad}
            for status, entity, rows, bad in con.execute(
                "select status, entity, rows_loaded, rows_quarantined from raw.load_ledger "
                "where batch_id = ?",
                [batch],
            ).fetchall()
        ]
        tiers = dict(con.execute("select tier, count(*) from audit.leads group by 1").fetchall())
        gates = con.execute(
            "select gate, success from ops.gate_results where run_id = ?", [batch]
        ).fetchall()
    finally:
        con.close()
    return {
        "timings": timings,
        "timings_source": "log (gate blocked publication)",
        "files": files,
        "tiers": tiers,
        "gates": [{"gate": g, "success": ok} for g, ok in gates],
    }


# --------------------------------------------------------------------------- baseline


def _sql_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


# The columns of web_events_src (see baseline_web_parquet.sql), for a landing without web files.
_EMPTY_WEB = (
    "create or replace temp view web_events_src as select "
    "null::varchar as source_file, null::bigint as source_row, null::varchar as mapping, "
    "null::varchar as event_id, null::varchar as occurred_text, null::timestamp as occurred_at, "
    "null::varchar as email, null::varchar as visitor_id, null::varchar as event_type, "
    "null::varchar as url, null::varchar as duration_text, null::bigint as duration_seconds, "
    "null::varchar as asset, null::varchar as campaign, null::varchar as utm_source, "
    "null::varchar as utm_medium, null::varchar as utm_campaign, null::json as original "
    "where false"
)


def web_formats(landing: Path) -> list[str]:
    """The formats of the landing folder's web activity files (``web/*.parquet|jsonl``)."""
    return [fmt for fmt in ("parquet", "jsonl") if any((landing / "web").glob(f"*.{fmt}"))]


def _statement_label(query: str) -> str:
    """The first SQL line of a statement (comments skipped), shortened."""
    for line in query.splitlines():
        line = line.strip()
        if line and not line.startswith("--"):
            return line[:80]
    return query.strip()[:80]


def baseline_worker(landing: Path, database: Path, scratch: Path) -> int:
    """In a fresh process: transcode the business cards, run the web view script(s) and
    baseline.sql statement by statement (timing each), print JSON counts."""
    import duckdb

    started = time.perf_counter()
    cards = scratch / "cards"
    cards.mkdir(parents=True, exist_ok=True)
    for source in sorted((landing / "cards").glob("*.csv")):
        with (
            source.open("r", encoding="windows-1252", newline="") as src,
            (cards / source.name).open("w", encoding="utf-8", newline="") as dst,
        ):
            shutil.copyfileobj(src, dst, 1 << 20)
    transcoded = time.perf_counter()
    formats = web_formats(landing)
    con = duckdb.connect(str(database))
    statements: list[tuple[str, float]] = []
    try:
        for name, value in (
            ("landing", landing),
            ("cards_root", scratch),
            ("country_codes", COUNTRY_CODES),
        ):
            con.execute(f"set variable {name} = {_sql_literal(str(value))}")
        scripts = [BASELINE_WEB_SQL[fmt].read_text(encoding="utf-8") for fmt in formats]
        # The original-row structs of the two formats differ: as JSON when both are present.
        columns = "* exclude (original), to_json(original) as original" if len(formats) > 1 else "*"
        views = [f"select {columns} from web_{fmt}_src" for fmt in formats]
        scripts.append(
            "create or replace temp view web_events_src as " + " union all ".join(views)
            if views
            else _EMPTY_WEB
        )
        scripts.append(BASELINE_SQL.read_text(encoding="utf-8"))
        for script in scripts:
            for statement in con.extract_statements(script):
                t0 = time.perf_counter()
                con.execute(statement)
                statements.append((_statement_label(statement.query), time.perf_counter() - t0))
        finished = time.perf_counter()
        tiers = dict(con.execute("select tier, count(*) from marts.leads group by 1").fetchall())
        counts = {
            table: con.execute(f"select count(*) from {table}").fetchone()[0]
            for table in (
                "raw.contacts",
                "raw.companies",
                "raw.events",
                "raw.quarantine",
                *(f"marts.{t}" for t in MART_TABLES),
            )
        }
    finally:
        con.close()
    slowest = sorted(statements, key=lambda s: s[1], reverse=True)[:15]
    print(
        json.dumps(
            {
                "transcode_seconds": transcoded - started,
                "sql_seconds": finished - transcoded,
                "web_formats": formats,
                "slowest_statements": [
                    {"statement": label, "seconds": round(sec, 3)} for label, sec in slowest
                ],
                "tiers": {k: int(v) for k, v in sorted(tiers.items())},
                "counts": counts,
            }
        )
    )
    return 0


def run_baseline(landing: Path, workdir: Path, name: str = "baseline") -> dict[str, Any]:
    """Run :func:`baseline_worker` in a fresh subprocess on a fresh DuckDB file."""
    database = workdir / f"{name}.duckdb"
    scratch = workdir / f"{name}_cards_utf8"
    for stale in (database, database.with_suffix(".duckdb.wal")):
        stale.unlink(missing_ok=True)
    shutil.rmtree(scratch, ignore_errors=True)
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--baseline-worker",
        "--landing",
        str(landing),
        "--db",
        str(database),
        "--scratch",
        str(scratch),
    ]
    measured = run_measured(command, dict(os.environ), PROJECT_ROOT, workdir / "logs", name)
    output = last_json_object(Path(measured.stdout_path).read_text(encoding="utf-8"))
    shutil.rmtree(scratch, ignore_errors=True)
    result: dict[str, Any] = {"measured": asdict(measured), "database": str(database)}
    if measured.returncode != 0 or output is None:
        result["error"] = _tail(measured.stderr_path)
        return result
    counts = output["counts"]
    result.update(
        wall_seconds=measured.wall_seconds,
        cpu_seconds=measured.cpu_seconds,
        transcode_seconds=output["transcode_seconds"],
        sql_seconds=output["sql_seconds"],
        other_cpu_seconds=measured.other_cpu_seconds,
        peak_rss_mb=measured.peak_rss_mb,
        web_formats=output["web_formats"],
        slowest_statements=output["slowest_statements"],
        tiers=output["tiers"],
        rows_loaded=counts["raw.contacts"] + counts["raw.companies"] + counts["raw.events"],
        rows_quarantined=counts["raw.quarantine"],
        leads=counts["marts.leads"],
        counts=counts,
    )
    return result


# --------------------------------------------------------------------------- parity


def parity(
    pipeline_db: Path, baseline_db: Path, scratch: Path, schema: str = "marts"
) -> dict[str, Any]:
    """Compare the pipeline's warehouse with the baseline's on the marketing part both
    compute: marketing tier, first mql_at and score per lead, every column of the score
    marts, events loaded and quarantine counts from the sources the baseline reads (the
    pipeline's sales sources and hand-off have no counterpart in the baseline).
    ``schema`` is where the pipeline's marts are: ``audit`` when a gate blocked publication.
    ``match`` is true when nothing differs."""
    import duckdb

    scratch.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(
        config={"memory_limit": "4GB", "temp_directory": str(scratch), "threads": 2}
    )
    try:
        con.execute(f"attach {_sql_literal(str(pipeline_db))} as p (read_only)")
        con.execute(f"attach {_sql_literal(str(baseline_db))} as b (read_only)")

        def rows(sql: str) -> list[tuple[Any, ...]]:
            return con.execute(sql).fetchall()

        out: dict[str, Any] = {"pipeline_schema": schema}
        out["tiers"] = {
            "pipeline": dict(
                rows(f"select tier, count(*) from {PIPELINE_MARKETING_LEADS} group by 1")
            ),
            "baseline": dict(rows("select tier, count(*) from b.marts.leads group by 1")),
        }
        (only_p, only_b, tier_diff, mql_at_diff, score_diff, samples) = rows(
            f"""
            with j as (
                select p.lead_id as p_id, b.lead_id as b_id, p.tier as p_tier,
                       b.tier as b_tier, p.mql_at as p_mql_at, b.mql_at as b_mql_at,
                       p.engagement_score as p_score, b.engagement_score as b_score
                from {PIPELINE_MARKETING_LEADS} as p full join b.marts.leads as b using (lead_id)
            )
            select
                count(*) filter (where b_id is null),
                count(*) filter (where p_id is null),
                count(*) filter (where p_id = b_id and p_tier is distinct from b_tier),
                count(*) filter (where p_id = b_id and p_mql_at is distinct from b_mql_at),
                count(*) filter (where p_id = b_id and p_score is distinct from b_score),
                list(struct_pack(lead_id := coalesce(p_id, b_id), p_tier, b_tier, p_mql_at,
                                 b_mql_at, p_score, b_score))
                    filter (where p_id is distinct from b_id or p_tier is distinct from b_tier
                            or p_mql_at is distinct from b_mql_at
                            or p_score is distinct from b_score)[1:5]
            from j
            """
        )[0]
        out["leads"] = {
            "only_in_pipeline": only_p,
            "only_in_baseline": only_b,
            "tier_differs": tier_diff,
            "mql_at_differs": mql_at_diff,
            "engagement_score_differs": score_diff,
            "samples": [{k: str(v) for k, v in s.items()} for s in samples or []],
        }
        tables: dict[str, Any] = {}
        for table in COMPARED_TABLES:
            p_cols = [
                r[0] for r in rows(f"select name from pragma_table_info('p.{schema}.{table}')")
            ]
            b_cols = {r[0] for r in rows(f"select name from pragma_table_info('b.marts.{table}')")}
            common = ", ".join(f'"{c}"' for c in p_cols if c in b_cols)
            p_minus_b, b_minus_p, p_rows, b_rows = rows(
                f"""
                select
                    (select count(*) from (select {common} from p.{schema}.{table}
                                           except all select {common} from b.marts.{table})),
                    (select count(*) from (select {common} from b.marts.{table}
                                           except all select {common} from p.{schema}.{table})),
                    (select count(*) from p.{schema}.{table}),
                    (select count(*) from b.marts.{table})
                """
            )[0]
            tables[table] = {
                "rows_pipeline": p_rows,
                "rows_baseline": b_rows,
                "rows_only_in_pipeline": p_minus_b,
                "rows_only_in_baseline": b_minus_p,
                "columns_not_compared": sorted(set(p_cols) ^ b_cols),
            }
        out["tables"] = tables
        events = {
            "pipeline": dict(
                rows(
                    "select _mapping, count(*) from p.raw.events "
                    "where _mapping in (select mapping from b.raw.events) group by 1"
                )
            ),
            "baseline": dict(rows("select mapping, count(*) from b.raw.events group by 1")),
        }
        out["events_loaded"] = events
        quarantine = {
            "pipeline": {
                f"{m}: {r}": n
                for m, r, n in rows(
                    "select _mapping, reason, count(*) from p.raw.quarantine "
                    "where _mapping in (select mapping from b.raw.events "
                    "union select mapping from b.raw.quarantine) group by 1, 2"
                )
            },
            "baseline": {
                f"{m}: {r}": n
                for m, r, n in rows(
                    "select mapping, reason, count(*) from b.raw.quarantine group by 1, 2"
                )
            },
        }
        out["quarantine_differs"] = {
            key: {"pipeline": quarantine["pipeline"].get(key, 0), "baseline": n_b}
            for key in sorted(set(quarantine["pipeline"]) | set(quarantine["baseline"]))
            if (n_b := quarantine["baseline"].get(key, 0)) != quarantine["pipeline"].get(key, 0)
        }
    finally:
        con.close()
    out["match"] = (
        out["tiers"]["pipeline"] == out["tiers"]["baseline"]
        and not any(v for k, v in out["leads"].items() if k != "samples")
        and all(
            t["rows_only_in_pipeline"] == 0 and t["rows_only_in_baseline"] == 0
            for t in tables.values()
        )
        and events["pipeline"] == events["baseline"]
        and not out["quarantine_differs"]
    )
    return out


# --------------------------------------------------------------------------- increment


def overlay_landing(landing: Path, overlay: Path) -> None:
    """A folder that mirrors ``landing`` with a symbolic link per file, so new files can be
    added without touching the original landing folder."""
    shutil.rmtree(overlay, ignore_errors=True)
    for path in sorted(landing.rglob("*")):
        if path.is_file():
            link = overlay / path.relative_to(landing)
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(path.resolve())


def _next_month_name(latest: Path, suffix: str) -> str:
    match = re.search(r"(\d{4})-(\d{2})$", latest.stem)
    if not match:
        return f"{latest.stem}_increment{suffix}"
    year, month = int(match[1]), int(match[2]) + 1
    year, month = (year + 1, 1) if month > 12 else (year, month)
    return f"{latest.stem[: match.start()]}{year:04d}-{month:02d}{suffix}"


def write_increment(landing: Path, overlay: Path, rows: int, seed: int) -> dict[str, Any]:
    """Write about ``rows`` new page views into ``overlay/web/`` as one Parquet file of the
    web_activity_parquet profile: a sample of the latest month's views, a month later, with
    new event ids (a next month's export, arriving after the full run)."""
    import duckdb

    latest = sorted((landing / "web").glob("*.parquet")) or sorted(
        (landing / "web").glob("*.jsonl")
    )
    if not latest:
        raise FileNotFoundError(f"{landing}/web has no page-view files to sample")
    source = latest[-1]
    target = overlay / "web" / _next_month_name(source, ".parquet")
    target.parent.mkdir(parents=True, exist_ok=True)
    if source.suffix == ".parquet":
        read = f"read_parquet({_sql_literal(str(source))})"
        columns = (
            'message_id, "timestamp", anonymous_id, user_id, event, url, path, '
            "time_on_page_seconds, title, campaign_name, campaign_source, campaign_medium"
        )
    else:  # the CDP's JSON lines, flattened to the Parquet profile's columns
        read = (
            f"read_json({_sql_literal(str(source))}, format = 'newline_delimited', "
            "columns = {'messageId': 'VARCHAR', 'timestamp': 'VARCHAR', "
            "'anonymousId': 'VARCHAR', 'userId': 'VARCHAR', 'event': 'VARCHAR', "
            "'properties': 'JSON', 'context': 'JSON'}, ignore_errors = true)"
        )
        columns = (
            "messageId as message_id, "
            "cast(try_strptime(\"timestamp\", '%Y-%m-%dT%H:%M:%S.%gZ') as timestamptz) "
            'as "timestamp", anonymousId as anonymous_id, userId as user_id, event, '
            "properties->>'url' as url, properties->>'path' as path, "
            "try_cast(properties->>'time_on_page_seconds' as bigint) as time_on_page_seconds, "
            "properties->>'title' as title, context->>'$.campaign.name' as campaign_name, "
            "context->>'$.campaign.source' as campaign_source, "
            "context->>'$.campaign.medium' as campaign_medium"
        )
    con = duckdb.connect()
    try:
        con.execute(
            f"""
            copy (
                with views as (select {columns} from {read}),
                sampled as (
                    select * from views using sample reservoir({int(rows)} rows)
                    repeatable ({int(seed)})
                )
                select
                    -- new ids; a view the CDP delivered twice stays twice (same new id)
                    substr(md5(coalesce(message_id, '') || '#increment'), 1, 16) as message_id,
                    "timestamp" + interval 1 month as "timestamp",
                    * exclude (message_id, "timestamp")
                from sampled
                order by "timestamp" nulls first
            ) to {_sql_literal(str(target))} (format parquet, compression zstd)
            """
        )
        written = con.execute(
            f'select count(*), min("timestamp"), max("timestamp") '
            f"from read_parquet({_sql_literal(str(target))})"
        ).fetchone()
    finally:
        con.close()
    return {
        "file": str(target.relative_to(overlay)),
        "sampled_from": str(source.relative_to(landing)),
        "rows": int(written[0]),
        "first_event_at": str(written[1]),
        "last_event_at": str(written[2]),
        "mb": target.stat().st_size / MB,
    }


# --------------------------------------------------------------------------- report


def machine_info() -> dict[str, Any]:
    """CPU count, memory, versions and load of this machine."""
    from importlib.metadata import version

    memory_mb = None
    with open("/proc/meminfo", encoding="ascii") as handle:
        for line in handle:
            if line.startswith("MemTotal:"):
                memory_mb = int(line.split()[1]) / 1024
    return {
        "cpu_count": os.cpu_count(),
        "memory_total_mb": memory_mb,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "duckdb": version("duckdb"),
        "dbt_core": version("dbt-core"),
        "prefect": version("prefect"),
    }


def code_version() -> dict[str, Any]:
    """Commit and uncommitted changes of the code being measured (read-only git calls)."""

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", *args], cwd=PROJECT_ROOT, capture_output=True, text=True, check=False
        )
        return done.stdout.strip()

    paths = ["flows", "dbt_project", "config", "sources/mappings", "expectations", "bench"]
    return {
        "project_root": str(PROJECT_ROOT),
        "commit": git("rev-parse", "HEAD") or None,
        "uncommitted": git("status", "--porcelain", "--", *paths).splitlines(),
    }


def median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run with the median wall time (the lower median for an even count); a failed run
    if any failed."""
    failed = [r for r in runs if "error" in r]
    if failed:
        return failed[0]
    ordered = sorted(runs, key=lambda r: r["wall_seconds"])
    return ordered[(len(ordered) - 1) // 2]


def tier_difference(pipeline: dict[str, int], baseline: dict[str, int]) -> dict[str, Any]:
    """Per tier: both counts, baseline minus pipeline, and that as a share of the pipeline's."""
    out: dict[str, Any] = {}
    for tier in sorted(set(pipeline) | set(baseline)):
        p, b = pipeline.get(tier, 0), baseline.get(tier, 0)
        out[tier] = {
            "pipeline": p,
            "baseline": b,
            "difference": b - p,
            "difference_pct": round(100 * (b - p) / p, 3) if p else None,
        }
    return out


def incremental_summary(full: dict[str, Any], inc: dict[str, Any]) -> dict[str, Any]:
    """The incremental run against the full one: wall, steps, and the ratios with start-up
    (the overhead outside the steps: Prefect, imports, exit) excluded on both sides."""
    keys = (
        "wall_seconds",
        "cpu_seconds",
        "steps",
        "steps_total_seconds",
        "overhead_seconds",
        "other_cpu_seconds",
        "peak_rss_mb",
        "tiers",
        "rows_loaded",
        "rows_quarantined",
        "files",
    )
    out: dict[str, Any] = {k: inc[k] for k in keys if k in inc}
    out["ratio_to_full_without_startup"] = inc["steps_total_seconds"] / full["steps_total_seconds"]
    out["ratio_to_full_wall"] = inc["wall_seconds"] / full["wall_seconds"]
    out["step_ratios"] = {
        step: (inc["steps"][step] / full["steps"][step]) if full["steps"][step] else None
        for step in STEPS
    }
    return out


def targets(leads: int, report: dict[str, Any]) -> dict[str, Any]:
    """The issue's targets with pass/fail; they are binding at TARGET_AT_LEADS leads."""
    pipeline, baseline = report["pipeline"], report["baseline"]
    peaks = [pipeline["peak_rss_mb"]]
    inc = report.get("incremental", {}).get("pipeline")
    if inc and "error" not in inc:
        peaks.append(inc["peak_rss_mb"])
    peak = max(peaks)
    out: dict[str, Any] = {
        "binding": leads >= TARGET_AT_LEADS,
        "peak_rss_mb": {"limit": TARGET_PEAK_MB, "value": peak, "pass": peak < TARGET_PEAK_MB},
    }
    if baseline is not None:
        ratio = pipeline["wall_seconds"] / baseline["wall_seconds"]
        out["wall_ratio"] = {"limit": TARGET_RATIO, "value": ratio, "pass": ratio <= TARGET_RATIO}
    startup = pipeline["overhead_seconds"]
    out["startup_seconds"] = {
        "limit": TARGET_STARTUP_SECONDS,
        "value": startup,
        "pass": startup <= TARGET_STARTUP_SECONDS,
    }
    summary = report.get("incremental", {}).get("summary")
    if summary:
        for key, limit, value in (
            ("incremental_ratio", TARGET_INCREMENTAL_RATIO, "ratio_to_full_without_startup"),
            ("incremental_wall_ratio", TARGET_INCREMENTAL_WALL, "ratio_to_full_wall"),
        ):
            out[key] = {"limit": limit, "value": summary[value], "pass": summary[value] <= limit}
    noop = report.get("incremental", {}).get("noop")
    if noop and noop.get("wall_seconds") is not None:
        # nothing new: at most TARGET_NOOP_SECONDS beyond the start-up of the full run
        limit = TARGET_NOOP_SECONDS + min(startup, TARGET_STARTUP_SECONDS)
        wall = noop["wall_seconds"]
        out["noop_seconds"] = {"limit": limit, "value": wall, "pass": wall <= limit}
    return out


def _parity_line(result: dict[str, Any] | None) -> str:
    if not result:
        return "not checked"
    if "error" in result:
        return f"not checked ({result['error']})"
    if result["match"]:
        tables = ", ".join(f"{t} {v['rows_pipeline']:,} rows" for t, v in result["tables"].items())
        return f"exact match (tiers, mql_at, scores per lead; every column of {tables})"
    leads = result["leads"]
    parts = [f"{k.replace('_', ' ')} {v:,}" for k, v in leads.items() if k != "samples" and v]
    parts += [
        f"{t}: {v['rows_only_in_pipeline']:,} rows only in the pipeline, "
        f"{v['rows_only_in_baseline']:,} only in the baseline"
        for t, v in result["tables"].items()
        if v["rows_only_in_pipeline"] or v["rows_only_in_baseline"]
    ]
    if result["quarantine_differs"]:
        parts.append(f"quarantine differs for {', '.join(result['quarantine_differs'])}")
    if result["events_loaded"]["pipeline"] != result["events_loaded"]["baseline"]:
        parts.append("events loaded differ")
    return "DIFFERS: " + "; ".join(parts)


def _slowest_nodes(run: dict[str, Any], count: int = 5) -> str:
    dbt = run.get("dbt")
    if not dbt:
        return "no run_results.json"
    stale = " (STALE: not written during this run)" if dbt["stale"] else ""
    nodes = ", ".join(
        f"{n['node'].split('.')[-1]} {n['seconds']:.1f}" for n in dbt["slowest"][:count]
    )
    return nodes + stale


def _print_blocked(run: dict[str, Any]) -> None:
    if run.get("gate_blocked"):
        print(
            "    BLOCKED by a gate, so publish did not run (steps from the log, marts compared "
            "from schema audit):"
        )
        for line in run["gate_blocked"][1:]:
            print(f"      {line.strip()}")


def print_summary(report: dict[str, Any]) -> None:
    """A short human summary of the report."""
    p, b = report["pipeline"], report["baseline"] or {}
    print()
    print(
        f"leadflow benchmark: {report['leads']:,} leads, seed {report['seed']}, "
        f"web activity as {report.get('web_format') or ', '.join(b.get('web_formats', ['?']))}"
    )
    m = report["machine"]
    load = report["load_average"]
    print(
        f"  machine: {m['cpu_count']} CPUs, {m['memory_total_mb'] / 1024:.1f} GiB; "
        f"load average {load['start'][0]:.2f} at start, {load.get('end', [0])[0]:.2f} at end"
    )
    if report.get("generate_seconds") is not None:
        print(
            f"  generate: {report['generate_seconds']:.1f} s (not compared), "
            f"{report['landing_mb']:,.0f} MB landing"
        )
    if "error" in p or (b and "error" in b):
        for name, part in (("pipeline", p), ("baseline", b or {})):
            if "error" in part:
                run = part["measured"]
                print(
                    f"  {name} FAILED (exit {run['returncode']}) after "
                    f"{run['wall_seconds']:.1f} s, peak {run['peak_rss_mb']:,.0f} MB:"
                )
                print("    " + part["error"].replace("\n", "\n    "))
        return
    steps = ", ".join(f"{k} {v:.1f}" for k, v in p["steps"].items())
    print(
        f"  pipeline (full): {p['wall_seconds']:.1f} s wall ({steps}; start-up and other "
        f"overhead {p['overhead_seconds']:.1f}), peak {p['peak_rss_mb']:,.0f} MB; "
        f"{p['rows_loaded']:,} rows loaded, {p['events_loaded']:,} of them events"
    )
    print(f"    slowest dbt nodes (s): {_slowest_nodes(p)}")
    folders = ", ".join(
        f"{k.split(' ')[0]} {v['seconds']:.1f}" for k, v in p.get("ingest_by_folder", {}).items()
    )
    print(f"    ingest by folder (s): {folders}")
    _print_blocked(p)
    if not b:
        print("  baseline: not run (--no-baseline)")
        _print_targets(report)
        return
    print(
        f"  baseline: {b['wall_seconds']:.1f} s wall (transcode {b['transcode_seconds']:.1f}, "
        f"SQL {b['sql_seconds']:.1f}), peak {b['peak_rss_mb']:,.0f} MB"
    )
    top = ", ".join(
        f"{s['statement'][:40]} {s['seconds']:.1f}" for s in b["slowest_statements"][:4]
    )
    print(f"    slowest statements (s): {top}")
    print(
        f"  ratio: {report['ratio']:.2f}x "
        f"({report['ratio_without_startup']:.2f}x without start-up overhead; "
        f"CPU time {p['cpu_seconds']:.0f} s vs {b['cpu_seconds']:.0f} s, "
        f"{report['cpu_ratio']:.2f}x)"
    )
    diffs = ", ".join(
        f"{tier} {d['pipeline']:,} vs {d['baseline']:,}" for tier, d in report["tiers"].items()
    )
    print(f"  tiers (pipeline vs baseline): {diffs}")
    print(f"  parity: {_parity_line(report.get('parity'))}")
    print(
        f"  other jobs' CPU time during the runs: pipeline {p['other_cpu_seconds']:.0f} s, "
        f"baseline {b['other_cpu_seconds']:.0f} s (high values inflate the timings)"
    )
    inc = report.get("incremental")
    if inc:
        added = inc["increment"]
        print(
            f"  increment: {added['rows']:,} new page views ({inc['fraction_of_events']:.2%} "
            f"of {p['events_loaded']:,} events) in {added['file']}"
        )
        ip = inc["pipeline"]
        if "error" in ip:
            print(f"  pipeline (incremental) FAILED (exit {ip['measured']['returncode']}):")
            print("    " + ip["error"].replace("\n", "\n    "))
        else:
            s = inc["summary"]
            steps = ", ".join(f"{k} {v:.1f}" for k, v in ip["steps"].items())
            print(
                f"  pipeline (incremental): {ip['wall_seconds']:.1f} s wall ({steps}; overhead "
                f"{ip['overhead_seconds']:.1f}), peak {ip['peak_rss_mb']:,.0f} MB; "
                f"{s['ratio_to_full_without_startup']:.1%} of the full run without start-up "
                f"({s['ratio_to_full_wall']:.1%} of its wall time); other jobs' CPU "
                f"{ip['other_cpu_seconds']:.0f} s"
            )
            print(f"    slowest dbt nodes (s): {_slowest_nodes(ip)}")
            _print_blocked(ip)
            rb = inc.get("baseline")
            if rb and "error" not in rb:
                print(f"  baseline on the grown landing: {rb['wall_seconds']:.1f} s wall")
            print(f"  parity after the increment: {_parity_line(inc.get('parity'))}")
            noop = inc.get("noop")
            if noop and noop.get("wall_seconds") is not None:
                print(
                    f"  pipeline (nothing new): {noop['wall_seconds']:.1f} s wall, peak "
                    f"{noop['peak_rss_mb']:,.0f} MB ({noop.get('nothing_new') or 'it built'})"
                )
    _print_targets(report)


def _print_targets(report: dict[str, Any]) -> None:
    t = report["targets"]
    scope = "" if t["binding"] else f" (binding at {TARGET_AT_LEADS:,} leads)"
    for key, label, unit in (
        ("wall_ratio", "full run <= 2x baseline", "x"),
        ("peak_rss_mb", "peak memory < 4096 MB", " MB"),
        ("startup_seconds", "start-up <= 5 s", " s"),
        ("incremental_ratio", "incremental <= 5% of full, start-up aside", ""),
        ("incremental_wall_ratio", "incremental <= 10% of full wall time", ""),
        ("noop_seconds", "nothing new <= 5 s + start-up", " s"),
    ):
        if key not in t:
            continue
        target = t[key]
        verdict = "PASS" if target["pass"] else "MISSED"
        percent = key in ("incremental_ratio", "incremental_wall_ratio")
        value = f"{target['value']:.1%}" if percent else f"{target['value']:,.2f}"
        print(f"  target {label}{scope}: {verdict} ({value}{unit})")


# --------------------------------------------------------------------------- main


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description="Benchmark `leadflow run` against a hand-written DuckDB SQL script."
    )
    parser.add_argument(
        "--leads", type=int, default=100_000, help="leads to generate (default 100000)"
    )
    parser.add_argument("--seed", type=int, default=42, help="generator seed (default 42)")
    parser.add_argument(
        "--web-format",
        choices=("parquet", "jsonl"),
        default="parquet",
        help="how the generator writes web page views (default parquet; JSONL is about "
        "3.7 GB at 1,000,000 leads)",
    )
    parser.add_argument(
        "--workdir", type=Path, help="folder for data and warehouses (default: a new temp dir)"
    )
    parser.add_argument(
        "--out", type=Path, help="JSON report (default: bench/results/bench_<leads>.json)"
    )
    parser.add_argument(
        "--landing",
        type=Path,
        help="use this existing landing folder instead of generating one (--leads, --seed, "
        "--web-format are then only recorded); it is not modified",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="measure pipeline and baseline this many times, alternating; the report's "
        "headline numbers are each side's median run (default 1)",
    )
    parser.add_argument(
        "--increment",
        type=float,
        default=DEFAULT_INCREMENT,
        help="new events for the incremental run, as a share of the events loaded by the "
        "full run (default 0.01; 0 skips the incremental run)",
    )
    parser.add_argument(
        "--no-parity", action="store_true", help="skip comparing the two warehouses' marts"
    )
    parser.add_argument(
        "--no-baseline",
        action="store_true",
        help="time the pipeline's full run only (time, steps, memory): no baseline, ratio, "
        "parity or incremental run; for sizes where only completion is asked (10,000,000)",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep generated data and warehouses afterwards"
    )
    parser.add_argument("--baseline-worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--scratch", type=Path, help=argparse.SUPPRESS)
    return parser


def _check_parity(workdir: Path, baseline_db: Path, schema: str) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        result = parity(workdir / "pipeline.duckdb", baseline_db, workdir / "parity_tmp", schema)
    except Exception as exc:  # a measurement: report, do not fail
        result = {"error": f"{type(exc).__name__}: {exc}"}
    finally:
        shutil.rmtree(workdir / "parity_tmp", ignore_errors=True)
    result["seconds"] = time.perf_counter() - started
    return result


def run_incremental(
    args: argparse.Namespace, landing: Path, workdir: Path, full: dict[str, Any]
) -> dict[str, Any]:
    """Add new events to (a mirror of) the landing folder, time ``leadflow run`` on the
    warehouse the full run left, then a baseline run on the grown landing to check that the
    incremental result equals a full rebuild."""
    overlay = workdir / "landing_grown"
    overlay_landing(landing, overlay)
    rows = max(1, round(args.increment * full["events_loaded"]))
    increment = write_increment(landing, overlay, rows, args.seed)
    out: dict[str, Any] = {
        "landing": str(overlay),
        "increment": increment,
        "fraction_of_events": increment["rows"] / full["events_loaded"],
    }
    print(f"running leadflow run on {increment['rows']:,} new events (incremental) ...")
    out["load_average"] = os.getloadavg()
    out["pipeline"] = run_pipeline(overlay, workdir, name="pipeline_incremental", fresh=False)
    if "error" in out["pipeline"]:
        return out
    out["summary"] = incremental_summary(full, out["pipeline"])
    print("running leadflow run with nothing new ...")
    noop = run_pipeline(overlay, workdir, name="pipeline_noop", fresh=False)
    out["noop"] = {k: noop.get(k) for k in ("wall_seconds", "cpu_seconds", "peak_rss_mb", "error")}
    out["noop"]["nothing_new"] = noop.get("nothing_new")
    if not args.no_parity:
        print("running the baseline SQL script on the grown landing (for parity) ...")
        out["baseline"] = run_baseline(overlay, workdir, name="baseline_grown")
        if "error" not in out["baseline"]:
            out["parity"] = _check_parity(
                workdir, Path(out["baseline"]["database"]), out["pipeline"]["marts_schema"]
            )
    return out


def _copy_dbt_results(report: dict[str, Any], out: Path) -> None:
    """Keep dbt's run_results.json of the reported runs next to the report."""
    runs = [("full", report.get("pipeline", {}))]
    runs.append(("incremental", report.get("incremental", {}).get("pipeline", {})))
    for label, run in runs:
        dbt = run.get("dbt")
        if dbt and Path(dbt["run_results"]).is_file():
            target = out.with_name(f"{out.stem}_dbt_run_results_{label}.json")
            shutil.copyfile(dbt["run_results"], target)
            dbt["run_results"] = str(target)


def main(argv: list[str] | None = None) -> int:
    """Generate, measure both runs back to back, check parity, measure an incremental run,
    write the JSON report, print a summary."""
    args = build_parser().parse_args(argv)
    if args.baseline_worker:
        return baseline_worker(args.landing, args.db, args.scratch)
    own_workdir = args.workdir is None
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix=f"leadflow-bench-{args.leads}-"))
    workdir = workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    out = (args.out or RESULTS_DIR / f"bench_{args.leads}.json").resolve()
    report: dict[str, Any] = {
        "leads": args.leads,
        "seed": args.seed,
        "web_format": args.web_format if args.landing is None else None,
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "workdir": str(workdir),
        "machine": machine_info(),
        "code": code_version(),
        "load_average": {"start": os.getloadavg()},
    }
    generated = args.landing is None
    landing = (args.landing or workdir / "landing").resolve()
    try:
        if generated:
            from flows.generate import generate

            shutil.rmtree(landing, ignore_errors=True)
            print(
                f"generating {args.leads:,} leads (seed {args.seed}, web as "
                f"{args.web_format}) in {landing} ..."
            )
            started = time.perf_counter()
            written = generate(
                leads=args.leads, seed=args.seed, out=landing, web_format=args.web_format
            )
            report["generate_seconds"] = time.perf_counter() - started
            report["generated_rows"] = sum(written["files"].values())
            # The baseline implements the marketing part only: the sales sources (and the
            # chat hand-raises that recycle leads) are left out, so both do the same work.
            for folder in SALES_FOLDERS:
                shutil.rmtree(landing / folder, ignore_errors=True)
        else:
            report["generate_seconds"] = None
        report["landing"] = str(landing)
        report["landing_mb"] = sum(p.stat().st_size for p in landing.rglob("*") if p.is_file()) / MB
        pipeline_runs: list[dict[str, Any]] = []
        baseline_runs: list[dict[str, Any]] = []
        for round_no in range(1, args.repeat + 1):
            label = f" (round {round_no}/{args.repeat})" if args.repeat > 1 else ""
            print(f"running leadflow run{label} ...")
            load_before = os.getloadavg()
            pipeline_runs.append({**run_pipeline(landing, workdir), "load_average": load_before})
            if args.no_baseline:
                continue
            print(f"running the baseline SQL script{label} ...")
            load_before = os.getloadavg()
            baseline_runs.append({**run_baseline(landing, workdir), "load_average": load_before})
        pipeline = median_run(pipeline_runs)
        baseline = median_run(baseline_runs) if baseline_runs else None
        report["pipeline"], report["baseline"] = pipeline, baseline
        if args.repeat > 1:
            report["rounds"] = {"pipeline": pipeline_runs, "baseline": baseline_runs}
        if baseline is None and "error" not in pipeline:
            report["targets"] = targets(args.leads, report)
        elif "error" not in pipeline and "error" not in baseline:
            report["ratio"] = pipeline["wall_seconds"] / baseline["wall_seconds"]
            report["ratio_without_startup"] = (
                pipeline["wall_seconds"] - pipeline["overhead_seconds"]
            ) / baseline["wall_seconds"]
            report["cpu_ratio"] = pipeline["cpu_seconds"] / baseline["cpu_seconds"]
            report["tiers"] = tier_difference(pipeline["tiers"], baseline["tiers"])
            if not args.no_parity:
                # The warehouses of the last round (with --repeat, not necessarily the median).
                print("comparing the pipeline's marts with the baseline's ...")
                report["parity"] = _check_parity(
                    workdir, Path(baseline["database"]), pipeline_runs[-1]["marts_schema"]
                )
            if args.increment > 0:
                # Needs the last round's full pipeline warehouse, which is still in place.
                report["incremental"] = run_incremental(args, landing, workdir, pipeline_runs[-1])
            report["targets"] = targets(args.leads, report)
        report["load_average"]["end"] = os.getloadavg()
    finally:
        if not args.keep:
            if own_workdir:
                shutil.rmtree(workdir, ignore_errors=True)
            else:
                for name in (
                    "pipeline.duckdb",
                    "baseline.duckdb",
                    "baseline_grown.duckdb",
                    "landing_grown",
                ):
                    path = workdir / name
                    if path.is_dir():
                        shutil.rmtree(path, ignore_errors=True)
                    else:
                        for suffix in ("", ".wal", ".lock"):  # .lock: leadflow's run lock
                            Path(f"{path}{suffix}").unlink(missing_ok=True)
                if generated:
                    shutil.rmtree(landing, ignore_errors=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    _copy_dbt_results(report, out)
    out.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    print_summary(report)
    print(f"\nreport: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

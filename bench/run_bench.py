"""Benchmark ``leadflow run`` against a hand-written DuckDB SQL script doing the same work.

Generates a landing folder of N leads, runs the pipeline as a user would (``leadflow run
--json`` in a subprocess), then runs ``bench/baseline.sql`` (plain DuckDB SQL, same loading
and modelling) in a fresh subprocess on a fresh DuckDB file, back to back on the same machine.
Records wall time, the pipeline's per-step timings, peak memory of each process tree, tier
counts of both, and writes JSON. Targets (binding at 1,000,000 leads): pipeline wall time at
most twice the baseline's, pipeline peak memory under 4 GiB. A missed target is reported, not
an error: this is a measurement, not a test.

    .venv/bin/python bench/run_bench.py --leads 1000000
"""

from __future__ import annotations

import argparse
import json
import os
import platform
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
COUNTRY_CODES = PROJECT_ROOT / "dbt_project" / "seeds" / "country_codes.csv"
RESULTS_DIR = BENCH_DIR / "results"
POLL_SECONDS = 0.2
TARGET_RATIO = 2.0
TARGET_PEAK_MB = 4096.0
TARGET_AT_LEADS = 1_000_000
STEPS = ("ingest", "dbt", "gate", "publish")
QUIET_ENV = {
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


def run_measured(
    command: list[str], env: dict[str, str], cwd: Path, logs: Path, name: str
) -> Measured:
    """Run ``command``, its output to ``logs/<name>.stdout|stderr``; time it, sample memory."""
    logs.mkdir(parents=True, exist_ok=True)
    out_path, err_path = logs / f"{name}.stdout", logs / f"{name}.stderr"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(command, stdout=out, stderr=err, env=env, cwd=cwd)
        sampler = _Sampler(proc.pid, started)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        sampler.stopped.set()
        sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return Measured(
        command=command,
        returncode=proc.returncode,
        wall_seconds=wall,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        peak_rss_mb=sampler.peak_total / MB,
        peak_process_rss_mb=sampler.peak_single / MB,
        peak_at_seconds=sampler.peak_at,
        max_processes=sampler.peak_count,
        wait4_maxrss_mb=usage.ru_maxrss / 1024,  # Linux reports KiB
        children_maxrss_mb=children.ru_maxrss / 1024,
        stdout_path=str(out_path),
        stderr_path=str(err_path),
        rss_timeline_mb=sampler.timeline,
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


def run_pipeline(landing: Path, workdir: Path) -> dict[str, Any]:
    """``leadflow run --json`` on a fresh warehouse; timings, memory, tiers and row counts."""
    warehouse = workdir / "pipeline.duckdb"
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
    measured = run_measured(command, env, PROJECT_ROOT, workdir / "logs", "pipeline")
    summary = last_json_object(Path(measured.stdout_path).read_text(encoding="utf-8"))
    result: dict[str, Any] = {"measured": asdict(measured)}
    if measured.returncode != 0 or summary is None:
        result["error"] = _tail(measured.stderr_path)
        return result
    timings = {step: float(summary["timings"].get(step, 0.0)) for step in STEPS}
    files = summary.get("files", [])
    statuses: dict[str, int] = {}
    for f in files:
        statuses[f["status"]] = statuses.get(f["status"], 0) + 1
    result.update(
        wall_seconds=measured.wall_seconds,
        cpu_seconds=measured.cpu_seconds,
        steps=timings,
        steps_total_seconds=sum(timings.values()),
        overhead_seconds=measured.wall_seconds - sum(timings.values()),
        peak_rss_mb=measured.peak_rss_mb,
        tiers=summary.get("tiers", {}),
        rows_loaded=sum(f.get("rows_loaded", 0) for f in files),
        rows_quarantined=sum(f.get("rows_quarantined", 0) for f in files),
        files=statuses,
        gates={g["gate"]: g["success"] for g in summary.get("gates", [])},
        published=summary.get("published", {}),
    )
    return result


# --------------------------------------------------------------------------- baseline


def _sql_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def baseline_worker(landing: Path, database: Path, scratch: Path) -> int:
    """In a fresh process: transcode the business cards, run baseline.sql, print JSON counts."""
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
    con = duckdb.connect(str(database))
    try:
        for name, value in (
            ("landing", landing),
            ("cards_root", scratch),
            ("country_codes", COUNTRY_CODES),
        ):
            con.execute(f"set variable {name} = {_sql_literal(str(value))}")
        con.execute(BASELINE_SQL.read_text(encoding="utf-8"))
        finished = time.perf_counter()
        tiers = dict(con.execute("select tier, count(*) from marts.leads group by 1").fetchall())
        counts = {
            table: con.execute(f"select count(*) from {table}").fetchone()[0]
            for table in ("raw.contacts", "raw.companies", "raw.quarantine", "marts.leads")
        }
    finally:
        con.close()
    print(
        json.dumps(
            {
                "transcode_seconds": transcoded - started,
                "sql_seconds": finished - transcoded,
                "tiers": {k: int(v) for k, v in sorted(tiers.items())},
                "counts": counts,
            }
        )
    )
    return 0


def run_baseline(landing: Path, workdir: Path) -> dict[str, Any]:
    """Run :func:`baseline_worker` in a fresh subprocess on a fresh DuckDB file."""
    database = workdir / "baseline.duckdb"
    scratch = workdir / "baseline_cards_utf8"
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
    measured = run_measured(command, dict(os.environ), PROJECT_ROOT, workdir / "logs", "baseline")
    output = last_json_object(Path(measured.stdout_path).read_text(encoding="utf-8"))
    result: dict[str, Any] = {"measured": asdict(measured)}
    if measured.returncode != 0 or output is None:
        result["error"] = _tail(measured.stderr_path)
        return result
    counts = output["counts"]
    result.update(
        wall_seconds=measured.wall_seconds,
        cpu_seconds=measured.cpu_seconds,
        transcode_seconds=output["transcode_seconds"],
        sql_seconds=output["sql_seconds"],
        peak_rss_mb=measured.peak_rss_mb,
        tiers=output["tiers"],
        rows_loaded=counts["raw.contacts"] + counts["raw.companies"],
        rows_quarantined=counts["raw.quarantine"],
        leads=counts["marts.leads"],
    )
    return result


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


def targets(leads: int, pipeline: dict[str, Any], baseline: dict[str, Any]) -> dict[str, Any]:
    """The issue's two targets with pass/fail; they are binding at TARGET_AT_LEADS leads."""
    ratio = pipeline["wall_seconds"] / baseline["wall_seconds"]
    peak = pipeline["peak_rss_mb"]
    return {
        "binding": leads >= TARGET_AT_LEADS,
        "wall_ratio": {"limit": TARGET_RATIO, "value": ratio, "pass": ratio <= TARGET_RATIO},
        "peak_rss_mb": {"limit": TARGET_PEAK_MB, "value": peak, "pass": peak < TARGET_PEAK_MB},
    }


def print_summary(report: dict[str, Any]) -> None:
    """A short human summary of the report."""
    p, b = report["pipeline"], report["baseline"]
    print()
    print(f"leadflow benchmark: {report['leads']:,} leads, seed {report['seed']}")
    m = report["machine"]
    print(f"  machine: {m['cpu_count']} CPUs, {m['memory_total_mb'] / 1024:.1f} GiB")
    if report.get("generate_seconds") is not None:
        print(f"  generate: {report['generate_seconds']:.1f} s (not compared)")
    if "error" in p or "error" in b:
        for name, part in (("pipeline", p), ("baseline", b)):
            if "error" in part:
                print(f"  {name} FAILED (exit {part['measured']['returncode']}):")
                print("    " + part["error"].replace("\n", "\n    "))
        return
    steps = ", ".join(f"{k} {v:.1f}" for k, v in p["steps"].items())
    print(
        f"  pipeline: {p['wall_seconds']:.1f} s wall ({steps}; start-up and other overhead "
        f"{p['overhead_seconds']:.1f}), peak {p['peak_rss_mb']:,.0f} MB"
    )
    print(
        f"  baseline: {b['wall_seconds']:.1f} s wall (transcode {b['transcode_seconds']:.1f}, "
        f"SQL {b['sql_seconds']:.1f}), peak {b['peak_rss_mb']:,.0f} MB"
    )
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
    t = report["targets"]
    scope = "" if t["binding"] else f" (binding at {TARGET_AT_LEADS:,} leads)"
    for key, label, unit in (
        ("wall_ratio", "wall time <= 2x baseline", "x"),
        ("peak_rss_mb", "peak memory < 4096 MB", " MB"),
    ):
        target = t[key]
        verdict = "PASS" if target["pass"] else "MISSED"
        print(f"  target {label}{scope}: {verdict} ({target['value']:,.2f}{unit})")


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
        "--workdir", type=Path, help="folder for data and warehouses (default: a new temp dir)"
    )
    parser.add_argument(
        "--out", type=Path, help="JSON report (default: bench/results/bench_<leads>.json)"
    )
    parser.add_argument(
        "--landing",
        type=Path,
        help="use this existing landing folder instead of generating one (--leads, --seed "
        "are then only recorded)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="measure pipeline and baseline this many times, alternating; the report's "
        "headline numbers are each side's median run (default 1)",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep generated data and warehouses afterwards"
    )
    parser.add_argument("--baseline-worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--scratch", type=Path, help=argparse.SUPPRESS)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Generate, measure both runs back to back, write the JSON report, print a summary."""
    args = build_parser().parse_args(argv)
    if args.baseline_worker:
        return baseline_worker(args.landing, args.db, args.scratch)
    own_workdir = args.workdir is None
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix=f"leadflow-bench-{args.leads}-"))
    workdir = workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    out = args.out or RESULTS_DIR / f"bench_{args.leads}.json"
    report: dict[str, Any] = {
        "leads": args.leads,
        "seed": args.seed,
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
            print(f"generating {args.leads:,} leads (seed {args.seed}) in {landing} ...")
            started = time.perf_counter()
            written = generate(leads=args.leads, seed=args.seed, out=landing)
            report["generate_seconds"] = time.perf_counter() - started
            report["generated_rows"] = sum(written["files"].values())
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
            print(f"running the baseline SQL script{label} ...")
            load_before = os.getloadavg()
            baseline_runs.append({**run_baseline(landing, workdir), "load_average": load_before})
        report["load_average"]["end"] = os.getloadavg()
        pipeline, baseline = median_run(pipeline_runs), median_run(baseline_runs)
        report["pipeline"], report["baseline"] = pipeline, baseline
        if args.repeat > 1:
            report["rounds"] = {"pipeline": pipeline_runs, "baseline": baseline_runs}
        if "error" not in pipeline and "error" not in baseline:
            report["ratio"] = pipeline["wall_seconds"] / baseline["wall_seconds"]
            report["ratio_without_startup"] = (
                pipeline["wall_seconds"] - pipeline["overhead_seconds"]
            ) / baseline["wall_seconds"]
            report["cpu_ratio"] = pipeline["cpu_seconds"] / baseline["cpu_seconds"]
            report["tiers"] = tier_difference(pipeline["tiers"], baseline["tiers"])
            report["targets"] = targets(args.leads, pipeline, baseline)
    finally:
        if not args.keep:
            if own_workdir:
                shutil.rmtree(workdir, ignore_errors=True)
            else:
                for name in ("pipeline.duckdb", "baseline.duckdb", "baseline_cards_utf8"):
                    path = workdir / name
                    if path.is_dir():
                        shutil.rmtree(path, ignore_errors=True)
                    else:
                        path.unlink(missing_ok=True)
                        path.with_suffix(".duckdb.wal").unlink(missing_ok=True)
                if generated:
                    shutil.rmtree(landing, ignore_errors=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    print_summary(report)
    print(f"\nreport: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

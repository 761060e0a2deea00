"""Time a ``leadflow run`` with nothing to do, start-up included.

Builds a fresh DuckDB warehouse from a landing folder once (``leadflow run``), then times
``leadflow run --json`` again ``--runs`` times as a user or a scheduler starts it: a new
process each time, wall clock from start to exit. Each timed run must report "nothing new"
(``nothing_new`` in the JSON summary) and leave ``ops.published_builds`` as it was: a run
that built is reported as an error of the measurement.

Two ways of starting are measured: with Prefect's temporary server (no ``PREFECT_API_URL``:
each run starts and stops one, as ``leadflow run`` does on a laptop), and against a Prefect
server already running (``prefect server start``, as a deployment on a schedule runs). The
target, under 10 s on the sample, is reported, not enforced: this is a measurement, not a
test. Results go to ``bench/results/noop_run.json``.

    .venv/bin/python bench/noop_run.py                 # the sample, 3 runs per mode
    .venv/bin/python bench/noop_run.py --runs 5 --sources path/to/landing
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"
SAMPLE = PROJECT_ROOT / "sources" / "sample"
TARGET_SECONDS = 10.0
LEADFLOW = [sys.executable, "-m", "flows.cli"]


def _env(prefect_home: Path, api_url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env.update(
        PREFECT_HOME=str(prefect_home),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        DO_NOT_TRACK="1",
    )
    # a loaded machine may take longer than Prefect's default 20 s to start the server
    env.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    if api_url:
        env["PREFECT_API_URL"] = api_url
    return env


def _published(warehouse: Path) -> list[tuple[Any, ...]]:
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute("select batch_id from ops.published_builds order by 1").fetchall()
    finally:
        con.close()


def _timed_run(args: list[str], env: dict[str, str]) -> tuple[float, dict[str, Any]]:
    started = time.perf_counter()
    done = subprocess.run([*LEADFLOW, *args], env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"leadflow {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return seconds, json.loads(done.stdout)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start_server(env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    url = f"http://127.0.0.1:{port}/api"
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "prefect",
            "server",
            "start",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],  # fmt: skip
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as answer:
                if answer.status == 200:
                    return server, url
        except OSError:
            time.sleep(0.5)
    server.terminate()
    raise SystemExit("the Prefect server did not answer within 120 s")


def measure(sources: Path, runs: int, workdir: Path) -> dict[str, Any]:
    """Build once, then time ``runs`` no-op runs per way of starting Prefect."""
    warehouse = workdir / "leadflow.duckdb"
    common = ["run", "--sources", str(sources), "--warehouse-url", f"duckdb:///{warehouse}"]
    env = _env(workdir / "prefect-home", None)
    build_seconds, first = _timed_run([*common, "--json"], env)
    published = _published(warehouse)
    modes: dict[str, Any] = {}
    server, api_url = _start_server(env)
    try:
        for mode, mode_env in (
            ("temporary Prefect server", env),
            ("running Prefect server", _env(workdir / "prefect-home", api_url)),
        ):
            times, checks = [], []
            for _ in range(runs):
                seconds, summary = _timed_run([*common, "--json"], mode_env)
                if not summary.get("nothing_new"):
                    raise SystemExit(f"a run built although nothing was new: {summary}")
                times.append(seconds)
                checks.append(summary["timings"].get("check", 0.0))
            modes[mode] = {
                "wall_seconds": [round(t, 2) for t in times],
                "median_seconds": round(statistics.median(times), 2),
                "check_seconds_median": round(statistics.median(checks), 3),
                "under_target": statistics.median(times) < TARGET_SECONDS,
            }
    finally:
        server.terminate()
        server.wait(timeout=30)
    if _published(warehouse) != published:
        raise SystemExit("a no-op run published a build")
    return {
        "sources": str(sources),
        "files": len(first["files"]),
        "build_seconds": round(build_seconds, 1),
        "message": summary["nothing_new"],
        "modes": modes,
        "target_seconds": TARGET_SECONDS,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=Path, default=SAMPLE, help="landing folder")
    parser.add_argument("--runs", type=int, default=3, help="timed runs per mode (default 3)")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="leadflow-noop-bench-"))
    try:
        result = measure(args.sources.resolve(), args.runs, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    result.update(
        measured_at=datetime.now(UTC).isoformat(timespec="seconds"),
        machine={"cpus": os.cpu_count(), "python": platform.python_version()},
        load_average=list(os.getloadavg()),
    )
    RESULTS_DIR.mkdir(exist_ok=True)
    out = RESULTS_DIR / "noop_run.json"
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"build once: {result['build_seconds']} s ({result['files']} files)")
    print(result["message"])
    for mode, m in result["modes"].items():
        verdict = "under" if m["under_target"] else "OVER"
        print(
            f"{mode}: median {m['median_seconds']} s wall ({verdict} the {TARGET_SECONDS:.0f} s "
            f"target), the check itself {m['check_seconds_median']} s; runs {m['wall_seconds']}"
        )
    print(f"written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

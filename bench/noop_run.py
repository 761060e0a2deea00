"""Time a ``leadflow run`` with nothing to do, start-up included.

Builds a fresh DuckDB warehouse from a landing folder once (``leadflow run``), then times
a run with nothing new ``--runs`` times each way a run starts, a new process each time,
wall clock from start to exit, with the CPU time of the process (a loaded machine inflates
the wall clock, not the CPU time):

- ``leadflow run --json`` with no Prefect server configured: the command checks before it
  starts Prefect's temporary server, and starts none when nothing is new;
- the ``qualify`` flow called as a deployment's worker calls it, on a Prefect server
  already running (``prefect server start``): the check runs inside the flow.

Each timed run must report "nothing new" (``nothing_new`` in the summary) and leave
``ops.published_builds`` as it was: a run that built is an error of the measurement. The
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
import resource
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
FLOW_RUN = (
    "import dataclasses, json, sys\n"
    "from flows.qualify import qualify\n"
    "summary = qualify(sources=sys.argv[1], warehouse_url=sys.argv[2])\n"
    "print('SUMMARY ' + json.dumps(dataclasses.asdict(summary), default=str))\n"
)


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


def _timed_run(command: list[str], env: dict[str, str]) -> tuple[float, float, dict[str, Any]]:
    """Wall seconds, CPU seconds (user + system of the process and its children, which a
    loaded machine does not inflate) and the JSON summary of one process."""
    cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")
    used = after.ru_utime - cpu.ru_utime + after.ru_stime - cpu.ru_stime
    marked = [line for line in done.stdout.splitlines() if line.startswith("SUMMARY ")]
    summary = json.loads(marked[-1].removeprefix("SUMMARY ") if marked else done.stdout)
    return seconds, used, summary


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
    """Build once, then time ``runs`` no-op runs each way a run is started."""
    warehouse = workdir / "leadflow.duckdb"
    url = f"duckdb:///{warehouse}"
    cli = [*LEADFLOW, "run", "--sources", str(sources), "--warehouse-url", url, "--json"]
    # the flow itself, as a deployment's worker calls it: the check runs inside the flow
    flow = [sys.executable, "-c", FLOW_RUN, str(sources), url]
    home = workdir / "prefect-home"
    env = _env(home, None)
    build_seconds, _, first = _timed_run(cli, env)
    published = _published(warehouse)
    modes: dict[str, Any] = {}
    server, api_url = _start_server(env)
    try:
        for mode, command, mode_env in (
            ("leadflow run (checked before Prefect starts)", cli, env),
            ("qualify flow on a running Prefect server", flow, _env(home, api_url)),
        ):
            times, cpus, checks = [], [], []
            for _ in range(runs):
                seconds, cpu, summary = _timed_run(command, mode_env)
                if not summary.get("nothing_new"):
                    raise SystemExit(f"a run built although nothing was new: {summary}")
                times.append(seconds)
                cpus.append(cpu)
                checks.append(summary["timings"].get("check", 0.0))
            modes[mode] = {
                "wall_seconds": [round(t, 2) for t in times],
                "median_seconds": round(statistics.median(times), 2),
                "cpu_seconds_median": round(statistics.median(cpus), 2),
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
            f"target), {m['cpu_seconds_median']} s CPU, the check itself "
            f"{m['check_seconds_median']} s; runs {m['wall_seconds']}"
        )
    print(f"written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The deployments in prefect.yaml against a real `prefect server start` on PostgreSQL.

One module-scoped fixture creates a PostgreSQL database for Prefect, starts the server on
127.0.0.1 (a free port, `PREFECT_HOME` in a temporary folder), creates the process work
pool named in prefect.yaml and runs `prefect deploy --all --no-prompt` from the project
root. The tests then read the deployments back and let a process worker execute a
scheduled run of `qualify/qualify-incremental` end to end into a DuckDB file, then a run of
`handoff/handoff-to-sales` on that warehouse.
"""

from __future__ import annotations

import csv
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from flows.settings import PROJECT_ROOT
from tests.conftest import duckdb_url, fresh_postgres_database, query

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

BIN = Path(sys.executable).parent  # .venv/bin: `prefect` and the python the worker uses
SPEC = yaml.safe_load((PROJECT_ROOT / "prefect.yaml").read_text(encoding="utf-8"))
POOL = SPEC["definitions"]["work_pools"]["process_pool"]["name"]
SERVER_START_TIMEOUT = 90
RUN_TIMEOUT = 240


def log(message: str) -> None:
    """Timings and progress, shown with `pytest -s` (or -rP)."""
    print(f"[test_deploy] {message}", flush=True)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tail(path: Path, lines: int = 40) -> str:
    if not path.exists():
        return f"({path} not written)"
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def stop(proc: subprocess.Popen, grace: float = 15) -> None:
    """Terminate a process we started (SIGTERM to its own process group), then kill it."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)  # start_new_session: the group id is its pid
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    except ProcessLookupError:
        return  # the process group exited between the poll and the signal: nothing to stop


@dataclass
class PrefectServer:
    """A running `prefect server start` and the environment that talks to it."""

    api_url: str
    env: dict[str, str]
    home: Path
    logs: Path
    timings: dict[str, float] = field(default_factory=dict)

    def cli(self, *args: str, timeout: float = 120, **env: str) -> subprocess.CompletedProcess:
        """Run `.venv/bin/prefect ARGS` from the project root against this server."""
        proc = subprocess.run(
            [str(BIN / "prefect"), *args],
            cwd=PROJECT_ROOT,
            env={**self.env, **env},
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert proc.returncode == 0, (
            f"prefect {' '.join(args)} exited {proc.returncode}\n"
            f"stdout:\n{proc.stdout[-3000:]}\nstderr:\n{proc.stderr[-3000:]}"
        )
        return proc

    def client(self):
        """A synchronous Prefect client on this server (a context manager)."""
        from prefect.client.orchestration import SyncPrefectClient

        return SyncPrefectClient(self.api_url)


def prefect_env(home: Path, **extra: str) -> dict[str, str]:
    """This process's environment without any PREFECT_* setting, plus ours."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        PREFECT_HOME=str(home),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_CLI_PROMPT="false",
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        DO_NOT_TRACK="1",
    )
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def prefect_database(postgres_admin_url):
    """A fresh PostgreSQL database for the Prefect server: its asyncpg URL; dropped after."""
    from sqlalchemy.engine import make_url

    with fresh_postgres_database(postgres_admin_url) as url:
        yield make_url(url).set(drivername="postgresql+asyncpg")


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory, prefect_database):
    """`prefect server start` on PostgreSQL, the process work pool, `prefect deploy --all`."""
    started = time.monotonic()
    home = tmp_path_factory.mktemp("prefect_home")
    logs = tmp_path_factory.mktemp("prefect_logs")
    port = free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    server_env = prefect_env(
        home,
        PREFECT_API_DATABASE_CONNECTION_URL=prefect_database.render_as_string(hide_password=False),
    )
    server_log = logs / "server.log"
    with server_log.open("w") as out:
        proc = subprocess.Popen(
            [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1",
             "--port", str(port), "--no-ui"],
            cwd=home, env=server_env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:
            assert proc.poll() is None, f"prefect server exited:\n{tail(server_log)}"
            try:
                with urllib.request.urlopen(f"{api_url}/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass  # not listening yet: poll again until the deadline below
            assert time.monotonic() < deadline, f"server not healthy:\n{tail(server_log)}"
            time.sleep(0.5)
        server = PrefectServer(
            api_url=api_url,
            env=prefect_env(home, PREFECT_API_URL=api_url),
            home=home,
            logs=logs,
        )
        server.timings["server_start"] = time.monotonic() - started
        log(
            f"server healthy on {api_url} (PostgreSQL) after {server.timings['server_start']:.1f} s"
        )

        step = time.monotonic()
        server.cli("work-pool", "create", POOL, "--type", "process")
        server.timings["work_pool"] = time.monotonic() - step
        step = time.monotonic()
        server.cli("deploy", "--all", "--no-prompt", timeout=180)
        server.timings["deploy"] = time.monotonic() - step
        log(
            f"work pool {POOL}: {server.timings['work_pool']:.1f} s; "
            f"prefect deploy --all: {server.timings['deploy']:.1f} s"
        )
        yield server
    finally:
        step = time.monotonic()
        stop(proc)
        log(f"server stopped in {time.monotonic() - step:.1f} s")


def test_prefect_deploy_all_registers_the_deployments_with_their_schedules(prefect_server):
    expected = {d["name"]: d for d in SPEC["deployments"]}
    with prefect_server.client() as client:
        pool = client.read_work_pool(POOL)
        assert pool.type == "process"
        assert set(expected) == {
            "qualify-incremental", "qualify-full-refresh", "recycle-nurture", "handoff-to-sales",
        }  # fmt: skip
        flows = {"recycle-nurture": "recycle-nurture", "handoff-to-sales": "handoff"}
        for name, spec in expected.items():
            flow = flows.get(name, "qualify")
            deployment = client.read_deployment_by_name(f"{flow}/{name}")
            assert deployment.entrypoint == spec["entrypoint"]
            assert deployment.work_pool_name == POOL
            assert deployment.work_queue_name == spec["work_pool"]["work_queue_name"]
            assert deployment.parameters == spec["parameters"]
            # the worker runs the flow from the checkout named by LEADFLOW_HOME (at run time)
            assert deployment.pull_steps == SPEC["pull"]
            [schedule] = deployment.schedules
            [wanted] = spec["schedules"]
            assert schedule.schedule.cron == wanted["cron"]
            assert schedule.schedule.timezone == wanted["timezone"]
            assert schedule.slug == wanted["slug"]
            assert schedule.active is True

    log(f"timings: { {k: round(v, 1) for k, v in prefect_server.timings.items()} }")


def test_the_server_scheduler_turns_the_cron_schedules_into_runs(prefect_server):
    """Every quarter hour (UTC), 02:30 in Madrid with full_refresh, the recycle list at 06:00,
    the hand-off five minutes after each quarter hour (UTC)."""
    from prefect.client.schemas.filters import (
        DeploymentFilter,
        DeploymentFilterName,
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateName,
    )

    names = [d["name"] for d in SPEC["deployments"]]
    scheduled = FlowRunFilter(
        state=FlowRunFilterState(name=FlowRunFilterStateName(any_=["Scheduled"]))
    )
    runs: dict[str, list] = {}
    deadline = time.monotonic() + 20  # the server schedules new deployments every 5 s
    with prefect_server.client() as client:
        while time.monotonic() < deadline:
            for name in names:
                runs[name] = client.read_flow_runs(
                    deployment_filter=DeploymentFilter(name=DeploymentFilterName(any_=[name])),
                    flow_run_filter=scheduled,
                    limit=5,
                )
            if all(runs.values()):
                break
            time.sleep(1)
    assert all(runs.values()), (
        f"no scheduled runs: { {k: len(v) for k, v in runs.items()} }\n"
        f"{tail(prefect_server.logs / 'server.log', 5)}"
    )
    for run in runs["qualify-incremental"]:
        at = run.expected_start_time.astimezone(UTC)
        assert at.minute % 15 == 0 and at.second == 0, at
    for run in runs["qualify-full-refresh"]:
        at = run.expected_start_time.astimezone(ZoneInfo("Europe/Madrid"))
        assert (at.hour, at.minute) == (2, 30), at
        assert run.parameters["full_refresh"] is True
    for run in runs["recycle-nurture"]:
        at = run.expected_start_time.astimezone(ZoneInfo("Europe/Madrid"))
        assert (at.hour, at.minute) == (6, 0), at
    for run in runs["handoff-to-sales"]:
        at = run.expected_start_time.astimezone(UTC)
        assert at.minute % 15 == 5 and at.second == 0, at
        assert run.parameters["lock_timeout"] == 300


def wait_for_run(client, flow_run_id, worker: subprocess.Popen, worker_log: Path):
    """The flow run once final, and the names of its states."""
    deadline = time.monotonic() + RUN_TIMEOUT
    while True:
        run = client.read_flow_run(flow_run_id)
        if run.state is not None and run.state.is_final():
            return run, [s.name for s in client.read_flow_run_states(flow_run_id)]
        assert worker.poll() is None, f"worker exited:\n{tail(worker_log)}"
        assert time.monotonic() < deadline, (
            f"flow run still {run.state_name} after {RUN_TIMEOUT} s:\n{tail(worker_log)}"
        )
        time.sleep(1)


def test_a_process_worker_runs_a_scheduled_qualify_run_end_to_end(prefect_server, tmp_path):
    """A worker takes a scheduled run of qualify-incremental to Completed, then a run of
    handoff-to-sales that writes the new MQLs to a Zoho import file."""
    from prefect.states import Scheduled

    warehouse = tmp_path / "leadflow.duckdb"
    # A queue of its own, so the worker takes this run and none the scheduler made.
    queue = f"e2e-{uuid.uuid4().hex[:6]}"
    with prefect_server.client() as client:
        client.create_work_queue(name=queue, work_pool_name=POOL)
        deployment = client.read_deployment_by_name("qualify/qualify-incremental")
        scheduled_time = datetime.now(UTC) + timedelta(seconds=5)
        flow_run = client.create_flow_run_from_deployment(
            deployment.id,
            parameters={"warehouse_url": duckdb_url(warehouse)},
            state=Scheduled(scheduled_time=scheduled_time),
            work_queue_name=queue,
        )
    assert flow_run.state.is_scheduled()

    worker_log = prefect_server.logs / "worker.log"
    started = time.monotonic()
    with worker_log.open("w") as out:
        worker = subprocess.Popen(
            [str(BIN / "prefect"), "worker", "start", "--pool", POOL, "--work-queue", queue,
             "--name", f"test-worker-{queue}"],
            cwd=tmp_path,  # the deployment's pull step moves the run to the project root
            env={
                **prefect_server.env,
                "LEADFLOW_HOME": str(PROJECT_ROOT),
                # a run that reached the default warehouse would land here, not in the checkout
                "LEADFLOW_WAREHOUSE_URL": duckdb_url(tmp_path / "default.duckdb"),
                "PREFECT_WORKER_QUERY_SECONDS": "2",
            },
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    crm_out = tmp_path / "crm"
    try:
        with prefect_server.client() as client:
            run, states = wait_for_run(client, flow_run.id, worker, worker_log)
            elapsed = time.monotonic() - started
            log(f"worker run {run.name}: {run.state_name} after {elapsed:.1f} s; states {states}")
            assert run.state.is_completed(), (
                f"{run.state_name}: {run.state.message}\n{tail(worker_log, 80)}"
            )
            handoff = client.read_deployment_by_name("handoff/handoff-to-sales")
            parameters = {"warehouse_url": duckdb_url(warehouse), "crm": "zoho",
                          "out": str(crm_out)}  # fmt: skip
            handoff_run = client.create_flow_run_from_deployment(
                handoff.id, parameters=parameters, work_queue_name=queue
            )
            handed, handoff_states = wait_for_run(client, handoff_run.id, worker, worker_log)
    finally:
        stop(worker)
    log(f"hand-off run {handed.name}: {handed.state_name}; states {handoff_states}")

    assert states[0] == "Scheduled" and "Running" in states and states[-1] == "Completed"
    assert run.start_time >= scheduled_time - timedelta(seconds=1)  # not before its time
    assert run.parameters == {
        **deployment.parameters,
        "warehouse_url": duckdb_url(warehouse),
    }
    [(leads,)] = query(warehouse, "select count(*) from marts.leads")
    assert leads > 0
    assert not (tmp_path / "default.duckdb").exists()
    log(f"marts.leads: {leads} rows in {warehouse.name}")

    assert handed.state.is_completed(), (
        f"{handed.state_name}: {handed.state.message}\n{tail(worker_log, 80)}"
    )
    assert handed.parameters == {**handoff.parameters, **parameters}
    [written] = crm_out.glob("leadflow-zoho-leads-*.csv")
    [(mqls,)] = query(warehouse, "select count(*) from marts.mql_leads")
    with written.open(encoding="utf-8", newline="") as handle:
        assert mqls > 0 and len(list(csv.DictReader(handle))) == mqls
    assert query(warehouse, "select distinct status from ops.handoffs") == [("written",)]

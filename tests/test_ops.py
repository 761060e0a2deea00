"""Operations: the run lock, failure notifications, I/O retries, recovery from a killed run,
and the deployments in prefect.yaml. Real processes, real DuckDB and PostgreSQL, real Prefect."""

from __future__ import annotations

import json
import logging
import os
import re
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import fsspec
import pytest
import yaml
from fsspec.implementations.memory import MemoryFileSystem
from sqlalchemy.engine import make_url

from flows.generate import generate
from flows.handoff.flow import handoff
from flows.lock import WarehouseBusy, lock_path, warehouse_lock
from flows.notify import WEBHOOK_ENV, redact, safe_webhook
from flows.qualify import LandingFileUnreadable, qualify, retry_delays
from flows.recycle import recycle_nurture
from flows.settings import PROJECT_ROOT, ConfigurationError, Warehouse
from tests.conftest import duckdb_url, query

HOLDER = """
import sys
from flows.lock import warehouse_lock
from flows.settings import Warehouse
with warehouse_lock(Warehouse.from_env(sys.argv[1])):
    print("locked", flush=True)
    sys.stdin.readline()  # hold the lock until the test writes a line or closes stdin
"""
PASSWORD = "pw-Secret-4711"


class LockHolder:
    """Another process holding the warehouse lock through flows.lock."""

    def __init__(self, url: str, script: str = HOLDER):
        self.proc = subprocess.Popen(
            [sys.executable, "-c", script, url],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        line = self.proc.stdout.readline()
        assert line.strip() == "locked", self.proc.stderr.read()

    def release(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.write("done\n")
            self.proc.stdin.flush()
            self.proc.wait(timeout=10)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)


@pytest.fixture
def holder():
    holders: list[LockHolder] = []

    def start(url: str, script: str = HOLDER) -> LockHolder:
        holders.append(LockHolder(url, script))
        return holders[-1]

    yield start
    for h in holders:
        h.kill()
        for stream in (h.proc.stdin, h.proc.stdout, h.proc.stderr):
            stream.close()


@pytest.fixture
def webhook(monkeypatch):
    """A local HTTP receiver on 127.0.0.1; the payloads it got. Its URL carries a token."""
    received: list[dict] = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append({"path": self.path, "payload": json.loads(body)})
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass  # keep the receiver quiet; the test asserts on `received`

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv(
        WEBHOOK_ENV, f"http://127.0.0.1:{server.server_port}/hooks/leadflow?token=tok-SECRET"
    )
    yield received
    server.shutdown()
    server.server_close()


# --------------------------------------------------------------------------- the lock


def test_duckdb_lock_refuses_a_second_process_and_names_the_holder(tmp_path, holder):
    url = duckdb_url(tmp_path / "wh.duckdb")
    other = holder(url)
    started = time.monotonic()
    with pytest.raises(WarehouseBusy) as busy, warehouse_lock(Warehouse.from_env(url)):
        pass  # not reached: taking the lock must raise (asserted by pytest.raises)
    assert time.monotonic() - started < 1  # lock_timeout 0: refused at once
    message = str(busy.value)
    assert f"warehouse {url}" in message
    assert f"pid {other.proc.pid} on " in message and " since 20" in message
    holder_file = json.loads(lock_path(Warehouse.from_env(url)).read_text())
    assert holder_file["pid"] == other.proc.pid


def test_duckdb_lock_waits_for_the_holder_and_survives_a_killed_holder(tmp_path, holder):
    url = duckdb_url(tmp_path / "wh.duckdb")
    warehouse = Warehouse.from_env(url)
    other = holder(url)
    threading.Timer(1.0, other.release).start()
    started = time.monotonic()
    with warehouse_lock(warehouse, timeout=10) as me:
        waited = time.monotonic() - started
        assert me["pid"] == os.getpid()
    assert 0.8 < waited < 5
    # A holder killed with SIGKILL leaves its lock file behind but not its lock.
    holder(url).kill()
    with warehouse_lock(warehouse, timeout=0):
        pass  # acquiring at once is the assertion: a killed holder leaves no lock
    # Within one process the lock is re-entrant (the flow re-enters its command's lock),
    # and it is still held after the inner block ends.
    with warehouse_lock(warehouse) as outer, warehouse_lock(warehouse, timeout=0.5) as inner:
        assert inner == outer
    with warehouse_lock(warehouse):
        with warehouse_lock(warehouse):
            pass  # the inner block's end must not release the outer lock: asserted below
        other = subprocess.run([sys.executable, "-c", HOLDER, url], capture_output=True, text=True)
        assert other.returncode == 1 and "WarehouseBusy" in other.stderr


@pytest.mark.postgres
def test_postgres_lock_refuses_a_second_run_without_leaking_the_password(
    postgres_url, holder, webhook, prefect_harness, caplog
):
    url = make_url(postgres_url).set(password=PASSWORD).render_as_string(hide_password=False)
    other = holder(url)
    caplog.set_level(logging.INFO)
    with pytest.raises(WarehouseBusy) as busy:
        qualify(warehouse_url=url)
    message = str(busy.value)
    assert "postgresql+psycopg://" in message and ":***@" in message
    assert f"pid {other.proc.pid} on " in message
    assert PASSWORD not in message
    [hook] = webhook
    assert hook["payload"]["error"]["type"] == "WarehouseBusy"
    assert hook["payload"]["warehouse"].endswith(make_url(postgres_url).database)
    assert PASSWORD not in json.dumps(hook)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "WarehouseBusy" in caplog.text or "locked by another qualify run" in logged
    assert PASSWORD not in caplog.text and PASSWORD not in logged
    assert "tok-SECRET" not in caplog.text and "failure notification sent to" in logged
    other.release()
    with warehouse_lock(Warehouse.from_env(url), timeout=2):
        pass  # acquiring after the release is the assertion


def test_cli_refuses_while_another_run_holds_the_warehouse(
    tmp_path, holder, webhook, prefect_harness, capsys
):
    from flows.cli import main

    url = duckdb_url(tmp_path / "wh.duckdb")
    holder(url)
    code = main(["run", "--warehouse-url", url, "--lock-timeout", "0.3"])
    assert code == 3
    err = capsys.readouterr().err
    assert f"leadflow run refused: warehouse {url} is locked by another qualify run" in err
    [hook] = webhook
    payload = hook["payload"]
    assert hook["path"] == "/hooks/leadflow?token=tok-SECRET"
    assert payload["event"] == "leadflow.qualify.failed"
    # refused before the flow started: no flow run, no batch
    assert payload["flow_run"] == {"id": None, "name": None, "flow": "qualify"}
    assert payload["batch_id"] is None
    assert payload["error"]["type"] == "WarehouseBusy"


# --------------------------------------------------------------------------- small parts


def test_run_flags():
    from flows.cli import build_parser

    args = build_parser().parse_args(["run", "--full-refresh", "--quiet", "--lock-timeout", "9"])
    assert (args.full_refresh, args.quiet, args.lock_timeout, args.json) == (True, True, 9.0, False)
    args = build_parser().parse_args(["run"])
    assert (args.full_refresh, args.quiet, args.lock_timeout) == (False, False, 0)


def test_retry_delays_setting(monkeypatch):
    assert retry_delays() == [2, 5, 15]
    monkeypatch.setenv("LEADFLOW_RETRY_DELAYS", "0, 0,1.5")
    assert retry_delays() == [0, 0, 1.5]
    monkeypatch.setenv("LEADFLOW_RETRY_DELAYS", "soon")
    with pytest.raises(ConfigurationError, match="LEADFLOW_RETRY_DELAYS"):
        retry_delays()


def test_masking():
    warehouse = Warehouse.from_env(f"postgresql://lf:{PASSWORD}@db.internal:5432/leads")
    text = f"cannot connect to {warehouse.sqlalchemy_url}; password {PASSWORD} rejected"
    masked = redact(text, warehouse)
    assert PASSWORD not in masked and "lf:***@db.internal" in masked
    assert (
        safe_webhook("https://u:p@hooks.example.com:8443/x/y?token=abc#f")
        == "https://hooks.example.com:8443/x/y"
    )


def test_a_gate_failure_payload_carries_the_failed_expectations(webhook):
    from datetime import UTC, datetime

    from flows.gate import FailedExpectation, GateFailed, GateResult
    from flows.notify import failure_payload, send

    blocked = GateResult(
        gate="profiled",
        table="audit.leads",
        success=False,
        evaluated=13,
        failed=[
            FailedExpectation(
                "expect_column_values_to_not_be_null", "", "country_code", 3000, 9000, ["x"]
            )
        ],
        checked_at=datetime.now(UTC),
    )
    warehouse = Warehouse.from_env(f"postgresql://lf:{PASSWORD}@db.internal/leads")
    error = GateFailed([blocked])
    error.args = (f"{error} (on {warehouse.sqlalchemy_url})",)
    payload = failure_payload(
        flow_run={"id": "f-1", "name": "brave-otter", "flow": "qualify"},
        batch_id="20261122T150000Z-abcd1234",
        warehouse=warehouse,
        error=error,
        gates=[blocked.as_dict()],
        files={"files_loaded": 3},
    )
    assert send(payload) is True
    [hook] = webhook
    got = hook["payload"]
    assert got["error"]["type"] == "GateFailed"
    assert "gate 'profiled' on audit.leads: BLOCKED" in got["error"]["message"]
    assert got["gates"][0]["failed"][0]["unexpected_count"] == 3000
    assert got["warehouse"] == "postgresql+psycopg://lf:***@db.internal/leads"
    assert PASSWORD not in json.dumps(got)


def test_notification_never_fails_the_caller(caplog):
    from flows.notify import send

    caplog.set_level(logging.INFO)
    # Nothing listens on port 9 of 127.0.0.1: refused at once.
    assert send({"x": 1}, url="http://127.0.0.1:9/hook?token=tok-SECRET") is False
    assert "not delivered" in caplog.text and "tok-SECRET" not in caplog.text


def test_prefect_yaml_deployments_build_offline():
    from prefect.schedules import Cron

    spec = yaml.safe_load((PROJECT_ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    deployments = {d["name"]: d for d in spec["deployments"]}
    assert set(deployments) == {
        "qualify-incremental",
        "qualify-full-refresh",
        "recycle-nurture",
        "handoff-to-sales",
    }
    assert deployments["qualify-full-refresh"]["parameters"]["full_refresh"] is True
    assert deployments["qualify-incremental"]["parameters"]["full_refresh"] is False
    slugs = set()
    for name, d in deployments.items():
        # a module path: a file entrypoint would put flows/ first on sys.path, where
        # flows/dbt.py shadows the dbt package
        module, _, attr = d["entrypoint"].partition(":")
        flow = {
            "flows.qualify": qualify,
            "flows.recycle": recycle_nurture,
            "flows.handoff.flow": handoff,
        }[module]
        assert attr == flow.fn.__name__
        assert (PROJECT_ROOT / (module.replace(".", "/") + ".py")).is_file()
        assert d["work_pool"]["name"] == spec["definitions"]["work_pools"]["process_pool"]["name"]
        [schedule] = d["schedules"]
        assert {"cron", "timezone", "slug"} <= set(schedule)
        slugs.add(schedule["slug"])
        built = flow.to_deployment(
            name=name,
            description=d["description"],
            parameters=d["parameters"],
            schedules=[
                Cron(
                    schedule["cron"],
                    timezone=schedule["timezone"],
                    slug=schedule["slug"],
                    active=schedule["active"],
                )
            ],
            work_pool_name=d["work_pool"]["name"],
            work_queue_name=d["work_pool"]["work_queue_name"],
        )
        assert built.parameters == d["parameters"]
        # What a worker does before the run: names and types checked against the flow.
        validated = flow.validate_parameters(d["parameters"])
        if flow is qualify:
            assert validated["full_refresh"] is (name == "qualify-full-refresh")
        [built_schedule] = built.schedules
        assert built_schedule.schedule.cron == schedule["cron"]
        assert built_schedule.schedule.timezone == schedule["timezone"]
    assert len(slugs) == 4
    with pytest.raises(Exception, match="full_refreshh"):
        qualify.validate_parameters({"full_refreshh": True})


# --------------------------------------------------------------------------- I/O retries


class FlakyFileSystem(MemoryFileSystem):
    """An in-memory landing folder whose downloads fail on purpose."""

    protocol = "flaky"
    store: dict = {}
    pseudo_dirs = [""]
    transient: dict[str, int] = {}  # path -> failures left
    permanent: set[str] = set()
    calls: dict[str, int] = {}

    @classmethod
    def _strip_protocol(cls, path):
        if isinstance(path, str) and path.startswith("flaky://"):
            path = path[len("flaky://") :]
        return super()._strip_protocol(path)

    def get_file(self, rpath, lpath, **kwargs):
        path = self._strip_protocol(rpath)
        self.calls[path] = self.calls.get(path, 0) + 1
        if path in self.permanent:
            raise PermissionError(f"Permission denied: {path}")
        if self.transient.get(path, 0) > 0:
            self.transient[path] -= 1
            raise ConnectionError(f"connection reset while reading {path}")
        return super().get_file(rpath, lpath, **kwargs)


def serve_flaky(folder: Path) -> str:
    """Copy a landing folder into the flaky filesystem; its URL."""
    fsspec.register_implementation("flaky", FlakyFileSystem, clobber=True)
    for state in (FlakyFileSystem.store, FlakyFileSystem.transient, FlakyFileSystem.calls):
        state.clear()
    FlakyFileSystem.permanent.clear()
    fs = fsspec.filesystem("flaky")
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            fs.pipe(f"/landing/{path.relative_to(folder).as_posix()}", path.read_bytes())
    return "flaky://landing"


@pytest.fixture
def flaky_fs():
    """``serve_flaky``; the in-memory files are dropped after the test."""
    yield serve_flaky
    FlakyFileSystem.store.clear()
    FlakyFileSystem.pseudo_dirs[:] = [""]


def test_only_transient_io_errors_are_retried():
    from prefect.states import Failed

    from flows.qualify import retry_on_transient_io

    def retried(exc: BaseException) -> bool:
        return retry_on_transient_io(None, None, Failed(data=exc))

    assert retried(ConnectionError("reset")) and retried(TimeoutError()) and retried(OSError(5))
    assert not retried(PermissionError("denied")) and not retried(FileNotFoundError("gone"))
    assert not retried(LandingFileUnreadable("x")) and not retried(ValueError("bad data"))


@pytest.mark.integration
@pytest.mark.integration
@pytest.mark.postgres
def test_a_held_duckdb_file_is_waited_for_and_a_wrong_database_fails_fast(
    tmp_path, prefect_harness, postgres_admin_url
):
    """Transient: another process holds the DuckDB file (a DuckDB CLI, say) for a moment.
    Permanent: PostgreSQL says the database does not exist. Both through the real drivers."""
    import duckdb

    from flows.qualify import connect_warehouse
    from flows.warehouse import WarehouseUnreachable

    path = tmp_path / "wh.duckdb"
    duckdb.connect(str(path)).close()
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True); "
         "time.sleep(3); c.close()", str(path)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert holder.stdout.readline().strip() == "held"
    started = time.monotonic()
    state = connect_warehouse.with_options(retry_delay_seconds=[2, 2, 2])(
        Warehouse.from_env(duckdb_url(path)), return_state=True
    )
    assert state.is_completed() and time.monotonic() - started >= 1.5  # it waited, then got in
    assert holder.wait(timeout=30) == 0

    url = make_url(postgres_admin_url).set(database="leadflow_no_such_database", password=PASSWORD)
    started = time.monotonic()
    with pytest.raises(WarehouseUnreachable) as refused:
        connect_warehouse.with_options(retry_delay_seconds=[60])(
            Warehouse.from_env(url.render_as_string(hide_password=False))
        )
    assert time.monotonic() - started < 50  # not retried (a retry would wait 60 s)
    assert 'database "leadflow_no_such_database" does not exist' in str(refused.value)
    assert PASSWORD not in str(refused.value)


def test_a_permanent_read_error_fails_fast_naming_the_file(
    tmp_path, prefect_harness, webhook, monkeypatch, flaky_fs
):
    landing = tmp_path / "landing"
    generate(leads=50, seed=3, out=landing)
    flaky_landing = flaky_fs(landing)
    monkeypatch.setenv("LEADFLOW_RETRY_DELAYS", "0")
    broken = "/landing/forms/web_form_submissions_2026-02.csv"
    assert broken in FlakyFileSystem.store
    FlakyFileSystem.permanent.add(broken)
    with pytest.raises(LandingFileUnreadable) as failure:
        qualify(sources=flaky_landing, warehouse_url=duckdb_url(tmp_path / "wh.duckdb"))
    assert FlakyFileSystem.calls[broken] == 1  # not retried
    message = str(failure.value)
    assert "landing file forms/web_form_submissions_2026-02.csv cannot be read" in message
    assert "PermissionError" in message
    [hook] = webhook
    assert hook["payload"]["error"]["type"] == "LandingFileUnreadable"
    assert "forms/web_form_submissions_2026-02.csv" in hook["payload"]["error"]["message"]


# --------------------------------------------------------------------------- a killed run

RAW = ("contacts", "companies", "events", "quarantine")
LEADS = 15000  # several seconds of ingestion


def raw_state(path: Path) -> dict[str, object]:
    counts = {t: query(path, f"select count(*) from raw.{t}")[0][0] for t in RAW}
    counts["ledger"] = query(
        path,
        "select count(*), count(distinct file_hash || mapping), sum(rows_loaded) "
        "from raw.load_ledger where status = 'loaded'",
    )[0]
    return counts


def kill_after(count: int, pattern: str, command: list[str], env: dict[str, str]) -> None:
    """Start ``command`` and SIGKILL it once ``count`` lines of its output match ``pattern``."""
    run = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    seen = 0
    try:
        for line in run.stdout:
            seen += bool(re.search(pattern, line))
            if seen >= count:
                run.send_signal(signal.SIGKILL)
                break
    finally:
        run.kill()
        run.wait(timeout=30)
        run.stdout.close()
    assert seen >= count and run.returncode == -signal.SIGKILL


@pytest.mark.integration
def test_a_killed_run_recovers_and_transient_io_errors_are_retried(
    tmp_path, prefect_harness, monkeypatch, flaky_fs
):
    """A run killed while ingesting, then one killed while dbt builds, then a third run,
    give what one clean run gives.

    The clean reference run also proves retries (one full run less for the suite): it reads
    the same files through a filesystem whose first two downloads of two files fail.
    """
    from prefect.client.orchestration import get_client
    from prefect.settings import get_current_settings

    landing = tmp_path / "landing"
    generate(leads=LEADS, seed=1, out=landing)
    killed = tmp_path / "killed.duckdb"
    env = {**os.environ, "PREFECT_API_URL": str(get_current_settings().api.url)}
    # the kills wait for INFO log lines and dbt's progress: a command run in this process
    # earlier with --quiet may have raised the log level in the environment
    env["PREFECT_LOGGING_LEVEL"] = "INFO"
    env.pop("DBT_QUIET", None)
    command = [sys.executable, "-m", "flows.cli", "run", "--sources", str(landing)]
    # killed while ingesting: some files loaded, not all
    kill_after(
        8, r": loaded \S+: \d+ rows loaded", [*command, "--warehouse-url", duckdb_url(killed)], env
    )
    partial = raw_state(killed)
    assert 8 <= partial["ledger"][0] < 81

    # Killed again, this time while dbt builds (ingestion finished): raw keeps every file
    # once, and nothing was published.
    kill_after(10, r"\d+ of \d+ OK created", [*command, "--warehouse-url", duckdb_url(killed)], env)
    assert query(
        killed, "select count(*) from information_schema.tables where table_schema = 'marts'"
    ) == [(0,)]
    ingested = raw_state(killed)
    assert ingested["ledger"][0] == 81 and ingested["ledger"][0] == ingested["ledger"][1]

    # The killed runs' locks died with them: the next run needs no waiting and no clean-up.
    again = subprocess.run(
        [*command, "--warehouse-url", duckdb_url(killed), "--quiet", "--full-refresh"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert again.returncode == 0, again.stderr[-3000:]
    assert again.stdout.lstrip().startswith("batch ") and "tier summary" in again.stdout
    assert "INFO" not in again.stdout + again.stderr  # --quiet: only the summary
    with get_client(sync_client=True) as client:
        runs = [
            r
            for r in client.read_flow_runs(limit=200)
            if r.parameters.get("sources") == str(landing)
        ]
    assert sorted((r.state_name, r.parameters["full_refresh"]) for r in runs) == [
        ("Completed", True),  # --full-refresh reached the flow
        ("Running", False),  # the killed runs: nobody told the API
        ("Running", False),
    ]

    clean = tmp_path / "clean.duckdb"
    flaky = flaky_fs(landing)
    flaky_files = ["/landing/cards/" + p.name for p in sorted((landing / "cards").iterdir())]
    flaky_files.append("/landing/firmographics/companies.parquet")
    for path in flaky_files:
        FlakyFileSystem.transient[path] = 2
    monkeypatch.setenv("LEADFLOW_RETRY_DELAYS", "0,0,0")
    reference = qualify(sources=flaky, warehouse_url=duckdb_url(clean))
    assert {f["status"] for f in reference.files} == {"loaded"}
    assert [FlakyFileSystem.calls[p] for p in flaky_files] == [3] * len(flaky_files)
    assert raw_state(killed) == raw_state(clean)
    assert raw_state(clean)["ledger"][0] == raw_state(clean)["ledger"][1] == 81
    tiers = "select email, tier from marts.leads order by email"
    assert query(killed, tiers) == query(clean, tiers)
    assert dict(query(killed, "select tier, count(*) from marts.leads group by 1")) == (
        reference.tiers
    )

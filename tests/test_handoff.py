"""`leadflow handoff` against real receivers: a webhook server in its own process that fails
30 % of requests and is killed once, a hand-off process killed mid-way, CRM import files,
dead letters, routing in the marts (by lead fields and by attributes of every type) and the
outbox forgotten with the person."""

from __future__ import annotations

import asyncio
import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from flows.handoff import outbox
from flows.handoff.config import load_handoff
from flows.handoff.crm import COLUMNS
from flows.handoff.run import hand_off
from flows.mapping import attribute_types, load_profiles
from flows.privacy import erase_person
from flows.settings import ConfigurationError, Warehouse
from flows.warehouse import make_engine
from tests.conftest import duckdb_url, query

ROOT = Path(__file__).resolve().parents[1]
RECEIVER = ROOT / "tests" / "handoff_receiver.py"
SECRET = "test-signing-secret"
REQUIRED = (
    "idempotency_key", "lead_id", "email", "first_name", "last_name", "company", "cycle",
    "mql_at", "mql_reason", "fit_score", "engagement_score", "tier_reason", "fit_reason", "owner",
)  # fmt: skip


@pytest.fixture
def warehouse(sample_run, tmp_path) -> Path:
    """A copy of the sample run's warehouse (the hand-off writes ops.handoffs)."""
    path = tmp_path / "leadflow.duckdb"
    shutil.copy(sample_run[1], path)
    return path


@pytest.fixture
def config(tmp_path) -> Path:
    """The project's configuration with short back-off waits."""
    folder = tmp_path / "config"
    shutil.copytree(ROOT / "config", folder)
    settings = yaml.safe_load((folder / "handoff.yml").read_text(encoding="utf-8"))
    settings["webhook"].update(max_attempts=12, backoff_seconds=[0.1, 0.3, 1, 2])
    (folder / "handoff.yml").write_text(yaml.safe_dump(settings), encoding="utf-8")
    return folder


def expected_keys(path: Path) -> dict[str, tuple[str, int]]:
    """Idempotency key -> (lead, cycle) of every MQL cycle in marts.mql_leads."""
    rows = query(path, "select lead_id, cycle from marts.mql_leads")
    return {outbox.idempotency_key(lead, cycle): (lead, cycle) for lead, cycle in rows}


class Receiver:
    """tests/handoff_receiver.py in its own process, on a fixed port once it has one."""

    def __init__(self, folder: Path, fail_rate: float, secret: str | None = SECRET) -> None:
        self.folder, self.fail_rate, self.secret = folder, fail_rate, secret
        self.port = 0
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        port_file = self.folder / "port"
        port_file.unlink(missing_ok=True)
        command = [sys.executable, str(RECEIVER), str(self.folder), "--port-file", str(port_file)]
        command += ["--port", str(self.port), "--fail-rate", str(self.fail_rate)]
        if self.secret:
            command += ["--secret", self.secret]
        self.process = subprocess.Popen(command)
        deadline = time.monotonic() + 60
        while not port_file.exists() or not port_file.read_text():
            assert time.monotonic() < deadline, "receiver did not start"
            time.sleep(0.05)
        self.port = int(port_file.read_text())

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/leads?token=not-stored"

    def accepted(self) -> list[dict]:
        path = self.folder / "accepted.jsonl"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]

    def requests(self) -> list[dict]:
        path = self.folder / "requests.jsonl"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@pytest.fixture
def receiver_factory(tmp_path):
    started: list[Receiver] = []

    def make(fail_rate: float, secret: str | None = SECRET, name: str = "receiver") -> Receiver:
        receiver = Receiver(tmp_path / name, fail_rate, secret)
        receiver.folder.mkdir()
        receiver.start()
        started.append(receiver)
        return receiver

    yield make
    for receiver in started:
        if receiver.process and receiver.process.poll() is None:
            receiver.kill()


def handoff_command(path: Path, config: Path, *options: str) -> list[str]:
    return [
        sys.executable, "-m", "flows.cli", "handoff", "--warehouse-url", duckdb_url(path),
        "--config", str(config), *options,
    ]  # fmt: skip


def run_handoff(path: Path, config: Path, *options: str, secret: str | None = SECRET):
    env = {**os.environ, "LEADFLOW_HANDOFF_SECRET": secret or ""}
    return subprocess.run(
        handoff_command(path, config, *options), env=env, capture_output=True, text=True
    )


def wait_until(condition, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_flaky_receiver_killed_once_gets_every_mql_once(
    warehouse, config, receiver_factory
) -> None:
    """30 % of requests fail (503 / 429), the receiver is killed and restarted once, the
    hand-off process is killed once: after a second run each MQL cycle was processed exactly
    once, with a valid signature; a third run sends nothing."""
    expected = expected_keys(warehouse)
    assert len(expected) > 100
    receiver = receiver_factory(0.3)
    env = {**os.environ, "LEADFLOW_HANDOFF_SECRET": SECRET}
    first = subprocess.Popen(
        handoff_command(warehouse, config, "--webhook-url", receiver.url),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    wait_until(lambda: len(receiver.accepted()) >= len(expected) // 4)
    receiver.kill()  # connection refused until it is back
    time.sleep(1.0)
    receiver.start()
    wait_until(lambda: len(receiver.accepted()) >= len(expected) // 2)
    first.send_signal(signal.SIGKILL)
    first.wait()
    partly = len(receiver.accepted())
    assert partly < len(expected), "the hand-off finished before it was killed"

    second = run_handoff(warehouse, config, "--webhook-url", receiver.url)
    assert second.returncode == 0, second.stdout + second.stderr
    accepted = receiver.accepted()
    items = [a["item"] for a in accepted]
    assert len(items) == len(expected)  # nothing processed twice
    assert {i["idempotency_key"] for i in items} == set(expected)
    assert sorted((i["lead_id"], i["cycle"]) for i in items) == sorted(expected.values())
    for item in items:
        assert all(item.get(k) not in (None, "") for k in REQUIRED), item
        assert (
            item["idempotency_key"] == [a["request_key"] for a in accepted if a["item"] is item][0]
        )
    statuses = [r["status"] for r in receiver.requests()]
    assert {503, 429} <= set(statuses)  # the failures happened and were retried
    assert 401 not in statuses  # every request was signed with the secret
    rows = query(
        warehouse,
        "select status, count(*), min(attempts), max(destination) from ops.handoffs group by 1",
    )
    assert [(s, n) for s, n, _, _ in rows] == [("delivered", len(expected))]
    assert "token" not in rows[0][3]  # the URL's query string is not stored

    requests_before = len(receiver.requests())
    third = run_handoff(warehouse, config, "--webhook-url", receiver.url)
    assert third.returncode == 0, third.stderr
    assert "handed off now: 0" in third.stdout
    assert len(receiver.requests()) == requests_before


def test_dead_letters_then_recovery(warehouse, config, receiver_factory) -> None:
    """A receiver that always fails: every lead dead-lettered with the last answer, exit 1;
    a wrong signature is refused at once (401, not retried); the next run delivers them."""
    since = "2026-10-15"
    wanted = query(warehouse, f"select count(*) from marts.mql_leads where mql_at >= '{since}'")
    assert wanted[0][0] >= 3
    down = receiver_factory(1.0, name="down")
    settings = yaml.safe_load((config / "handoff.yml").read_text(encoding="utf-8"))
    settings["webhook"].update(max_attempts=3, backoff_seconds=[0])
    (config / "handoff.yml").write_text(yaml.safe_dump(settings), encoding="utf-8")
    failed = run_handoff(warehouse, config, "--webhook-url", down.url, "--since", since)
    assert failed.returncode == 1, failed.stderr
    assert "DEAD leadflow-" in failed.stdout
    rows = query(warehouse, "select status, attempts, response_status from ops.handoffs")
    assert len(rows) == wanted[0][0]
    assert all(s == "dead" and a == 3 and code in (503, 429) for s, a, code in rows)
    assert len(down.requests()) == 3 * wanted[0][0]

    strict = receiver_factory(0.0, secret="another-secret", name="strict")
    refused = run_handoff(warehouse, config, "--webhook-url", strict.url, "--since", since)
    assert refused.returncode == 1
    assert {r["status"] for r in strict.requests()} == {401}
    assert len(strict.requests()) == wanted[0][0]  # a 4xx is final: one attempt each

    recovered = run_handoff(warehouse, config, "--webhook-url", strict.url, "--since", since,
                            secret="another-secret")  # fmt: skip
    assert recovered.returncode == 0, recovered.stdout + recovered.stderr
    assert len(strict.accepted()) == wanted[0][0]
    assert query(warehouse, "select distinct status from ops.handoffs") == [("delivered",)]


@pytest.mark.parametrize("crm", ["hubspot", "salesforce", "zoho"])
def test_crm_import_file(warehouse, config, tmp_path, crm) -> None:
    """One CSV in the CRM's import labels: an e-mail column, a row per MQL cycle handed
    off, the owner and the reason; the next run writes nothing new."""
    out = tmp_path / "out"
    url = duckdb_url(warehouse)
    summary = hand_off(warehouse_url=url, config=str(config), crm=crm, out=str(out))
    files = list(out.glob(f"leadflow-{crm}-leads-*.csv"))
    assert len(files) == 1 and summary.file == str(files[0])
    with files[0].open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == [label for label, _ in COLUMNS[crm]]
    owner = {"hubspot": "Contact owner", "salesforce": "Record Owner", "zoho": "Lead Owner"}[crm]
    reason = "MQL Reason" if crm == "hubspot" else "Description"
    emails = {e for (e,) in query(warehouse, "select email from marts.mql_leads")}
    assert sorted(r["Email"] for r in rows) == sorted(emails)
    assert all(r[owner] and r[reason] for r in rows)
    assert summary.handed_off == len(rows) == summary.mqls
    again = hand_off(warehouse_url=url, config=str(config), crm=crm, out=str(out))
    assert again.handed_off == 0 and again.already_handed_off == len(rows)
    assert len(list(out.glob("*.csv"))) == 1


def test_forgotten_person_leaves_the_outbox(warehouse, config, tmp_path) -> None:
    url = duckdb_url(warehouse)
    hand_off(warehouse_url=url, config=str(config), crm="zoho", out=str(tmp_path / "out"))
    lead_id, email = query(warehouse, "select lead_id, email from marts.mql_leads limit 1")[0]
    engine = make_engine(Warehouse.from_env(url))
    erasure = erase_person(engine, email, "test")
    engine.dispose()
    assert erasure.deleted.get("ops.handoffs") == 1
    assert query(warehouse, f"select count(*) from ops.handoffs where lead_id = '{lead_id}'") == [
        (0,)
    ]


def test_routing_errors_name_the_field(tmp_path) -> None:
    folder = tmp_path / "config"
    shutil.copytree(ROOT / "config", folder)
    text = (folder / "handoff.yml").read_text(encoding="utf-8")
    (folder / "handoff.yml").write_text(text.replace("country_code: [GB", "contry_code: [GB"))
    with pytest.raises(ConfigurationError, match="did you mean 'country_code'"):
        load_handoff(folder)
    result = subprocess.run(
        [sys.executable, "-m", "flows.cli", "handoff", "--config", str(folder),
         "--warehouse-url", duckdb_url(tmp_path / "none.duckdb")],
        capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 2
    assert "handoff.yml" in result.stderr and "Traceback" not in result.stderr


def test_qualify_hands_off_and_keeps_the_owner(warehouse, config, tmp_path) -> None:
    """With `enabled: true` a run hands off after publishing; the next build shows when,
    and keeps the owner handed to even when the routing changes."""
    from flows.qualify import qualify

    url = duckdb_url(warehouse)
    settings = yaml.safe_load((config / "handoff.yml").read_text(encoding="utf-8"))
    settings.update(enabled=True, channel="salesforce", crm_out=str(tmp_path / "crm"))
    (config / "handoff.yml").write_text(yaml.safe_dump(settings), encoding="utf-8")
    empty = tmp_path / "landing"
    empty.mkdir()
    first = qualify(sources=str(empty), warehouse_url=url, config=str(config))
    assert first.handoff is not None and first.handoff["handed_off"] > 100
    owners = dict(query(warehouse, "select lead_id, owner from marts.mql_leads"))

    settings["routing"] = {"teams": {"all": ["Someone Else"]}, "default_team": "all"}
    (config / "handoff.yml").write_text(yaml.safe_dump(settings), encoding="utf-8")
    second = qualify(sources=str(empty), warehouse_url=url, config=str(config))
    assert second.handoff["handed_off"] == 0
    rows = query(warehouse, "select lead_id, owner, handed_off_at from marts.mql_leads")
    assert all(handed is not None for _, _, handed in rows)
    assert {lead: owner for lead, owner, _ in rows} == owners
    clocks = query(warehouse, "select distinct sla_clock from marts.sla_breaches")
    assert set(clocks) <= {("mql",), ("hand_off",)}


def test_the_handoff_flow_fails_while_dead_letters_remain(
    prefect_harness, warehouse, config, receiver_factory, monkeypatch
) -> None:
    """The Prefect flow of the scheduled deployment (flows.handoff.flow): a run that leaves
    dead letters fails, after recording them and its artifact; the next run delivers them."""
    from prefect.client.orchestration import get_client

    from flows.handoff.flow import DeadLetters, handoff

    since = "2026-10-15"
    [(wanted,)] = query(
        warehouse, f"select count(*) from marts.mql_leads where mql_at >= '{since}'"
    )
    settings = yaml.safe_load((config / "handoff.yml").read_text(encoding="utf-8"))
    settings["webhook"].update(max_attempts=2, backoff_seconds=[0])
    (config / "handoff.yml").write_text(yaml.safe_dump(settings), encoding="utf-8")
    monkeypatch.setenv("LEADFLOW_HANDOFF_SECRET", SECRET)
    url = duckdb_url(warehouse)
    down = receiver_factory(1.0, name="down")
    with pytest.raises(DeadLetters, match=f"{wanted} leads were not accepted"):
        handoff(warehouse_url=url, config=str(config), webhook_url=down.url, since=since)
    up = receiver_factory(0.0, name="up")
    summary = handoff(warehouse_url=url, config=str(config), webhook_url=up.url, since=since)
    assert summary["handed_off"] == wanted == len(up.accepted()) and summary["dead"] == 0

    async def artifact() -> str:
        async with get_client() as client:
            found = await client.read_latest_artifacts()
            return next(a.data for a in found if a.key == "handoff")

    assert f"| {wanted:,} | {wanted:,} | 0 | 0 |" in asyncio.run(artifact())


def test_secret_from_a_prefect_secret_block(prefect_harness, monkeypatch) -> None:
    """Without LEADFLOW_HANDOFF_SECRET the signing secret comes from the Prefect Secret block
    named by LEADFLOW_HANDOFF_SECRET_BLOCK; a missing block is a configuration error."""
    from prefect.blocks.system import Secret

    from flows.handoff.config import SECRET_BLOCK_ENV, SECRET_ENV, HandoffConfig

    Secret(value="from-the-block").save("leadflow-handoff-test", overwrite=True)
    monkeypatch.delenv(SECRET_ENV, raising=False)
    monkeypatch.setenv(SECRET_BLOCK_ENV, "leadflow-handoff-test")
    assert HandoffConfig().secret() == b"from-the-block"
    monkeypatch.setenv(SECRET_ENV, "from-the-environment")
    assert HandoffConfig().secret() == b"from-the-environment"
    monkeypatch.delenv(SECRET_ENV)
    monkeypatch.setenv(SECRET_BLOCK_ENV, "no-such-block")
    with pytest.raises(ConfigurationError, match="no-such-block"):
        HandoffConfig().secret()


# A business whose contacts carry attributes of every type; one text message each makes
# every lead an MQL, so each meets the routing rules.
ROUTED_CONTACTS = """\
Email,Created,Industry,Consent,Occupation,Visits,Customer,Trial Start
ana@acme.io,2026-03-02 09:00,Software,yes,Student,3,no,2026-03-01
bob@bolt.io,2026-03-02 10:00,Software,yes,Working Professional,12,no,2026-03-01
cy@crane.io,2026-03-03 09:00,Software,yes,Working Professional,2,yes,2026-03-01
dee@dune.io,2026-03-03 11:00,Software,yes,Working Professional,1,no,2026-01-15
eve@elm.io,2026-03-04 11:00,Software,yes,Self-employed,,no,
"""
ROUTED_PROFILES = {
    "crm_leads": {
        "name": "crm_leads", "entity": "contacts", "source_type": "crm",
        "match": ["crm/leads*.csv"], "format": "csv",
        "columns": {"email": "Email", "captured_at": "Created", "industry": "Industry",
                    "consent": "Consent"},
        "attributes": {
            "occupation": "Occupation",
            "visits": {"column": "Visits", "type": "number"},
            "customer": {"column": "Customer", "type": "boolean"},
            "trial_start": {"column": "Trial Start", "type": "date"},
        },
    },
    "crm_activity": {
        "name": "crm_activity", "entity": "events", "source_type": "crm",
        "match": ["crm/activity*.csv"], "format": "csv",
        "columns": {"email": "Email", "occurred_at": "Activity Date", "event_type": "Activity"},
        "values": {"event_type": {"SMS Sent": "sms_sent"}},
    },
}  # fmt: skip
ROUTED_ICP = {"fit_threshold": 10, "criteria": [
    {"name": "industry", "field": "industry", "values": {"Software": 20}}]}  # fmt: skip
ROUTED_SCORING = {
    "window_days": 90, "mql_threshold": 40, "event_types": ["sms_sent"], "hand_raise": [],
    "consent": {"require_explicit": True},
    "rules": [{"name": "sms", "event_type": "sms_sent", "points": 50, "cap": 50}],
}  # fmt: skip
# Rules over attributes of each type; a lead goes to the first that matches.
ROUTED_RULES = """\
routing:
  rules:
    - name: students
      when: {occupation: [STUDENT, apprentice]}
      owner: Sam Student
    - name: frequent visitors
      when: {visits: {min: 10}}
      owner: Vera Visits
    - name: customers
      when: {customer: [true]}
      owner: Carl Customer
    - name: early trials
      when: {trial_start: {max: 2026-02-01}, visits: {max: 5}}
      owner: Tina Trial
  default_owner: Dora Default
"""


def routed_business(root: Path, rules: str = ROUTED_RULES) -> tuple[Path, Path, Path]:
    """Landing, mapping and configuration folders of the attribute-routed business."""
    landing, mappings, config = root / "landing", root / "mappings", root / "config"
    (landing / "crm").mkdir(parents=True)
    mappings.mkdir()
    (landing / "crm" / "leads_2026-03.csv").write_text(ROUTED_CONTACTS, encoding="utf-8")
    activity = "Email,Activity Date,Activity\n" + "".join(
        f"{line.split(',')[0]},2026-03-05 10:00,SMS Sent\n"
        for line in ROUTED_CONTACTS.splitlines()[1:]
    )
    (landing / "crm" / "activity_2026-03.csv").write_text(activity, encoding="utf-8")
    for name, profile in ROUTED_PROFILES.items():
        (mappings / f"{name}.yml").write_text(yaml.safe_dump(profile), encoding="utf-8")
    shutil.copytree(ROOT / "config", config)
    (config / "icp.yml").write_text(yaml.safe_dump(ROUTED_ICP), encoding="utf-8")
    (config / "scoring.yml").write_text(yaml.safe_dump(ROUTED_SCORING), encoding="utf-8")
    handoff = (config / "handoff.yml").read_text(encoding="utf-8")
    handoff = handoff[: handoff.index("\nrouting:")] + "\n" + rules
    (config / "handoff.yml").write_text(handoff, encoding="utf-8")
    return landing, mappings, config


@pytest.mark.integration
def test_routing_by_attributes_of_every_type(tmp_path) -> None:
    """Rules over a text, a number, a boolean and a date attribute route the MQLs of a
    real `leadflow run`; `leadflow handoff` writes each to its owner."""
    landing, mappings, config = routed_business(tmp_path)
    warehouse = tmp_path / "w.duckdb"
    run = subprocess.run(
        [sys.executable, "-m", "flows.cli", "run", "--sources", str(landing), "--config",
         str(config), "--mappings", str(mappings), "--warehouse-url", duckdb_url(warehouse)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    routed = query(warehouse, "select email, routing_rule, owner from marts.mql_leads order by 1")
    assert routed == [
        ("ana@acme.io", "students", "Sam Student"),  # text, compared case-insensitively
        ("bob@bolt.io", "frequent visitors", "Vera Visits"),  # number >= 10
        ("cy@crane.io", "customers", "Carl Customer"),  # boolean yes
        ("dee@dune.io", "early trials", "Tina Trial"),  # date on or before 2026-02-01
        ("eve@elm.io", "default", "Dora Default"),  # no values: no rule holds
    ]
    out = tmp_path / "crm"
    handoff = subprocess.run(
        handoff_command(warehouse, config, "--mappings", str(mappings), "--crm", "zoho",
                        "--out", str(out)),
        capture_output=True, text=True,
    )  # fmt: skip
    assert handoff.returncode == 0, handoff.stderr[-3000:]
    [written] = out.glob("*.csv")
    with written.open(encoding="utf-8", newline="") as handle:
        owners = sorted((r["Email"], r["Lead Owner"]) for r in csv.DictReader(handle))
    assert owners == [(email, owner) for email, _, owner in routed]


def test_an_unknown_attribute_in_a_rule_is_refused(tmp_path) -> None:
    """A rule naming neither a lead field nor an attribute of the mapping profiles stops
    `leadflow handoff` and `leadflow run` with exit code 2, naming file, line and key."""
    rules = ROUTED_RULES.replace("{customer: [true]}", "{custmer: [true]}")
    _, mappings, config = routed_business(tmp_path, rules)
    line = 1 + config.joinpath("handoff.yml").read_text().splitlines().index(
        "      when: {custmer: [true]}"
    )
    with pytest.raises(ConfigurationError, match="did you mean 'customer'"):
        load_handoff(config, attribute_types(load_profiles(mappings)))
    for command in (
        handoff_command(tmp_path / "w.duckdb", config, "--mappings", str(mappings)),
        [sys.executable, "-m", "flows.cli", "run", "--config", str(config), "--mappings",
         str(mappings), "--warehouse-url", duckdb_url(tmp_path / "w.duckdb")],
    ):  # fmt: skip
        result = subprocess.run(command, capture_output=True, text=True)
        assert result.returncode == 2, result.stderr
        assert f"handoff.yml:{line}: routing.rules.2.when.custmer" in result.stderr
        assert "did you mean 'customer'" in result.stderr
        assert "Traceback" not in result.stderr
    # the attributes are known through their mapping profiles only: not the shipped ones
    _, _, shipped = routed_business(tmp_path / "shipped")
    result = subprocess.run(
        handoff_command(tmp_path / "w.duckdb", shipped), capture_output=True, text=True
    )
    assert result.returncode == 2, result.stderr
    assert "unknown field or attribute 'occupation'" in result.stderr

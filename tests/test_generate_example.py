"""Unit tests of the example business's generator (examples/online-education) and of how its
files match the example's mapping profiles."""

from __future__ import annotations

import csv
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
import yaml

from flows.generate import EXAMPLES, generate_example
from flows.generate.lead_crm import ACTIVITY_HEADER, LEADS_HEADER, OUTCOMES_HEADER
from flows.generate.online_education import ACTIVITIES, NAME

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / NAME


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def profile(name: str) -> dict:
    return yaml.safe_load((EXAMPLE / "mappings" / f"{name}.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("online-education")
    return out, generate_example(NAME, leads=3000, seed=5, out=out)


def test_registered_and_deterministic(landing: tuple[Path, dict], tmp_path: Path) -> None:
    assert NAME in EXAMPLES
    out, summary = landing
    again = generate_example(NAME, leads=3000, seed=5, out=tmp_path)
    assert again == summary
    for rel in summary["files"]:
        assert (tmp_path / rel).read_bytes() == (out / rel).read_bytes(), rel
    other = generate_example(NAME, leads=3000, seed=6, out=tmp_path / "other")
    csv_path = "crm/leads_export.csv"
    assert (tmp_path / "other" / csv_path).read_bytes() != (out / csv_path).read_bytes()
    assert other["people"] == 3000


def test_layout_headers_and_no_company_file(landing: tuple[Path, dict]) -> None:
    out, summary = landing
    files = summary["files"]
    assert not any(f.startswith("firmographics/") for f in files)
    assert sorted(f for f in files if f.startswith("activities/")) == [
        f"activities/activities_2026-{m:02d}.csv" for m in range(1, 11)
    ]
    for rel, header in [
        ("crm/leads_export.csv", LEADS_HEADER),
        ("activities/activities_2026-05.csv", ACTIVITY_HEADER),
        ("outcomes/lead_outcomes.csv", OUTCOMES_HEADER),
    ]:
        first = (out / rel).read_text(encoding="utf-8").splitlines()[0]
        assert first == ",".join(f'"{h}"' for h in header)
        assert len(read_csv(out / rel)) == files[rel]
    # About 1 % enquire twice: the lead export has a few more rows than people.
    assert 3000 < files["crm/leads_export.csv"] < 3000 * 1.03


def test_leads_are_consumers_with_attributes(landing: tuple[Path, dict]) -> None:
    out, _ = landing
    leads = read_csv(out / "crm/leads_export.csv")
    domains = Counter(r["Email"].rpartition("@")[2].lower() for r in leads if "@" in r["Email"])
    free = sum(n for d, n in domains.items() if d in {"gmail.com", "hotmail.com", "yahoo.com",
               "outlook.com", "icloud.com", "hotmail.es", "yahoo.es", "gmx.de", "web.de",
               "protonmail.com"})  # fmt: skip
    assert free > 0.8 * len(leads)
    with_industry = [r for r in leads if r["Industry"]]
    assert 0.1 * len(leads) < len(with_industry) < 0.4 * len(leads)
    assert all(r["Company Size"] == "" or r["Company Size"].isdigit() for r in leads)
    occupations = Counter(r["What is your current occupation"] for r in leads)
    assert {"Working Professional", "Student", "Unemployed", ""} <= set(occupations)
    assert "Select" in {r["Specialization"] for r in leads}
    numbers = [r["Total Time Spent on Website"] for r in leads]
    assert sum(n.isdigit() for n in numbers) >= len(leads) - 5
    # Every kind of broken row, on purpose.
    assert "n/a" in {r["TotalVisits"] for r in leads}
    assert "12 min" in numbers
    assert any(" at " in r["Email"] for r in leads)
    created = [r["Created On"] for r in leads]
    assert all(len(c) == 16 and c[2] == "/" and c[5] == "/" for c in created)


def test_activity_types_are_the_profiles_or_the_undeclared_one(landing: tuple[Path, dict]) -> None:
    out, summary = landing
    kinds: Counter[str] = Counter()
    for rel in summary["files"]:
        if rel.startswith("activities/"):
            kinds.update(r["Activity Type"] for r in read_csv(out / rel))
    mapped = profile("crm_activities")["values"]["event_type"]
    scoring = yaml.safe_load((EXAMPLE / "config" / "scoring.yml").read_text(encoding="utf-8"))
    assert set(kinds) == set(ACTIVITIES)
    assert set(kinds) - set(mapped) == {"View in browser link Clicked"}
    assert mapped["Lead Assigned"] is None  # the one dropped on purpose
    from flows.entities import EVENT_TYPES

    targets = {v for v in mapped.values() if v is not None}
    assert targets - set(EVENT_TYPES) == set(scoring["event_types"])
    assert kinds["Lead Assigned"] >= 3000  # one per lead record's person


def test_profiles_name_existing_columns(landing: tuple[Path, dict]) -> None:
    for name, header in [("crm_leads", LEADS_HEADER), ("crm_activities", ACTIVITY_HEADER)]:
        data = profile(name)
        columns = list(data["columns"].values())
        for spec in data.get("attributes", {}).values():
            columns.append(spec["column"] if isinstance(spec, dict) else spec)
        assert set(columns) <= set(header), name
    leads = profile("crm_leads")
    types = {
        n: (s["type"] if isinstance(s, dict) else "text") for n, s in leads["attributes"].items()
    }
    assert types["time_on_site_seconds"] == "number" and types["occupation"] == "text"


def test_propensity_follows_attributes_and_behaviour(landing: tuple[Path, dict]) -> None:
    out, _ = landing
    truth = str(out / "_truth/people.parquet")
    con = duckdb.connect()
    rate = dict(
        con.execute(f"select occupation, avg(converted::int) from '{truth}' group by 1").fetchall()
    )
    assert rate["Working Professional"] > 2 * rate["Student"]
    origin = dict(
        con.execute(f"select lead_origin, avg(converted::int) from '{truth}' group by 1").fetchall()
    )
    assert origin["Lead Add Form"] > origin["API"] + 0.3
    [(low, high)] = con.execute(
        f"select avg(converted::int) filter (where time_on_site_seconds < 300), "
        f"avg(converted::int) filter (where time_on_site_seconds >= 900) from '{truth}'"
    ).fetchall()
    assert high > low + 0.3
    [(base,)] = con.execute(f"select avg(converted::int) from '{truth}'").fetchall()
    assert 0.3 < base < 0.5


def test_outcomes_match_the_truth(landing: tuple[Path, dict]) -> None:
    out, _ = landing
    outcomes = read_csv(out / "outcomes/lead_outcomes.csv")
    truth = {r["email"]: r for r in pq.read_table(out / "_truth/people.parquet").to_pylist()}
    assert {r["Status"] for r in outcomes} == {"Won", "Lost"}
    for r in outcomes:
        t = truth[r["Email"]]
        assert (r["Status"] == "Won") == t["converted"] == (r["Converted"] == "1")
        assert r["Decision Date"] == t["decided_at"].strftime("%Y-%m-%d")
        assert (r["Amount"] != "") == (r["Status"] == "Won")
    undecided = [t for t in truth.values() if t["decided_at"] is None]
    assert undecided and len(outcomes) + len(undecided) == len(truth)


def test_cli_writes_an_example(tmp_path: Path) -> None:
    cli = [sys.executable, "-m", "flows.cli", "generate", "--leads", "40", "--seed", "2"]
    done = subprocess.run(
        [*cli, "--example", NAME, "--out", str(tmp_path / "x")], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "x" / "crm" / "leads_export.csv").is_file()
    wrong = subprocess.run(
        [*cli, "--example", "nope", "--out", str(tmp_path / "y")], capture_output=True, text=True
    )
    assert wrong.returncode == 2 and "online-education" in wrong.stderr
    assert "Traceback" not in wrong.stderr


@pytest.mark.slow
def test_100k_leads_in_reasonable_time(tmp_path: Path) -> None:
    started = time.perf_counter()
    summary = generate_example(NAME, leads=100_000, seed=1, out=tmp_path)
    elapsed = time.perf_counter() - started
    assert summary["files"]["crm/leads_export.csv"] > 100_000
    assert sum(summary["files"].values()) > 1_000_000
    assert elapsed < 120, elapsed

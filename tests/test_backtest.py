"""`leadflow backtest`: a replay into backtest_* schemas that reproduces marts with the
configuration in use, shows a candidate's tier changes, and never touches marts."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
import yaml

from flows.backtest import backtest, candidate_folder, format_result
from flows.lock import WarehouseBusy
from flows.settings import DBT_PROJECT_DIR, DEFAULT_CONFIG_DIR, ConfigurationError
from tests.conftest import duckdb_url, query
from tests.test_ops import LockHolder

MANIFEST = DBT_PROJECT_DIR / "target" / "manifest.json"


def marts_checksums(path: Path) -> dict[str, str]:
    """Per table of schema marts: a hash of its sorted rows (the whole content)."""
    tables = [
        t
        for (t,) in query(
            path,
            "select table_name from information_schema.tables where table_schema = 'marts' "
            "order by 1",
        )
    ]
    sums = {}
    for table in tables:
        rows = sorted(repr(r) for r in query(path, f"select * from marts.{table}"))
        sums[table] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
    return sums


def manifest_schemas() -> set[str]:
    """Schemas of the models in the dbt manifest the publish step reads."""
    if not MANIFEST.is_file():
        return set()
    nodes = json.loads(MANIFEST.read_text(encoding="utf-8"))["nodes"].values()
    return {n["schema"] for n in nodes if n["resource_type"] == "model"}


@pytest.fixture
def warehouse_copy(sample_run, tmp_path) -> Path:
    """A copy of the sample warehouse, so the shared one stays as the other tests expect."""
    _, source = sample_run
    path = tmp_path / "leadflow.duckdb"
    shutil.copyfile(source, path)
    return path


def test_candidate_folder_takes_a_folder_or_one_named_file(tmp_path):
    scoring = tmp_path / "scoring.yml"
    data = yaml.safe_load((DEFAULT_CONFIG_DIR / "scoring.yml").read_text(encoding="utf-8"))
    data["mql_threshold"] = 55
    scoring.write_text(yaml.safe_dump(data), encoding="utf-8")
    merged = candidate_folder(scoring, DEFAULT_CONFIG_DIR, tmp_path / "a")
    assert "mql_threshold: 55" in (merged / "scoring.yml").read_text(encoding="utf-8")
    assert (merged / "icp.yml").read_bytes() == (DEFAULT_CONFIG_DIR / "icp.yml").read_bytes()
    other = tmp_path / "thresholds.yml"
    other.write_text("mql_threshold: 1\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="thresholds.yml"):
        candidate_folder(other, DEFAULT_CONFIG_DIR, tmp_path / "b")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ConfigurationError, match="holds none"):
        candidate_folder(empty, DEFAULT_CONFIG_DIR, tmp_path / "c")


@pytest.mark.integration
def test_invalid_candidate_or_busy_warehouse_writes_nothing(warehouse_copy, tmp_path):
    before = marts_checksums(warehouse_copy)
    bad = tmp_path / "scoring.yml"
    data = yaml.safe_load((DEFAULT_CONFIG_DIR / "scoring.yml").read_text(encoding="utf-8"))
    data["rules"][0]["points"] = 500
    bad.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ConfigurationError, match=r"scoring.yml.*\n.*rules.0.points"):
        backtest(bad, duckdb_url(warehouse_copy))
    holder = LockHolder(duckdb_url(warehouse_copy))  # another process (the lock is re-entrant)
    try:
        with pytest.raises(WarehouseBusy):
            backtest(DEFAULT_CONFIG_DIR / "scoring.yml", duckdb_url(warehouse_copy))
    finally:
        holder.release()
    schemas = {
        s for (s,) in query(warehouse_copy, "select schema_name from information_schema.schemata")
    }
    assert not any(s.startswith("backtest") for s in schemas)
    assert marts_checksums(warehouse_copy) == before


@pytest.mark.integration
def test_replay_with_the_configuration_in_use_reproduces_marts(warehouse_copy):
    before = marts_checksums(warehouse_copy)
    result = backtest(DEFAULT_CONFIG_DIR, duckdb_url(warehouse_copy))
    assert result.tier_changes == 0
    for row in result.metrics:
        assert row["candidate_value"] == pytest.approx(row["current_value"]), row["metric"]
    assert result.metric("mqls")["current_value"] > 0
    # judged by outcomes too (the sample's closed opportunities are its outcomes)
    precision = result.metric("outcome_precision")["current_value"]
    base = result.metric("outcome_base_rate")["current_value"]
    assert 0 < base < precision <= 1
    assert result.metric("outcome_lift")["current_value"] == pytest.approx(precision / base)
    assert 0 < result.metric("outcome_recall")["current_value"] <= 1
    assert "judged by outcomes: every lead" in format_result(result)
    # marts byte for byte as before; the publish step's manifest is not replaced
    assert marts_checksums(warehouse_copy) == before
    assert not any(s.startswith("backtest") for s in manifest_schemas())
    schemas = {
        s for (s,) in query(warehouse_copy, "select schema_name from information_schema.schemata")
    }
    assert {"backtest", "backtest_audit", "backtest_intermediate", "backtest_staging"} <= schemas
    same = query(
        warehouse_copy,
        "select count(*) from marts.leads as m join backtest_audit.leads as b "
        "on m.lead_id = b.lead_id and m.tier = b.tier and m.mql_at is not distinct from b.mql_at",
    )
    assert same[0][0] == query(warehouse_copy, "select count(*) from marts.leads")[0][0]


@pytest.mark.integration
def test_a_higher_threshold_lists_tier_changes_and_leaves_marts(warehouse_copy, tmp_path):
    from flows.report import render_report

    before = marts_checksums(warehouse_copy)
    candidate = tmp_path / "scoring.yml"
    data = yaml.safe_load((DEFAULT_CONFIG_DIR / "scoring.yml").read_text(encoding="utf-8"))
    data["mql_threshold"] = 70
    data["hand_raise"] = []  # no fast track: only the score makes MQLs
    candidate.write_text(yaml.safe_dump(data), encoding="utf-8")
    result = backtest(candidate, duckdb_url(warehouse_copy))

    mqls = result.metric("mqls")
    assert mqls["candidate_value"] < mqls["current_value"]
    assert result.metric("mql_threshold")["candidate_value"] == 70
    assert result.tier_changes > 0
    changes = query(
        warehouse_copy,
        "select count(*), count(*) filter (where current_tier = candidate_tier) "
        "from backtest.tier_changes",
    )
    assert changes[0] == (result.tier_changes, 0)
    stored = dict(query(warehouse_copy, "select metric, candidate_value from backtest.comparison"))
    assert stored["mqls"] == mqls["candidate_value"]
    monthly = query(
        warehouse_copy, "select sum(current_mqls), sum(candidate_mqls) from backtest.mql_monthly"
    )
    assert monthly[0] == (mqls["current_value"], mqls["candidate_value"])
    assert marts_checksums(warehouse_copy) == before
    # by outcome, on a held-out period: fewer MQLs, each side judged on the same leads
    held_out = backtest(candidate, duckdb_url(warehouse_copy), since="2026-06-01")
    leads = held_out.metric("outcome_leads")
    assert 0 < leads["current_value"] == leads["candidate_value"]
    assert leads["current_value"] < result.metric("outcome_leads")["current_value"]
    assert (
        held_out.metric("outcome_mqls")["candidate_value"]
        < held_out.metric("outcome_mqls")["current_value"]
    )
    assert "leads captured from 2026-06-01" in format_result(held_out)

    # the funnel report shows the comparison
    page = render_report(duckdb_url(warehouse_copy), tmp_path / "funnel.html").read_text(
        encoding="utf-8"
    )
    assert "Backtest: a candidate configuration against the one in use" in page
    assert "MQL -&gt; SQL conversion (MQL precision)" in page


@pytest.mark.integration
def test_matching_the_volume_moves_the_fit_threshold_when_the_mql_threshold_cannot(
    warehouse_copy, tmp_path
):
    """A candidate whose fit threshold leaves too few profiled leads for any MQL threshold
    to reach the MQL volume in use: --match-mql-volume lowers its fit threshold as well."""
    before = marts_checksums(warehouse_copy)
    data = yaml.safe_load((DEFAULT_CONFIG_DIR / "icp.yml").read_text(encoding="utf-8"))
    data["fit_threshold"] = 80
    candidate = tmp_path / "icp.yml"
    candidate.write_text(yaml.safe_dump(data), encoding="utf-8")

    plain = backtest(candidate, duckdb_url(warehouse_copy))
    mqls = plain.metric("mqls")
    assert mqls["candidate_value"] < 0.8 * mqls["current_value"]  # far fewer at fit 80

    matched = backtest(candidate, duckdb_url(warehouse_copy), match_volume=True)
    fit = matched.metric("fit_threshold")
    assert (fit["current_value"], plain.candidate_fit_threshold) == (60, 80)
    assert fit["candidate_value"] < 80 and fit["candidate_value"] % 5 == 0
    mqls = matched.metric("mqls")
    assert abs(mqls["candidate_value"] - mqls["current_value"]) <= 0.1 * mqls["current_value"]
    stored = dict(query(warehouse_copy, "select metric, candidate_value from backtest.comparison"))
    assert stored["fit_threshold"] == fit["candidate_value"]
    assert marts_checksums(warehouse_copy) == before

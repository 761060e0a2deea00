"""Engagement scoring and the MQL tier on the sample data, end to end."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import duckdb
import pytest
import yaml

from flows.gate import run_gate
from flows.qualify import qualify
from flows.settings import DBT_PROJECT_DIR, DEFAULT_CONFIG_DIR, SAMPLE_SOURCES_DIR, Warehouse
from tests.conftest import duckdb_url, query

pytestmark = pytest.mark.integration

MARTS = {
    "leads": "lead_id",
    "mql_leads": "lead_id",
    "lead_score_daily": "lead_id, score_date",
    "lead_score_breakdown": "lead_id, rule_name",
}


def snapshot(path: Path) -> dict[str, list[tuple]]:
    return {t: query(path, f"select * from marts.{t} order by {k}") for t, k in MARTS.items()}


def test_sample_has_mqls_whose_breakdown_adds_up(sample_run):
    summary, path = sample_run
    [(mqls,)] = query(path, "select count(*) from marts.mql_leads")
    assert mqls > 200 and summary.tiers["mql"] < mqls  # most MQLs have moved on to sales
    reasons = dict(query(path, "select mql_reason, count(*) from marts.mql_leads group by 1"))
    assert set(reasons) == {"hand_raise", "score"}
    mismatched = query(
        path,
        "select l.lead_id, l.engagement_score, coalesce(sum(b.points), 0) from marts.leads l "
        "left join marts.lead_score_breakdown b on l.lead_id = b.lead_id "
        "group by l.lead_id, l.engagement_score having l.engagement_score <> coalesce(sum(b.points), 0)",
    )
    assert mismatched == []
    for score, breakdown in query(
        path,
        "select engagement_score, engagement_breakdown from marts.mql_leads where engagement_score <> 0",
    ):
        parts = [int(p.split(" ", 1)[0]) for p in breakdown.split("; ")]
        assert sum(parts) == score


def test_every_mql_is_profiled_consenting_and_timed_after_capture(sample_run):
    _, path = sample_run
    assert query(
        path,
        "select count(*) from marts.mql_leads m join marts.leads l using (lead_id) "
        "where l.profiled_at is null or m.mql_at < l.profiled_at or m.mql_at < l.name_at "
        "or not l.can_contact or (m.mql_reason = 'score' and m.score_at_mql < m.mql_threshold)",
    ) == [(0,)]
    blocked = query(
        path,
        "select mql_blocked_reason, count(*) from marts.leads where mql_blocked_reason is not null group by 1",
    )
    assert blocked, "the sample has leads that meet the MQL criteria but may not be contacted"
    # every lead that is not an MQL says why (a lead sales rejected before its MQL included)
    assert query(
        path, "select count(*) from marts.leads where mql_at is null and mql_blocked_reason is null"
    ) == [(0,)]
    [(rejected,)] = query(
        path,
        "select count(*) from marts.leads "
        "where mql_blocked_reason like 'rejected by sales before an MQL: %'",
    )
    assert rejected > 0
    # a profiled lead's tier reason says what it lacks for MQL: the score and the threshold
    reasons = [
        r for (r,) in query(path, "select tier_reason from marts.leads where tier = 'profiled'")
    ]
    assert all("; not an MQL: " in r for r in reasons)
    assert any(re.search(r"not an MQL: engagement score -?\d+ of 40 needed, and no hand-raise$", r)
               for r in reasons)  # fmt: skip
    assert query(
        path, "select count(*) from marts.leads where unsubscribed_at is not null and tier = 'mql'"
    ) == [(0,)]


def test_events_of_unknown_people_are_kept_and_repeats_counted_once(sample_run):
    _, path = sample_run
    loaded = query(path, "select count(*) from raw.events")[0][0]
    repeats = query(
        path,
        "select coalesce(sum(n - 1), 0) from (select count(*) as n from raw.events "
        "where event_id is not null group by _mapping, trim(event_id)) where n > 1",
    )[0][0]
    assert repeats > 0, "the sample repeats some events (double submits, re-sent page views)"
    assert query(path, "select count(*) from intermediate.int_events_scored") == [
        (loaded - repeats,)
    ]
    unknown = query(
        path,
        "select count(*) from intermediate.int_lead_rule_points_daily p "
        "where not exists (select 1 from marts.leads l where l.lead_id = p.lead_id)",
    )[0][0]
    assert unknown > 0


def test_anonymous_activity_is_stitched_to_the_lead(sample_run):
    _, path = sample_run
    stitched = query(
        path,
        "select count(*), sum(stitched_events) from intermediate.int_lead_rule_points_daily "
        "where stitched_events > 0",
    )[0]
    assert stitched[0] > 0 and stitched[1] > 0
    # Some MQLs owe part of their score to activity from before they identified themselves.
    assert (
        query(
            path,
            "select count(distinct p.lead_id) from intermediate.int_lead_rule_points_daily p "
            "join marts.mql_leads m using (lead_id) join intermediate.int_visitors_identified v "
            "on v.email = p.email where p.stitched_events > 0 and p.first_occurred_at < v.identified_at",
        )[0][0]
        > 0
    )


def test_incremental_runs_equal_a_full_build_and_mql_at_is_stable(sample_run, tmp_path):
    _, full_path = sample_run
    landing = tmp_path / "landing"
    shutil.copytree(SAMPLE_SOURCES_DIR, landing)
    later = tmp_path / "later"
    held = []
    for file in sorted(landing.rglob("*")):
        if file.is_file() and "2026-10" in file.name and not file.parts[-2].startswith("_"):
            target = later / file.relative_to(landing)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(file, target)
            held.append(target)
    assert held, "the sample has files for the last month"
    path = tmp_path / "wh.duckdb"
    first = qualify(sources=str(landing), warehouse_url=duckdb_url(path))
    shutil.copytree(later, landing, dirs_exist_ok=True)
    second = qualify(sources=str(landing), warehouse_url=duckdb_url(path))
    assert {
        f["status"]
        for f in second.files
        if f["source_file"] in {str(p.relative_to(later)) for p in held}
    } == {"loaded"}
    events_in_first = query(
        path,
        "select count(*) from raw.events where _batch_id = ?".replace("?", f"'{first.batch_id}'"),
    )[0][0]
    assert 0 < events_in_first < query(path, "select count(*) from raw.events")[0][0]
    assert snapshot(path) == snapshot(full_path)
    # A full refresh from the same raw data gives the same history and mql_at values.
    qualify(sources=str(landing), warehouse_url=duckdb_url(path), full_refresh=True)
    assert snapshot(path) == snapshot(full_path)


def test_an_event_a_changed_file_edits_is_rescored_as_a_full_build_would(tmp_path):
    """A re-exported e-mail file turns an open into a click (same event id): the next run
    loads the new version, and its scores equal a full rebuild's, not the old version's."""
    landing = tmp_path / "landing"
    shutil.copytree(SAMPLE_SOURCES_DIR, landing)
    path = tmp_path / "wh.duckdb"
    qualify(sources=str(landing), warehouse_url=duckdb_url(path))
    export = sorted((landing / "email").glob("*.csv"))[-1]
    lines = export.read_text(encoding="utf-8").splitlines(keepends=True)
    row = next(i for i, line in enumerate(lines) if ",open," in line and "@" in line)
    event_id = lines[row].split(",", 1)[0]
    lines[row] = lines[row].replace(",open,", ",click,", 1)
    export.write_text("".join(lines), encoding="utf-8")
    scored = (
        "select e.event_type from intermediate.int_events_scored e join raw.events r "
        "on r.event_id = '" + event_id + "' and r._superseded_at is null "
        "and e.dedupe_key = r._mapping || '#' || r.event_id"
    )
    assert query(path, scored) == [("email_open",)]
    qualify(sources=str(landing), warehouse_url=duckdb_url(path))
    assert query(path, scored) == [("email_click",)]
    incremental = snapshot(path)
    qualify(sources=str(landing), warehouse_url=duckdb_url(path), full_refresh=True)
    assert snapshot(path) == incremental


def models_built(kind: str = "model") -> set[str]:
    """The models (or unit tests) the last dbt command ran (dbt's run_results.json)."""
    results = json.loads((DBT_PROJECT_DIR / "target" / "run_results.json").read_text())
    return {
        r["unique_id"].split(".")[-1]
        for r in results["results"]
        if r["unique_id"].startswith(f"{kind}.")
    }


def test_new_events_alone_rebuild_only_what_events_feed(tmp_path):
    """A run whose only new rows are events builds the models the events feed; the contacts'
    models keep their tables, and the marts equal a full rebuild's."""
    landing = tmp_path / "landing"
    shutil.copytree(SAMPLE_SOURCES_DIR, landing)
    held = landing / "email" / "email_engagement_2026-10.csv"
    shutil.move(held, tmp_path / held.name)
    path = tmp_path / "wh.duckdb"
    assert qualify(sources=str(landing), warehouse_url=duckdb_url(path)).build_selection is None
    assert {"int_leads_resolved", "int_leads_profiled"} <= models_built()
    assert "scoring_rules_match_conditions_in_order" in models_built("unit_test")
    shutil.move(tmp_path / held.name, held)
    second = qualify(sources=str(landing), warehouse_url=duckdb_url(path))
    assert second.build_selection == ["source:raw.events+", "source:ops+"]
    built = models_built()
    assert {"int_leads_resolved", "int_leads_profiled", "int_lead_criteria"}.isdisjoint(built)
    assert {"int_events_scored", "int_lead_scores_daily", "leads", "mql_leads"} <= built
    assert models_built("unit_test") == set()  # the models' logic is the published build's
    incremental = snapshot(path)
    full = qualify(sources=str(landing), warehouse_url=duckdb_url(path), full_refresh=True)
    assert full.build_selection is None
    assert snapshot(path) == incremental


def test_raising_the_threshold_makes_fewer_score_mqls(sample_run, tmp_path):
    _, source = sample_run
    path = tmp_path / "wh.duckdb"
    shutil.copy(source, path)
    config = tmp_path / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, config)
    scoring = yaml.safe_load((config / "scoring.yml").read_text(encoding="utf-8"))
    before = dict(query(path, "select mql_reason, count(*) from marts.mql_leads group by 1"))
    scoring["mql_threshold"] += 30
    (config / "scoring.yml").write_text(yaml.safe_dump(scoring), encoding="utf-8")
    qualify(sources=str(SAMPLE_SOURCES_DIR), warehouse_url=duckdb_url(path), config=str(config))
    after = dict(query(path, "select mql_reason, count(*) from marts.mql_leads group by 1"))
    assert after.get("score", 0) < before["score"]
    assert sum(after.values()) < sum(before.values())
    scoring["mql_threshold"] -= 50  # 20 below the default
    (config / "scoring.yml").write_text(yaml.safe_dump(scoring), encoding="utf-8")
    qualify(sources=str(SAMPLE_SOURCES_DIR), warehouse_url=duckdb_url(path), config=str(config))
    looser = dict(query(path, "select mql_reason, count(*) from marts.mql_leads group by 1"))
    assert sum(looser.values()) > sum(before.values())


def test_mql_gate_passes_the_sample_and_blocks_a_broken_build(sample_run, tmp_path):
    _, source = sample_run
    path = tmp_path / "wh.duckdb"
    shutil.copy(source, path)
    warehouse = Warehouse.from_env(duckdb_url(path))
    assert run_gate(warehouse, "mql").success
    con = duckdb.connect(str(path))
    try:
        # an MQL without consent, a score MQL below the threshold, a breakdown that no
        # longer adds up
        con.execute(
            "update audit.leads set can_contact = false "
            "where lead_id = (select min(lead_id) from audit.mql_leads)"
        )
        con.execute(
            "update audit.mql_leads set score_at_mql = 1 "
            "where lead_id = (select max(lead_id) from audit.mql_leads where mql_reason = 'score')"
        )
        con.execute(
            "update audit.lead_score_breakdown set points = points + 1 "
            "where lead_id = (select max(lead_id) from audit.mql_leads where engagement_score > 0)"
        )
    finally:
        con.close()
    result = run_gate(warehouse, "mql")
    assert not result.success
    failed = {f.description: f.unexpected_count for f in result.failed}
    assert failed == {
        "every MQL is profiled (before its mql_at) and may be contacted": 1,
        "score-based MQLs reached the threshold": 1,
        "the score breakdown adds up to the engagement score": 1,
    }

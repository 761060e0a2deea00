"""The qualify flow end to end on the sample data: real Prefect, dbt, DuckDB and GX."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from flows.gate import GATES, GateFailed
from flows.qualify import qualify
from flows.settings import DEFAULT_CONFIG_DIR, SAMPLE_SOURCES_DIR
from tests.conftest import duckdb_url, query

pytestmark = pytest.mark.integration

RAW_TABLES = ("contacts", "companies", "quarantine", "load_ledger")


def raw_counts(path: Path) -> dict[str, int]:
    return {t: query(path, f"select count(*) from raw.{t}")[0][0] for t in RAW_TABLES}


def copy_warehouse(source: Path, tmp_path: Path) -> Path:
    target = tmp_path / "copy.duckdb"
    shutil.copy(source, target)
    return target


def test_sample_run_publishes_every_tier(sample_run):
    summary, path = sample_run
    assert summary.tiers == {
        "disqualified": 564, "mql": 6, "name": 996, "profiled": 550, "sal": 59, "sql": 32,
        "nurture": 273,
    }  # fmt: skip
    assert dict(query(path, "select tier, count(*) from marts.leads group by 1")) == summary.tiers
    totals = summary.totals()
    # 68 files; forms and webinar exports load twice (contacts and events), the discovery
    # answers and decisions once each
    assert len({f["source_file"] for f in summary.files}) == 68
    assert totals["files_loaded"] == 81
    assert (
        totals["rows_loaded"]
        == query(
            path,
            "select (select count(*) from raw.contacts) + (select count(*) from raw.companies) "
            "+ (select count(*) from raw.events) + (select count(*) from raw.sales_decisions) "
            "+ (select count(*) from raw.qualification_answers) "
            "+ (select count(*) from raw.opportunities) + (select count(*) from raw.outcomes)",
        )[0][0]
    )
    assert all(g["success"] for g in summary.gates)
    assert set(summary.published) == {
        "leads", "lead_source_records", "lead_attributes", "mql_leads", "lead_score_daily", "lead_score_breakdown",
        "lead_stage_transitions", "stage_skips", "sla_breaches", "sql_opportunities",
        "funnel_tier_entries", "funnel_conversion", "funnel_stage_durations", "funnel_velocity",
        "funnel_win_rates", "funnel_bottlenecks", "funnel_win_probabilities",
        "funnel_open_pipeline", "funnel_forecast", "funnel_forecast_revenue",
        "funnel_sla_compliance", "lead_outcomes",
    }  # fmt: skip


def test_sample_disqualifies_with_reasons_from_the_closed_list(sample_run):
    _, path = sample_run
    reasons = dict(
        query(
            path,
            "select disqualification_reason, count(*) from marts.leads "
            "where tier = 'disqualified' and sales_rep is null group by 1",
        )
    )
    # the ICP's exclusions; sales' rejections add their own reasons from the same list
    assert set(reasons) == {"competitor", "student_or_personal", "out_of_territory"}
    by_sales = dict(
        query(
            path,
            "select disqualification_reason, count(*) from marts.leads "
            "where tier in ('disqualified', 'nurture') and sales_rep is not null group by 1",
        )
    )
    assert {"bad_timing", "no_budget", "duplicate"} <= set(by_sales)
    assert query(
        path,
        "select count(*) from marts.leads where email like '%@pipelinepro.io' "
        "and disqualification_reason <> 'competitor'",
    ) == [(0,)]


def test_quarantine_keeps_each_bad_row_with_reason_and_original(sample_run):
    summary, path = sample_run
    rows = query(
        path, "select reason, field, _source_file, _source_row, original_row from raw.quarantine"
    )
    assert len(rows) == summary.totals()["rows_quarantined"] > 0
    assert {r[0] for r in rows} == {
        "malformed email", "missing email", "unparseable captured_at", "missing captured_at",
        "missing occurred_at", "unparseable occurred_at", "missing email or visitor_id",
        "non-numeric duration_seconds", "missing email or account_website", "non-numeric amount",
        "missing reason (required when decision is rejected)", "non-numeric timeline_months",
        "unknown answer (allowed: yes, no, unknown)", "unknown decision (allowed: accepted, rejected)",
        "unknown stage (allowed: proposal, negotiation, closed_won, closed_lost)",
        "unparseable answered_at", "unparseable decided_at", "unparseable expected_close_date",
    }  # fmt: skip
    assert all(r[2] and r[3] >= 1 and r[4] for r in rows)
    # The trade show exports 31/02 dates: kept, with the value that failed.
    assert (
        query(
            path,
            "select count(*) from raw.quarantine where reason = 'unparseable captured_at' "
            "and value like '3_/02/2026%'",
        )[0][0]
        > 0
    )


def test_identity_resolution_merges_variants_and_keeps_accents(sample_run):
    _, path = sample_run
    [(lead_id, name, records, company, tier)] = query(
        path,
        "select lead_id, full_name, source_record_count, company_name, tier from marts.leads "
        "where email = 'jose.nunez@acme-logistics.es'",
    )
    # the showcase lead asked for a demo, sales accepted it, no opportunity followed
    assert name == "José Núñez" and records > 1 and tier == "nurture"
    lineage = query(
        path,
        f"select count(*), count(distinct source_file) from marts.lead_source_records "
        f"where lead_id = '{lead_id}'",
    )[0]
    assert lineage[0] == records and lineage[1] >= 2
    raw_variants = query(
        path,
        "select count(distinct email) from raw.contacts "
        "where lower(trim(email)) = 'jose.nunez@acme-logistics.es'",
    )[0][0]
    assert raw_variants > 1  # case and white-space variants in raw, one lead in marts
    assert query(path, "select count(*) from marts.leads where full_name like '%Müller%'")[0][0] > 0


def test_fit_reason_explains_the_score(sample_run):
    _, path = sample_run
    rows = query(
        path,
        "select fit_score, fit_reason, tier_reason, profiled_at >= name_at from marts.leads "
        "where tier = 'profiled' order by lead_id limit 50",
    )
    for score, fit_reason, tier_reason, ordered in rows:
        assert score >= 60 and ordered
        assert fit_reason.startswith(f"fit {score}/100: ")
        assert tier_reason.startswith(f"fit {score}/100 (threshold 60): ")


def test_second_run_adds_no_raw_rows_and_changes_nothing(sample_run, tmp_path):
    _, source = sample_run
    path = copy_warehouse(source, tmp_path)
    before = raw_counts(path)
    leads_before = query(path, "select * from marts.leads order by lead_id")
    summary = qualify(sources=str(SAMPLE_SOURCES_DIR), warehouse_url=duckdb_url(path))
    assert {f["status"] for f in summary.files} == {"skipped"}
    after = raw_counts(path)
    assert after == before
    assert query(path, "select * from marts.leads order by lead_id") == leads_before


def test_changing_the_icp_changes_the_tiers(sample_run, tmp_path):
    summary, source = sample_run
    path = copy_warehouse(source, tmp_path)
    config = tmp_path / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, config)
    icp = yaml.safe_load((config / "icp.yml").read_text(encoding="utf-8"))
    icp["fit_threshold"] = 80
    icp["exclusions"]["competitor"]["domains"] = []
    (config / "icp.yml").write_text(yaml.safe_dump(icp), encoding="utf-8")
    stricter = qualify(
        sources=str(SAMPLE_SOURCES_DIR), warehouse_url=duckdb_url(path), config=str(config)
    )
    assert 0 < stricter.tiers["profiled"] < summary.tiers["profiled"]
    assert query(
        path,
        "select count(*) from marts.leads "
        "where disqualification_reason = 'competitor' and sales_rep is null",
    ) == [(0,)]
    assert query(path, "select min(fit_score) from marts.leads where tier = 'profiled'")[0][0] >= 80


def test_bad_files_are_rejected_whole_while_others_load(sample_copy, tmp_path, prefect_harness):
    cards = sample_copy / "cards"
    header = "Name,Company,Title,Email,Phone,Country,Scanned\r\n"
    row = "Begoña Ibáñez,Peña Logística S.L.,Directora de Operaciones,bego@pena-logistica.es,,ES,03/15/2026 10:30\r\n"
    (cards / "business_cards_latin1.csv").write_bytes((header + row).encode("cp1252"))
    (sample_copy / "forms" / "web_form_submissions_broken.csv").write_text(
        "Submission ID,Submitted At,Form,First Name\n1,2026-03-01 10:00:00,Contact us,Ana\n",
        encoding="utf-8",
    )
    path = tmp_path / "wh.duckdb"
    summary = qualify(sources=str(sample_copy), warehouse_url=duckdb_url(path))
    by_file = {(f["source_file"], f["mapping"]): f for f in summary.files}
    broken = by_file["forms/web_form_submissions_broken.csv", "web_forms"]
    assert broken["status"] == "rejected"
    assert "forms/web_form_submissions_broken.csv" in broken["error"]
    assert "'Email'" in broken["error"]
    # The same export still gives its events (their rows lack an e-mail: quarantined).
    assert by_file["forms/web_form_submissions_broken.csv", "form_events"]["status"] == "loaded"
    assert by_file["cards/business_cards_latin1.csv", "business_cards"]["status"] == "loaded"
    assert sum(f["status"] == "loaded" for f in summary.files) == 83
    assert query(
        path,
        "select full_name, company_name from marts.leads where email = 'bego@pena-logistica.es'",
    ) == [("Begoña Ibáñez", "Peña Logística S.L.")]


def test_gate_blocks_a_corrupted_batch_and_marts_stay_as_they_were(sample_run, tmp_path):
    _, source = sample_run
    path = copy_warehouse(source, tmp_path)
    published = query(path, "select * from marts.leads order by lead_id")
    landing = tmp_path / "landing"
    shutil.copytree(SAMPLE_SOURCES_DIR, landing)
    # An export whose Country column holds phone numbers, for 3,000 new people.
    lines = [
        "Submission ID,Submitted At,Form,Page URL,First Name,Last Name,Email,Company,"
        "Job Title,Phone,Country,Company Website,Consent,utm_source,utm_medium,utm_campaign"
    ]
    for i in range(3000):
        lines.append(
            f"X{i},2026-10-30 10:00:00,Contact us,,Ana,Ruiz,ana.ruiz{i}@corrupt-export.es,"
            f"Corrupt SA,CEO,,+34 600 000 {i:03d},,Yes,,,"
        )
    (landing / "forms" / "web_form_submissions_2026-10-30.csv").write_text(
        "\n".join(lines) + "\n", encoding="utf-8"
    )
    with pytest.raises(GateFailed) as failure:
        qualify(sources=str(landing), warehouse_url=duckdb_url(path))
    message = str(failure.value)
    assert "gate 'profiled' on audit.leads: BLOCKED" in message
    assert "expect_column_values_to_not_be_null(country_code)" in message
    assert "3,000 unexpected" in message or "unexpected of" in message
    assert "marts are unchanged" in message
    # Published tables untouched; the blocked build kept in audit; the outcome recorded.
    assert query(path, "select * from marts.leads order by lead_id") == published
    assert query(
        path, "select count(*) from audit.leads where email like '%@corrupt-export.es'"
    ) == [(3000,)]
    assert query(
        path,
        "select success from ops.gate_results where gate = 'profiled' "
        "order by checked_at desc limit 1",
    ) == [(False,)]


def test_each_run_publishes_a_markdown_artifact(sample_run):
    from prefect.artifacts import Artifact

    summary, _ = sample_run
    artifact = Artifact.get("qualify-run")
    assert artifact is not None and artifact.type == "markdown"
    assert artifact.data.startswith("# qualify run ")
    assert "## Gates" in artifact.data and "| profiled | audit.leads |" in artifact.data


def test_each_run_builds_the_gx_data_docs_and_links_them(sample_run):
    from prefect.artifacts import Artifact

    summary, _ = sample_run
    index = Path(summary.data_docs.removeprefix("file://"))
    assert index.is_file() and summary.data_docs.endswith("/index.html")
    # one validation page per gate for this run, listed on the index
    pages = sorted(index.parent.glob(f"validations/*/{summary.batch_id}/**/*.html"))
    assert sorted(p.relative_to(index.parent).parts[1] for p in pages) == sorted(
        name for name, _ in GATES
    )
    assert summary.batch_id in index.read_text(encoding="utf-8")
    assert "Validation details: [GX Data Docs](file://" in Artifact.get("qualify-run").data

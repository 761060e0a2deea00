"""Runs on files that change: a mapping fixed after a bad load and `leadflow reload`, then
exports rewritten with more, edited and reordered rows; every run builds, passes dbt's tests
and publishes (real Prefect flow runs, dbt and DuckDB)."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest

from flows.cli import main
from flows.qualify import qualify
from flows.settings import MAPPINGS_DIR
from tests.conftest import duckdb_url, query

pytestmark = pytest.mark.integration

SAMPLE_TIERS = {
    "name": 996,
    "profiled": 550,
    "mql": 6,
    "sal": 59,
    "sql": 32,
    "nurture": 273,
    "disqualified": 564,
}
ANSWERS = "crm/discovery_answers_*.csv"


def rewrite(path: Path, change) -> None:
    """Rewrite a CSV export the way its tool would, its rows passed through ``change``."""
    text = path.read_bytes().decode("utf-8-sig")
    newline = "\r\n" if "\r\n" in text else "\n"
    header, *rows = list(csv.reader(io.StringIO(text, newline="")))
    out = io.StringIO()
    csv.writer(out, lineterminator=newline).writerows([header, *change(rows)])
    path.write_text(out.getvalue(), encoding="utf-8", newline="")


def test_a_fixed_mapping_reloaded_then_grown_files_publish_without_duplicates(
    sample_copy, tmp_path, prefect_harness, capsys
):
    path = tmp_path / "wh.duckdb"
    url = duckdb_url(path)
    mappings = tmp_path / "mappings"
    shutil.copytree(MAPPINGS_DIR, mappings)
    profile = mappings / "discovery_answers.yml"
    fixed = profile.read_text(encoding="utf-8")
    profile.write_text(fixed.replace("    Not sure: unknown\n", ""), encoding="utf-8")

    # 1. a bad mapping: every "Not sure" answer is quarantined
    qualify(sources=str(sample_copy), warehouse_url=url, mappings=str(mappings))
    unsure = "select count(*) from raw.quarantine where value = 'Not sure'"
    [(quarantined,)] = query(path, unsure)
    assert quarantined > 0
    kept = (
        "select (select count(*) from raw.qualification_answers), (select count(*) from "
        "raw.quarantine where _mapping = 'discovery_answers')"
    )
    [(answers, rejected)] = query(path, kept)

    # 2. fixed, then reloaded: the answers' files are replaced, nothing else is touched
    profile.write_text(fixed, encoding="utf-8")
    before = query(path, "select count(*) from raw.events")
    code = main(
        ["reload", ANSWERS, "--sources", str(sample_copy), "--warehouse-url", url]
        + ["--mappings", str(mappings), "--quiet"]
    )
    assert code == 0
    assert "reload: 10 files read again, their earlier rows replaced" in capsys.readouterr().out
    assert query(path, unsure) == [(0,)]
    # every row once: what left the quarantine is loaded now
    [(answers_now, rejected_now)] = query(path, kept)
    assert answers_now - answers == rejected - rejected_now > 0
    assert query(path, "select count(*) from raw.events") == before
    assert dict(query(path, "select tier, count(*) from marts.leads group by 1")) == SAMPLE_TIERS
    ledger = query(
        path,
        "select status, count(*) from raw.load_ledger where mapping = 'discovery_answers' "
        "group by 1 order by 1",
    )
    assert ledger == [("loaded", 10), ("reprocessed", 10)]

    # 3. the exports are rewritten: grown, edited and reordered
    answers = sample_copy / "crm/discovery_answers_2026-10.csv"
    decisions = sample_copy / "crm/lead_decisions_2026-10.csv"
    forms = sample_copy / "forms/web_form_submissions_2026-10.csv"
    emails = sample_copy / "email/email_engagement_2026-10.csv"
    rewrite(answers, lambda rows: [*rows, [rows[-1][0] + "-2", *rows[-1][1:]]])
    rewrite(forms, lambda rows: [*rows, [rows[0][0] + "-2", *rows[0][1:]]])
    rewrite(emails, lambda rows: list(reversed(rows)))
    rewrite(decisions, lambda rows: [[*rows[0][:-1], rows[0][-1] + " (edited)"], *rows[1:]])
    raw_before = {
        t: query(path, f"select count(*) from raw.{t}")[0][0]
        for t in ("contacts", "events", "qualification_answers", "sales_decisions")
    }
    grown = qualify(sources=str(sample_copy), warehouse_url=url, mappings=str(mappings))
    by_file = {(f["source_file"], f["mapping"]): f for f in grown.files}
    assert by_file["crm/discovery_answers_2026-10.csv", "discovery_answers"]["rows_loaded"] == 1
    assert by_file["forms/web_form_submissions_2026-10.csv", "web_forms"]["rows_loaded"] == 1
    assert by_file["forms/web_form_submissions_2026-10.csv", "form_events"]["rows_loaded"] == 1
    reordered = by_file["email/email_engagement_2026-10.csv", "email_engagement"]
    assert reordered["rows_loaded"] == 0 and reordered["rows_unchanged"] > 0
    assert by_file["crm/lead_decisions_2026-10.csv", "sales_decisions"]["rows_loaded"] == 1
    raw_after = {t: query(path, f"select count(*) from raw.{t}")[0][0] for t in raw_before}
    assert {t: raw_after[t] - raw_before[t] for t in raw_before} == {
        "contacts": 1,
        "events": 1,
        "qualification_answers": 1,
        "sales_decisions": 1,
    }
    # the edited decision counts once, in its new version
    assert query(
        path,
        "select count(*), count(distinct decision_record_id), "
        "count(*) filter (where notes like '% (edited)') "
        "from staging.stg_raw__sales_decisions",
    ) == [(raw_after["sales_decisions"] - 1, raw_after["sales_decisions"] - 1, 1)]
    assert sum(grown.tiers.values()) == sum(SAMPLE_TIERS.values())
    assert all(g["success"] for g in grown.gates) and grown.published


def test_reload_needs_files_or_a_date_and_names_a_path_outside_the_landing(
    sample_copy, tmp_path, capsys
):
    url = duckdb_url(tmp_path / "wh.duckdb")
    assert main(["reload", "--warehouse-url", url]) == 2
    assert "name the files (PATH...) or --since DATE" in capsys.readouterr().err
    code = main(
        ["reload", "crm/nothing_*.csv", "--sources", str(sample_copy)] + ["--warehouse-url", url]
    )
    assert code == 2
    assert "reload crm/nothing_*.csv: no landing file with a mapping profile there" in (
        capsys.readouterr().err
    )

"""Backfill: re-process the files holding records dated in a window, with no duplicate and
no lost row, and say what changed."""

from __future__ import annotations

import pytest

from flows.cli import main
from flows.qualify import qualify
from tests.conftest import duckdb_url, query

pytestmark = pytest.mark.integration

COUNTED = ("contacts", "companies", "events", "sales_decisions", "opportunities", "quarantine")


def raw_counts(path) -> dict[str, int]:
    return {t: query(path, f"select count(*) from raw.{t}")[0][0] for t in COUNTED}


def test_backfill_reloads_the_window_once_and_keeps_files_gone_from_the_landing(
    sample_copy, tmp_path, prefect_harness
):
    path = tmp_path / "wh.duckdb"
    first = qualify(sources=str(sample_copy), warehouse_url=duckdb_url(path))
    before = raw_counts(path)
    leads_before = query(path, "select lead_id, tier, tier_changed_at from marts.leads order by 1")
    # a file of the window that is no longer in the landing folder keeps its rows
    gone = "forms/web_form_submissions_2026-03.csv"
    gone_rows = rows_of(path, gone)
    assert gone_rows > 0
    (sample_copy / gone).unlink()

    again = qualify(
        sources=str(sample_copy),
        warehouse_url=duckdb_url(path),
        backfill_since="2026-03-01",
        backfill_until="2026-04-01",
    )
    assert "email/email_engagement_2026-03.csv" in again.reprocessed
    assert "web/site_activity_2026-03.jsonl" in again.reprocessed
    assert "email/email_engagement_2026-07.csv" not in again.reprocessed
    assert gone not in again.reprocessed
    reloaded = {f["source_file"] for f in again.files if f["status"] == "loaded"}
    assert reloaded == set(again.reprocessed)
    # the same rows, once each; the same leads and tiers; nothing changed
    assert raw_counts(path) == before
    # the ledger keeps both loads: the first marked reprocessed
    ledger = dict(query(path, "select status, count(*) from raw.load_ledger group by 1"))
    assert ledger["loaded"] == first.totals()["files_loaded"]
    assert ledger["reprocessed"] == again.totals()["files_loaded"]
    assert (
        query(path, "select lead_id, tier, tier_changed_at from marts.leads order by 1")
        == leads_before
    )
    assert again.tier_changes() == {}
    assert rows_of(path, gone) == gone_rows


def rows_of(path, source_file: str) -> int:
    """Rows loaded from one landing file (contacts and events)."""
    return query(
        path,
        "select (select count(*) from raw.contacts where _source_file = ?) "
        "+ (select count(*) from raw.events where _source_file = ?)".replace(
            "?", f"'{source_file}'"
        ),
    )[0][0]


def test_backfill_window_errors_exit_2(tmp_path, capsys):
    code = main(
        [
            "backfill",
            "--since",
            "2026-04-01",
            "--until",
            "2026-03-01",
            "--warehouse-url",
            duckdb_url(tmp_path / "w.duckdb"),
        ]
    )
    assert code == 2
    assert "--since 2026-04-01 is not before --until 2026-03-01" in capsys.readouterr().err

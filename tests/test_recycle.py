"""The daily nurture recycle list on the sample warehouse (real Prefect flow, DuckDB)."""

from __future__ import annotations

import shutil

import pytest

from flows.recycle import RECYCLE_TABLE, recycle_nurture
from flows.settings import ConfigurationError
from tests.conftest import duckdb_url, query

pytestmark = pytest.mark.integration

DUE = (
    "select lead_id from marts.leads where tier = 'nurture' and can_contact and cycle < 4 "
    "and recycle_after <= timestamp '{day} 23:59:59' order by lead_id"
)


def test_the_list_holds_the_contactable_nurture_leads_whose_date_has_come(sample_run, tmp_path):
    _, source = sample_run
    path = tmp_path / "wh.duckdb"
    shutil.copy(source, path)
    url = duckdb_url(path)

    early = recycle_nurture(warehouse_url=url, as_of="2026-08-31")
    early_ids = query(path, f"select lead_id from marts.{RECYCLE_TABLE} order by lead_id")
    assert early_ids == query(path, DUE.format(day="2026-08-31")) and early.due == len(early_ids)

    later = recycle_nurture(warehouse_url=url, as_of="2026-10-31")
    ids = query(path, f"select lead_id from marts.{RECYCLE_TABLE} order by lead_id")
    assert ids == query(path, DUE.format(day="2026-10-31"))  # replaced, not appended
    assert set(early_ids) < set(ids) and later.due == len(ids) == sum(later.by_reason.values())
    assert all(r.startswith(("rejected by sales: ", "stalled: ")) for r in later.by_reason)
    # leads in nurture that may not be contacted are never listed
    assert query(
        path,
        f"select count(*) from marts.{RECYCLE_TABLE} r join marts.leads l using (lead_id) "
        "where not l.can_contact or l.tier <> 'nurture'",
    ) == [(0,)]


def test_without_published_leads_the_list_says_to_run_first(tmp_path, prefect_harness):
    with pytest.raises(ConfigurationError, match="marts.leads does not exist.*leadflow run"):
        recycle_nurture(warehouse_url=duckdb_url(tmp_path / "empty.duckdb"))

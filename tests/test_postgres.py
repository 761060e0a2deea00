"""The same pipeline on the PostgreSQL service: one URL switches ingestion, dbt and GX."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from flows.qualify import qualify
from flows.settings import SAMPLE_SOURCES_DIR
from tests.conftest import query

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


def test_sample_on_postgres_gives_the_same_tier_for_every_lead(sample_run, postgres_url):
    duck_summary, duck_path = sample_run
    summary = qualify(sources=str(SAMPLE_SOURCES_DIR), warehouse_url=postgres_url)
    assert summary.tiers == duck_summary.tiers
    assert summary.totals() == duck_summary.totals()
    assert all(g["success"] for g in summary.gates)
    columns = "lead_id, email, tier, fit_score, fit_reason, disqualification_reason"
    engine = sa.create_engine(postgres_url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as conn:
        on_postgres = [
            tuple(r)
            for r in conn.execute(sa.text(f"select {columns} from marts.leads order by lead_id"))
        ]
        quarantined = conn.execute(sa.text("select count(*) from raw.quarantine")).scalar_one()
    engine.dispose()
    assert on_postgres == query(duck_path, f"select {columns} from marts.leads order by lead_id")
    assert quarantined == summary.totals()["rows_quarantined"]
    # A second run loads nothing twice on PostgreSQL either.
    again = qualify(sources=str(SAMPLE_SOURCES_DIR), warehouse_url=postgres_url)
    assert {f["status"] for f in again.files} == {"skipped"}

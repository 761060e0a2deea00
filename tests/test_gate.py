"""The 'profiled' gate on real data: it passes the sample build and blocks broken builds,
naming each failed expectation with counts and sample values."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from flows import gx_duckdb
from flows.gate import GateFailed, load_context, run_gate
from flows.publish import publish, tier_counts
from flows.settings import ConfigurationError, Warehouse
from flows.warehouse import make_engine
from tests.conftest import duckdb_url, query

pytestmark = pytest.mark.integration


@pytest.fixture
def built(sample_run, tmp_path):
    """A private copy of the sample warehouse (audit and marts both populated)."""
    _, source = sample_run
    path = tmp_path / "wh.duckdb"
    shutil.copy(source, path)
    return Warehouse.from_env(duckdb_url(path))


def tamper(warehouse: Warehouse, *statements: str) -> None:
    con = duckdb.connect(str(warehouse.duckdb_path))
    try:
        for sql in statements:
            con.execute(sql)
    finally:
        con.close()


def test_gate_passes_the_sample_build(built):
    result = run_gate(built, "profiled")
    assert result.success, result.report()
    assert result.evaluated == 13 and result.failed == []


def test_gate_blocks_a_broken_build_and_says_why(built):
    tamper(
        built,
        # a duplicated lead, a score out of range, a profiled lead without firmographics,
        # a disqualified lead without a reason
        # (recreated without the contract's primary key, as an engine without one would be)
        "create or replace table audit.leads as select * from audit.leads union all "
        "select * from audit.leads where email = 'jose.nunez@acme-logistics.es'",
        "update audit.leads set fit_score = 150 where lead_id = (select min(lead_id) from audit.leads)",
        "update audit.leads set industry = null, employees = null, annual_revenue_usd = null "
        "where lead_id = (select min(lead_id) from audit.leads where tier = 'profiled')",
        "update audit.leads set disqualification_reason = null "
        "where lead_id = (select min(lead_id) from audit.leads where tier = 'disqualified')",
    )
    result = run_gate(built, "profiled")
    assert not result.success
    failed = {(f.expectation, f.column): f for f in result.failed}
    assert failed[("expect_column_values_to_be_unique", "lead_id")].unexpected_count == 2
    assert failed[("expect_column_values_to_be_unique", "email")].samples[0] == (
        "jose.nunez@acme-logistics.es"
    )
    out_of_range = failed[("expect_column_values_to_be_between", "fit_score")]
    assert out_of_range.unexpected_count == 1 and out_of_range.samples == [150]
    rules = {
        f.description: f for f in result.failed if f.expectation == "unexpected_rows_expectation"
    }
    assert (
        rules[
            "no profiled lead without a field or attribute config/icp.yml's "
            "required_firmographics names"
        ].unexpected_count
        == 1
    )
    assert (
        rules[
            "every disqualified lead has a reason, and only disqualified or nurtured leads have one"
        ].unexpected_count
        == 1
    )
    message = str(GateFailed([result]))
    assert "expect_column_values_to_be_between(fit_score)" in message
    assert "1 unexpected of" in message and "sample: [150]" in message


def test_publish_copies_all_tables_in_one_step(built):
    engine = make_engine(built)
    tamper(built, "delete from audit.leads where tier = 'name'")
    counts = publish(engine, ["leads", "lead_source_records"])
    assert counts["leads"] == query(built.duckdb_path, "select count(*) from audit.leads")[0][0]
    assert "name" not in tier_counts(engine)


def test_publish_is_all_or_nothing(built):
    engine = make_engine(built)
    before = query(built.duckdb_path, "select count(*) from marts.leads")
    tamper(built, "delete from audit.leads")
    with pytest.raises(Exception, match="no_such_table"):
        publish(engine, ["leads", "no_such_table"])
    assert query(built.duckdb_path, "select count(*) from marts.leads") == before


def test_a_missing_gx_project_is_an_error_not_an_empty_pass(tmp_path):
    with pytest.raises(ConfigurationError, match="GX project not found"):
        load_context(tmp_path)


def test_duckdb_fix_is_idempotent_and_releases_the_file(built):
    gx_duckdb.enable()
    gx_duckdb.enable()
    assert gx_duckdb.is_enabled()
    run_gate(built, "profiled")
    # After a gate the file is free for another connection in this process.
    con = duckdb.connect(str(built.duckdb_path))
    con.close()

"""Funnel metrics: hand-counted numbers on a tiny hand-made warehouse, and the metric marts
on the sample run."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from flows.config import dbt_variables
from flows.dbt import run_dbt
from flows.settings import DEFAULT_CONFIG_DIR, Warehouse
from tests.conftest import duckdb_url, query

pytestmark = pytest.mark.integration

FUNNEL_MARTS = (
    "funnel_conversion",
    "funnel_stage_durations",
    "funnel_bottlenecks",
    "funnel_win_probabilities",
    "funnel_open_pipeline",
    "funnel_forecast",
    "funnel_sla_compliance",
    "funnel_win_rates",
    "funnel_velocity",
)


@pytest.fixture
def tiny(tmp_path) -> Path:
    """A warehouse holding only the inputs of the conversion and forecast marts, by hand.

    - 4 leads enter mql in March 2026: m1 reaches sal 10 days later, m2 sql 30 days later
      (a skip, still a conversion), m3 sal after 100 days (outside the 90-day window), m4
      nothing: mql -> sal converts 2 of 4.
    - History for the forecast: 8 decided leads entered mql, 2 of them won (sql, closed
      won), 6 went to nurture: a 25 % chance. 100 leads are mql now: 25 expected closes.
    """
    path = tmp_path / "tiny.duckdb"
    con = duckdb.connect(str(path))
    try:
        for schema in ("audit", "intermediate", "staging"):
            con.execute(f"create schema {schema}")
        con.execute(
            "create table audit.funnel_tier_entries "
            "(lead_id varchar, tier varchar, tier_order integer, entered_at timestamp, "
            "cohort_month date)"
        )
        con.execute(
            "create table audit.leads (lead_id varchar, tier varchar, "
            "first_touch_source_type varchar, first_touch_campaign varchar)"
        )
        con.execute(
            "create table audit.sql_opportunities (opportunity_id varchar, lead_id varchar, "
            "stage varchar, is_won boolean, is_closed boolean)"
        )
        con.execute(
            "create table staging.stg_raw__opportunities (opportunity_id varchar, stage varchar)"
        )
        con.execute("create table intermediate.int_lead_cycles (as_of_at timestamp)")
        con.execute("insert into intermediate.int_lead_cycles values ('2026-10-01 00:00:00')")
        entries = [
            ("m1", "mql", 3, "2026-03-01"), ("m1", "sal", 4, "2026-03-11"),
            ("m2", "mql", 3, "2026-03-05"), ("m2", "sql", 5, "2026-04-04"),
            ("m3", "mql", 3, "2026-03-10"), ("m3", "sal", 4, "2026-06-18"),
            ("m4", "mql", 3, "2026-03-20"),
        ]  # fmt: skip
        # the March leads are all with sales now: not decided, not in the current mql count
        leads = [("m1", "sal"), ("m2", "sal"), ("m3", "sal"), ("m4", "sal")]
        for i in range(8):
            entries.append((f"h{i}", "mql", 3, "2026-01-15"))
            leads.append((f"h{i}", "sql" if i < 2 else "nurture"))
        for i in range(2):
            entries.append((f"h{i}", "won", 6, "2026-04-01"))
            con.execute(
                "insert into audit.sql_opportunities values (?, ?, 'closed_won', true, true)",
                [f"o{i}", f"h{i}"],
            )
        for i in range(100):
            leads.append((f"n{i}", "mql"))
        con.executemany(
            "insert into audit.funnel_tier_entries "
            "select ?, ?, ?, cast(? as timestamp), date_trunc('month', cast(? as date))",
            [(lead, tier, order, at, at) for lead, tier, order, at in entries],
        )
        con.executemany(
            "insert into audit.leads values (?, ?, 'form', null)", [list(row) for row in leads]
        )
    finally:
        con.close()
    run_dbt(
        [
            "run",
            "--select",
            "funnel_conversion funnel_win_probabilities funnel_open_pipeline funnel_forecast",
        ],
        Warehouse.from_env(duckdb_url(path)),
        dbt_variables(DEFAULT_CONFIG_DIR),
    )
    return path


def test_conversion_counts_reaching_a_later_tier_within_the_window(tiny):
    [(entered, converted, rate, mature)] = query(
        tiny,
        "select entered, converted, conversion_rate, is_mature from audit.funnel_conversion "
        "where from_tier = 'mql' and dimension = 'all' and cohort_month = date '2026-03-01'",
    )
    assert (entered, converted, rate, mature) == (4, 2, 0.5, True)
    [(all_time,)] = query(
        tiny,
        "select converted from audit.funnel_conversion "
        "where from_tier = 'mql' and dimension = 'source' and cohort_month is null",
    )
    assert all_time == 2 + 2  # the March cohort and the two January leads that won


def test_forecast_is_count_times_historical_win_probability(tiny):
    [(count, probability, expected, low, high)] = query(
        tiny,
        "select current_count, win_probability, expected_closes, expected_closes_low, "
        "expected_closes_high from audit.funnel_forecast where forecast_group = 'mql'",
    )
    assert (count, probability, expected) == (100, 0.25, 25.0)
    margin = 1.96 * (100 * 0.25 * 0.75) ** 0.5
    assert low == pytest.approx(25 - margin) and high == pytest.approx(25 + margin)


@pytest.fixture
def tiny_sales(tmp_path) -> Path:
    """Hand-made inputs of the duration, bottleneck, SLA, win-rate and velocity marts.

    - Histories: a: name 0 d -> profiled 2 d -> mql 6 d (stays: name 2, profiled 4);
      b: name 0 d -> profiled 10 d (stay: name 10). Name stays 2 and 10: median 6, mean 6.
    - Waiting now (latest fact 2026-10-01): c profiled since 2026-09-01 (30 days > p90 of
      4 days, active on 2026-09-25: a bottleneck), d profiled since 2026-09-30 (1 day: not),
      e profiled since 2026-06-01 but quiet since 2026-06-02 (cold, not stuck: not).
    - SLA: 3 MQLs in May, 1 breach -> 2 within the SLA, compliance 2/3.
    - Opportunities (EUR): w1 won 1000 and w2 won 3000, each 20 days from SQL to close;
      l1 lost; o1, o2 open. Win rate 2/3, average won 2000, velocity 2 x 2/3 x 2000 / 20.
      w1 and l1 reached negotiation, w2 only proposal.
    """
    path = tmp_path / "tiny_sales.duckdb"
    con = duckdb.connect(str(path))
    try:
        for schema in ("audit", "intermediate", "staging"):
            con.execute(f"create schema {schema}")
        con.execute(
            "create table audit.lead_stage_transitions (lead_id varchar, sequence_number integer, "
            "to_tier varchar, changed_at timestamp)"
        )
        con.executemany(
            "insert into audit.lead_stage_transitions values (?, ?, ?, cast(? as timestamp))",
            [
                ["a", 1, "name", "2026-03-01"], ["a", 2, "profiled", "2026-03-03"],
                ["a", 3, "mql", "2026-03-07"], ["b", 1, "name", "2026-03-01"],
                ["b", 2, "profiled", "2026-03-11"],
            ],
        )  # fmt: skip
        con.execute(
            "create table audit.leads (lead_id varchar, tier varchar, company_name varchar, "
            "tier_changed_at timestamp, last_activity_at timestamp)"
        )
        con.execute(
            "insert into audit.leads values ('c', 'profiled', 'Acme', '2026-09-01', '2026-09-25'), "
            "('d', 'profiled', 'Beta', '2026-09-30', '2026-09-30'), "
            "('e', 'profiled', 'Gamma', '2026-06-01', '2026-06-02')"
        )
        con.execute(
            "create table intermediate.int_lead_cycles "
            "(lead_id varchar, cycle integer, mql_at timestamp, as_of_at timestamp)"
        )
        con.execute(
            "insert into intermediate.int_lead_cycles values "
            "('x', 1, '2026-05-02', '2026-10-01'), ('y', 1, '2026-05-10', '2026-10-01'), "
            "('z', 2, '2026-05-20', '2026-10-01')"
        )
        con.execute("create table audit.sla_breaches (lead_id varchar, cycle integer)")
        con.execute("insert into audit.sla_breaches values ('z', 2)")
        con.execute(
            "create table audit.sql_opportunities (opportunity_id varchar, lead_id varchar, "
            "currency varchar, amount double, is_won boolean, is_closed boolean, "
            "source_type varchar, industry varchar, first_captured_at timestamp, "
            "sql_at timestamp, closed_at timestamp, days_capture_to_sql integer)"
        )
        con.executemany(
            "insert into audit.sql_opportunities values (?, 'a', 'EUR', ?, ?, ?, 'form', "
            "'software', '2026-01-01', '2026-03-01', cast(? as timestamp), 59)",
            [
                ["w1", 1000, True, True, "2026-03-21"], ["w2", 3000, True, True, "2026-03-21"],
                ["l1", 500, False, True, "2026-03-10"], ["o1", 700, False, False, None],
                ["o2", 900, False, False, None],
            ],
        )  # fmt: skip
        con.execute(
            "create table staging.stg_raw__opportunities (opportunity_id varchar, stage varchar)"
        )
        con.execute(
            "insert into staging.stg_raw__opportunities values ('w1', 'proposal'), "
            "('w1', 'negotiation'), ('w1', 'closed_won'), ('w2', 'proposal'), "
            "('l1', 'negotiation'), ('l1', 'closed_lost'), ('o1', 'proposal'), ('o2', 'proposal')"
        )
    finally:
        con.close()
    run_dbt(
        [
            "run",
            "--select",
            "funnel_stage_durations funnel_bottlenecks funnel_sla_compliance funnel_win_rates "
            "funnel_velocity funnel_tier_entries",
        ],
        Warehouse.from_env(duckdb_url(path)),
        dbt_variables(DEFAULT_CONFIG_DIR),
    )
    return path


def test_tier_entries_are_first_entries_and_the_first_win(tiny_sales):
    # a's histories (name, profiled, mql) and its two won opportunities (the first close)
    assert query(
        tiny_sales,
        "select tier, tier_order, entered_at, cohort_month from audit.funnel_tier_entries "
        "where lead_id = 'a' order by tier_order",
    ) == [
        ("name", 1, datetime(2026, 3, 1), date(2026, 3, 1)),
        ("profiled", 2, datetime(2026, 3, 3), date(2026, 3, 1)),
        ("mql", 3, datetime(2026, 3, 7), date(2026, 3, 1)),
        ("won", 6, datetime(2026, 3, 21), date(2026, 3, 1)),
    ]


def test_stage_durations_and_bottlenecks(tiny_sales):
    [(stays, median, mean)] = query(
        tiny_sales,
        "select stays, median_days, mean_days from audit.funnel_stage_durations "
        "where tier = 'name' and cohort_month is null",
    )
    assert (stays, median, mean) == (2, 6.0, 6.0)
    [(p90,)] = query(
        tiny_sales,
        "select p90_days from audit.funnel_stage_durations "
        "where tier = 'profiled' and cohort_month is null",
    )
    assert p90 == 4.0  # one completed stay of 4 days
    assert query(
        tiny_sales,
        "select lead_id, days_in_tier, threshold_days, oldest_rank from audit.funnel_bottlenecks",
    ) == [("c", 30.0, 4.0, 1)]


def test_sla_compliance_win_rates_and_velocity(tiny_sales):
    assert query(
        tiny_sales,
        "select month, mqls, contacted_within_sla, breaches from audit.funnel_sla_compliance",
    ) == [(date(2026, 5, 1), 3, 2, 1)]
    rates = {
        (d, v): (closed, won)
        for d, v, closed, won in query(
            tiny_sales, "select dimension, dimension_value, closed, won from audit.funnel_win_rates"
        )
    }
    assert rates[("all", "all")] == (3, 2)
    assert rates[("stage_reached", "negotiation")] == (2, 1)  # w1 won, l1 lost
    assert rates[("stage_reached", "proposal")] == (1, 1)  # w2 (o1, o2 are open)
    [(open_, win_rate, avg_won, cycle, velocity)] = query(
        tiny_sales,
        "select open_opportunities, win_rate, avg_won_amount, avg_sales_cycle_days, "
        "pipeline_velocity_per_day from audit.funnel_velocity where currency = 'EUR'",
    )
    assert (open_, avg_won, cycle) == (2, 2000.0, 20.0)
    assert win_rate == pytest.approx(2 / 3)
    assert velocity == pytest.approx(2 * (2 / 3) * 2000 / 20)


def test_semantic_models_and_metrics_parse(tmp_path):
    import json

    from flows.settings import DBT_PROJECT_DIR

    run_dbt(
        ["parse"],
        Warehouse.from_env(duckdb_url(tmp_path / "parse.duckdb")),
        dbt_variables(DEFAULT_CONFIG_DIR),
    )
    manifest = json.loads((DBT_PROJECT_DIR / "target" / "semantic_manifest.json").read_text())
    assert {m["name"] for m in manifest["semantic_models"]} == {"sql_opportunities", "tier_entries"}
    assert {"opportunity_win_rate", "pipeline_amount", "leads_entering_tier"} <= {
        m["name"] for m in manifest["metrics"]
    }


def test_the_sample_publishes_every_funnel_metric(sample_run):
    summary, path = sample_run
    assert set(FUNNEL_MARTS) <= set(summary.published)
    counts = {t: query(path, f"select count(*) from marts.{t}")[0][0] for t in FUNNEL_MARTS}
    assert all(n > 0 for n in counts.values()), counts
    steps = query(
        path,
        "select from_tier, to_tier, entered, converted from marts.funnel_conversion "
        "where dimension = 'all' and cohort_month is null order by step_order",
    )
    assert [(f, t) for f, t, _, _ in steps] == [
        ("name", "profiled"), ("profiled", "mql"), ("mql", "sal"), ("sal", "sql"), ("sql", "won"),
    ]  # fmt: skip
    assert all(0 < c <= e for _, _, e, c in steps)
    # each step's entries are the leads that reached that tier (any cycle)
    reached = dict(
        query(
            path,
            "select to_tier, count(distinct lead_id) from marts.lead_stage_transitions group by 1",
        )
    )
    assert {f: e for f, _, e, _ in steps if f != "sql"} == {
        t: reached[t] for t in ("name", "profiled", "mql", "sal")
    }
    [(sla_mqls, breaches)] = query(
        path, "select sum(mqls), sum(breaches) from marts.funnel_sla_compliance"
    )
    assert breaches == query(path, "select count(*) from marts.sla_breaches")[0][0]
    assert sla_mqls >= breaches

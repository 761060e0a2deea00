"""`leadflow calibrate`: points from coefficients, honest labels, files the loaders accept,
and a planted post-outcome feature that the cut-off keeps out (on a real warehouse)."""

from __future__ import annotations

import math
import shutil
from datetime import timedelta

import duckdb
import pandas as pd
import pytest
import yaml

from flows.calibrate import (
    CalibrationSettings,
    calibrate,
    fit_model,
    label,
    render_icp,
    render_scoring,
    snapshots,
    suggested_icp,
    suggested_scoring,
    to_points,
)
from flows.config import load_icp, load_scoring
from flows.settings import DEFAULT_CONFIG_DIR, ConfigurationError
from tests.conftest import duckdb_url

ICP = load_icp(DEFAULT_CONFIG_DIR)
SCORING = load_scoring(DEFAULT_CONFIG_DIR)


def _coefficients(industries: list[str]) -> dict[str, float]:
    coef = {"territory": 0.5}
    coef.update({f"industry={k}": 0.4 - 0.3 * i for i, k in enumerate(industries)})
    coef.update({f"employees={i}": 0.1 * i for i in range(len(ICP.company_size.employees))})
    coef.update({f"revenue={i}": -0.2 * i for i in range(len(ICP.company_size.annual_revenue_usd))})
    coef.update({f"persona={p.name}": 1.0 - 0.2 * i for i, p in enumerate(ICP.personas)})
    coef.update({f"rule={r.name}": 0.05 * (i - 6) for i, r in enumerate(SCORING.rules)})
    return coef


def test_points_scale_best_profile_to_100_and_never_below_zero():
    industries = ["software", "retail", "media"]
    points, scale = to_points(_coefficients(industries), ICP, industries)
    # territory 0.5 + best industry 0.4 + best size (revenue band 0, shifted up from the
    # lowest band: 0.6) + best persona (shifted: 0.8)
    assert scale == pytest.approx(100 / (0.5 + 0.4 + 0.6 + 0.8))
    best = (
        points["territory"]
        + points["industry=software"]
        + points["revenue=0"]
        + points["persona=executive"]
    )
    assert best == pytest.approx(100, abs=2)
    assert points["industry=media"] == 0  # worse than an unlisted industry: 0, not negative
    assert min(points[f"persona={p.name}"] for p in ICP.personas) == 0
    # engagement points on the same scale, signs kept
    assert points["rule=demo request"] == round(-0.3 * scale)
    assert points["rule=bounce"] > 0


def test_suggested_files_load_and_keep_rules_and_exclusions(tmp_path):
    industries = ["software", "retail"]
    points, _ = to_points(_coefficients(industries), ICP, industries)
    icp = suggested_icp(ICP, points, industries, {"software": "Software"})
    scoring = suggested_scoring(SCORING, points)
    (tmp_path / "icp.yml").write_text(render_icp(icp, ICP, "# test"), encoding="utf-8")
    (tmp_path / "scoring.yml").write_text(
        render_scoring(scoring, SCORING, "# test"), encoding="utf-8"
    )
    loaded_icp, loaded_scoring = load_icp(tmp_path), load_scoring(tmp_path)
    assert [r.name for r in loaded_scoring.rules] == [r.name for r in SCORING.rules]
    assert loaded_scoring.dbt_var()["rules"][0]["event_type"] == "demo_request"
    assert loaded_icp.exclusions == ICP.exclusions
    assert loaded_icp.industries["Software"] == points["industry=software"]
    assert loaded_icp.industries["Media"] == 0  # in use, too rare to learn from: 0
    # caps keep the number of events that count: pricing page 24/8 = 3 events
    pricing = next(r for r in loaded_scoring.rules if r.name == "pricing page")
    assert pricing.cap == pricing.points * 3
    # the value in use is written beside each learned value
    assert "# in use: 40" in (tmp_path / "scoring.yml").read_text(encoding="utf-8")


def test_a_short_data_span_gets_a_workable_horizon_and_says_so():
    long, notes = CalibrationSettings().for_span(400, has_outcomes=False)
    assert (long.feature_days, long.horizon_days, long.outcome) == (7, 60, "sql")
    assert not [n for n in notes if "span" in n]
    # every lead captured within 60 days: the default horizon would leave nothing to train on
    short, notes = CalibrationSettings().for_span(60, has_outcomes=True)
    assert short.horizon_days == 15 and short.feature_days == 1 and short.outcome == "outcome"
    assert short.step_days * (short.snapshots - 1) + short.feature_days <= 30
    assert any("span 60 days" in n for n in notes)
    # what the user sets is kept
    given, _ = CalibrationSettings(feature_days=2, horizon_days=9).for_span(60, True)
    assert (given.feature_days, given.horizon_days) == (2, 9)
    with pytest.raises(ConfigurationError, match="split date"):
        CalibrationSettings(split_at="last tuesday")


def test_engagement_points_keep_the_sign_in_use_unless_negatives_are_allowed():
    """A form submission that goes with fewer outcomes (people who fill forms to download
    and leave) gets 0 points, not negative ones; the unconstrained fit is kept to report."""
    import numpy as np

    rng = np.random.default_rng(7)
    n = 4000
    demo = rng.integers(0, 2, n).astype(float)
    form = rng.integers(0, 3, n).astype(float)
    logit = -1.5 + 1.8 * demo - 0.6 * form
    y = pd.Series((rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int))
    x = pd.DataFrame({"rule=demo request": demo, "rule=form submission": form})
    _, used, coef, free = fit_model(x, y, CalibrationSettings(), SCORING)
    assert free["rule=form submission"] < -0.2  # what the data says
    assert coef["rule=form submission"] == 0 and used == ["rule=demo request"]
    assert coef["rule=demo request"] > 1.0
    _, used, coef, _ = fit_model(x, y, CalibrationSettings(allow_negative=True), SCORING)
    assert coef["rule=form submission"] < -0.2 and len(used) == 2
    # a rule that takes points away in use (unsubscribe) is never given positive ones
    unsub = rng.integers(0, 2, n).astype(float)
    y2 = pd.Series((rng.random(n) < 1 / (1 + np.exp(-(-1 + 0.8 * unsub)))).astype(int))
    _, _, coef, free = fit_model(
        pd.DataFrame({"rule=unsubscribe": unsub}), y2, CalibrationSettings(), SCORING
    )
    assert free["rule=unsubscribe"] > 0 and coef["rule=unsubscribe"] == 0


def test_an_icp_without_revenue_bands_round_trips(tmp_path):
    """A valid ICP with no revenue bands gives a suggestion its own validation accepts."""
    data = ICP.model_dump()
    data["company_size"]["annual_revenue_usd"] = []
    icp = type(ICP).model_validate(data)
    industries = ["software"]
    coef = {k: v for k, v in _coefficients(industries).items() if not k.startswith("revenue=")}
    points, _ = to_points(coef, icp, industries)
    text = render_icp(suggested_icp(icp, points, industries, {}), icp, "# test")
    assert "annual_revenue_usd: []" in text
    (tmp_path / "icp.yml").write_text(text, encoding="utf-8")
    assert load_icp(tmp_path).company_size.annual_revenue_usd == []


def test_labels_only_count_outcomes_at_or_after_the_cutoff():
    t0 = pd.Timestamp("2026-01-10 15:00", tz="UTC")
    leads = pd.DataFrame(
        {
            "lead_id": ["early", "later", "never", "too_late"],
            "captured_at": [t0] * 4,
            "disqualification_reason": [None] * 4,
            "outcome_at": [
                t0 + timedelta(days=2),
                t0 + timedelta(days=20),
                pd.NaT,
                t0 + timedelta(days=200),
            ],
        }
    )
    settings = CalibrationSettings(feature_days=7, step_days=30, snapshots=2, horizon_days=60)
    rows = label(snapshots(leads, settings), settings, t0 + timedelta(days=365))
    by = {(r.lead_id, r.offset_days): r for r in rows.itertuples()}
    assert by[("early", 7)].decided and not by[("early", 7)].usable  # outcome before cut-off
    assert by[("later", 7)].label and by[("later", 7)].usable
    assert by[("later", 37)].decided  # the cut-off after the outcome is left out
    assert not by[("never", 7)].label and by[("never", 37)].usable
    assert not by[("too_late", 7)].label  # beyond the horizon: negative
    assert by[("early", 7)].cutoff_at == pd.Timestamp("2026-01-17", tz="UTC")
    # a horizon that has not ended is left out
    young = label(snapshots(leads, settings), settings, t0 + timedelta(days=40))
    assert not young["mature"].any()


def test_settings_are_checked():
    with pytest.raises(ConfigurationError, match="evaluation share"):
        CalibrationSettings(evaluation_share=0.95)
    with pytest.raises(ConfigurationError, match="outcome"):
        CalibrationSettings(outcome="mql")  # type: ignore[arg-type]


def test_calibrate_refuses_to_write_over_the_configuration_in_use(tmp_path):
    config = tmp_path / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, config)
    before = (config / "scoring.yml").read_bytes()
    with pytest.raises(ConfigurationError, match="configuration in use"):
        calibrate(duckdb_url(tmp_path / "none.duckdb"), config, out=config)
    assert (config / "scoring.yml").read_bytes() == before


PLANTED_RULES = [
    {
        "name": "customer portal",
        "event_type": "page_view",
        "url_contains": ["/portal"],
        "points": 1,
    },
    {"name": "early signal", "event_type": "page_view", "url_contains": ["/early"], "points": 1},
]


@pytest.mark.integration
def test_a_feature_dated_after_the_outcome_is_excluded(sample_run, tmp_path):
    """Plant, for every lead that reached SQL, a 'customer portal' visit the day after its
    SQL (known only after the outcome) and an 'early signal' visit on its capture day (known
    before). The early one is learned as a buying signal; the late one is never seen."""
    _, source = sample_run
    path = tmp_path / "leadflow.duckdb"
    shutil.copyfile(source, path)
    config = tmp_path / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, config)
    scoring = yaml.safe_load((config / "scoring.yml").read_text(encoding="utf-8"))
    scoring["rules"] += PLANTED_RULES
    (config / "scoring.yml").write_text(yaml.safe_dump(scoring), encoding="utf-8")

    con = duckdb.connect(str(path))
    try:
        planted = con.execute("""
            with sql_leads as (
                select e.lead_id, e.entered_at as sql_at, p.email, p.first_captured_at
                from marts.funnel_tier_entries as e
                join intermediate.int_leads_profiled as p on e.lead_id = p.lead_id
                where e.tier = 'sql'
            )
            insert into intermediate.int_lead_rule_points_daily
                (lead_id, email, rule_name, event_type, occurred_date, day_number, points,
                 events, stitched_events, first_occurred_at, last_occurred_at)
            select lead_id, email, rule_name, 'page_view', cast(planted_at as date),
                   date_diff('day', date '2000-01-01', cast(planted_at as date)), 1, 1, 0, planted_at, planted_at
            from (
                select lead_id, email, 'customer portal' as rule_name,
                       sql_at + interval 1 day as planted_at from sql_leads
                union all
                select lead_id, email, 'early signal', first_captured_at from sql_leads
            )
        """).fetchall()
    finally:
        con.close()
    assert planted[0][0] >= 30  # both rules for every SQL lead of the sample

    settings = CalibrationSettings(horizon_days=120, step_days=30, snapshots=6)
    result = calibrate(duckdb_url(path), config, tmp_path / "suggested", settings)

    # the post-outcome feature: no training cut-off sees it, so it learns nothing
    assert result.counts["rule=customer portal"] == 0
    assert result.coefficients["rule=customer portal"] == 0
    assert result.points["rule=customer portal"] == 0
    # the same planting dated before the cut-off is seen and learned as a buying signal:
    # the late one learns nothing because of its date, not because planting cannot work
    assert result.counts["rule=early signal"] > 0
    assert result.coefficients["rule=early signal"] > 0
    assert result.points["rule=early signal"] > 0
    # the suggestion was written and loads; the configuration in use is untouched
    assert load_scoring(tmp_path / "suggested").mql_threshold >= 1
    assert load_icp(tmp_path / "suggested").fit_threshold >= 0
    assert "customer portal" in (config / "scoring.yml").read_text(encoding="utf-8")
    report = (tmp_path / "suggested" / "calibration.md").read_text(encoding="utf-8")
    assert "Candidate MQL thresholds" in report and "AUC" in report
    assert not math.isnan(result.evaluation["auc_model"] or 0.0)


PROOF_LEADS, PROOF_SEED = 50_000, 7


@pytest.mark.slow
@pytest.mark.integration
def test_calibration_beats_the_configuration_in_use_on_data_with_a_known_answer(
    prefect_harness, tmp_path
):
    """On generated leads whose market drifted from the shipped ICP (flows/generate/b2b_saas.py:
    directors buy more than executives, retail and telecom more than financial services and
    healthcare), with an outbound team calling every lead so that every lead has an outcome:
    the calibrated configuration, backtested at the MQL volume in use, converts its MQLs to
    SQL at a clearly higher rate, and its MQLs have a higher hidden propensity to buy."""
    from flows.backtest import backtest
    from flows.generate import generate
    from flows.qualify import qualify

    landing, path = tmp_path / "landing", tmp_path / "leadflow.duckdb"
    url = duckdb_url(path)
    generate(leads=PROOF_LEADS, seed=PROOF_SEED, out=landing, follow_up=1.0)
    qualify(sources=str(landing), warehouse_url=url)
    calibration = calibrate(url, out=tmp_path / "suggested")
    result = backtest(tmp_path / "suggested", warehouse_url=url, match_volume=True)

    # the calibration found the drift
    icp = load_icp(tmp_path / "suggested")
    persona = {p.name: p.points for p in icp.personas}
    assert persona["director"] > persona["executive"]
    assert icp.industries["Retail"] > icp.industries["Financial Services"]
    assert (
        calibration.evaluation["auc_calibrated_points"]
        > calibration.evaluation["auc_points_in_use"]
    )
    # the same MQL volume (within 5 %) ...
    mqls = result.metric("mqls")
    assert abs(mqls["candidate_value"] - mqls["current_value"]) <= 0.05 * mqls["current_value"]
    # ... converting to SQL at a clearly higher rate
    precision = result.metric("mql_to_sql")
    assert precision["candidate_value"] >= 1.08 * precision["current_value"], precision
    # and the known answer agrees: the calibrated MQLs are likelier buyers
    con = duckdb.connect(str(path), read_only=True)
    try:
        propensity = dict(
            con.execute(f"""
                select side, avg(t.propensity)
                from (
                    select 'current' as side, email from marts.leads where mql_at is not null
                    union all
                    select 'candidate', email from backtest_audit.leads where mql_at is not null
                ) as m
                inner join read_parquet('{landing / "_truth" / "people.parquet"}') as t
                    on lower(m.email) = lower(t.email)
                group by side
            """).fetchall()
        )
    finally:
        con.close()
    assert propensity["candidate"] > propensity["current"] + 0.02, propensity


SHIPPED_CONFIGS = [
    (DEFAULT_CONFIG_DIR, None),
    *(
        (folder / "config", folder / "mappings")
        for folder in sorted((DEFAULT_CONFIG_DIR.parent / "examples").iterdir())
        if (folder / "config" / "icp.yml").is_file()
    ),
]


@pytest.mark.parametrize(
    ("config", "mappings"), SHIPPED_CONFIGS, ids=[str(c[0].parent.name) for c in SHIPPED_CONFIGS]
)
def test_a_suggestion_round_trips_for_every_shipped_configuration(config, mappings, tmp_path):
    """Whatever the fit says, the suggested files of every shipped configuration (the
    sample's and each example business's) load again with the same validation."""
    import numpy as np

    from flows.calibrate import mapping_attributes
    from flows.calibration_criteria import Criteria, level_points, propose_bands

    attributes = mapping_attributes(mappings)
    icp, scoring = load_icp(config, attributes), load_scoring(config, attributes)
    criteria = Criteria(icp, scoring, attributes)
    rng = np.random.default_rng(3)
    for rule in [*criteria.criteria, *criteria.attribute_rules]:  # numbers without bands
        kind = criteria.kinds[rule["field"]]
        if kind == "number" and not rule.get("bands") and not rule.get("values"):
            rule["bands"] = propose_bands(pd.Series(rng.integers(0, 3000, 200)))
    industries = [k.strip().lower() for k in icp.industries]
    names = ["territory"] if icp.territory is not None else []
    names += [f"industry={k}" for k in industries]
    names += [f"employees={i}" for i in range(len(icp.company_size.employees))]
    names += [f"revenue={i}" for i in range(len(icp.company_size.annual_revenue_usd))]
    names += [f"persona={p.name}" for p in icp.personas]
    names += [f"rule={r.name}" for r in scoring.rules]
    for prefix, rules in (
        ("criterion", criteria.criteria),
        ("attribute_rule", criteria.attribute_rules),
    ):
        names += [f"{prefix}:{r['name']}|{lvl}" for r in rules for lvl in level_points(r)]
    coefficients = dict(zip(names, rng.normal(0, 1, len(names)).tolist(), strict=True))
    points, _ = to_points(coefficients, icp, industries)
    new_icp = suggested_icp(icp, points, industries, {}, criteria)
    new_scoring = suggested_scoring(scoring, points, criteria)
    (tmp_path / "icp.yml").write_text(render_icp(new_icp, icp, "# test"), encoding="utf-8")
    (tmp_path / "scoring.yml").write_text(
        render_scoring(new_scoring, scoring, "# test"), encoding="utf-8"
    )
    loaded_icp = load_icp(tmp_path, attributes)
    loaded_scoring = load_scoring(tmp_path, attributes)
    assert [c.name for c in loaded_icp.criteria] == [c.name for c in icp.criteria]
    assert [r.name for r in loaded_scoring.attribute_rules] == [
        r.name for r in scoring.attribute_rules
    ]
    assert loaded_scoring.event_types == scoring.event_types
    assert loaded_icp.exclusions == icp.exclusions
    for rule in loaded_scoring.attribute_rules:  # engagement points stay non-negative
        assert min([rule.default, rule.missing, *rule.values.values()]) >= 0

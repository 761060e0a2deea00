"""Calibration from the outcomes a team has, on the second business (examples/
online-education): contacts with attributes, its own activities and a Won / Lost export,
configured only through the example's profiles and YAML. `leadflow calibrate` with its
default options learns from the outcomes over the attribute criteria and rules, and
`leadflow backtest` judges both configurations by outcome: at the MQL volume in use the
suggestion's held-out precision is higher (the generator's hidden propensity is what the
example's configuration under-weights, as examples/online-education/README.md documents)."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.generate import generate_example
from flows.generate.online_education import NAME
from tests.conftest import duckdb_url

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / NAME

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory: pytest.TempPathFactory, prefect_harness):
    """5,000 generated leads run with the example's configuration, then calibrated with
    the default options: (warehouse URL, calibration, suggestion folder)."""
    from flows.calibrate import calibrate
    from flows.qualify import qualify

    root = tmp_path_factory.mktemp("calibrate-outcomes")
    generate_example(NAME, leads=5000, seed=7, out=root / "landing")
    url = duckdb_url(root / "leadflow.duckdb")
    qualify(
        sources=str(root / "landing"),
        warehouse_url=url,
        config=str(EXAMPLE / "config"),
        mappings=str(EXAMPLE / "mappings"),
    )
    out = root / "suggested"
    result = calibrate(url, EXAMPLE / "config", out, mappings=EXAMPLE / "mappings")
    return url, result, out


def test_calibrate_learns_from_won_lost_with_its_defaults(calibrated) -> None:
    from flows.calibrate import mapping_attributes
    from flows.config import load_icp, load_scoring

    _, result, out = calibrated
    assert result.settings.outcome == "outcome"  # the outcomes export, chosen by itself
    ev = result.evaluation
    assert ev["training_outcomes"] > 300 and ev["evaluation_outcomes"] > 100
    report = (out / "calibration.md").read_text(encoding="utf-8")
    assert "## Settings" in report and f"split date: {ev['split_at'][:10]}" in report
    # the suggestion loads with the attributes of the example's profiles
    attributes = mapping_attributes(EXAMPLE / "mappings")
    icp, scoring = load_icp(out, attributes), load_scoring(out, attributes)
    occupation = next(c for c in icp.criteria if c.field == "occupation")
    # students rarely enrol (the configuration in use gives them 25 of 30 points)
    assert occupation.values["Student"] < occupation.values["Working Professional"] - 10
    # engagement points keep the sign in use
    in_use = {r.name: r.points for r in load_scoring(EXAMPLE / "config", attributes).rules}
    for rule in scoring.rules:
        assert rule.points * in_use[rule.name] >= 0, rule.name
    assert ev["auc_calibrated_points"] > ev["auc_points_in_use"]


def test_backtest_by_outcome_raises_held_out_precision_at_equal_volume(calibrated) -> None:
    from flows.backtest import backtest, format_result

    url, result, out = calibrated
    compared = backtest(
        out, url, EXAMPLE / "config", match_volume=True, mappings=EXAMPLE / "mappings"
    )
    # held out: the leads captured after the calibration's split date
    assert compared.since == result.evaluation["split_at"][:10]
    mqls = compared.metric("outcome_mqls")
    assert abs(mqls["candidate_value"] - mqls["current_value"]) <= 0.05 * mqls["current_value"]
    precision = compared.metric("outcome_precision")
    assert precision["candidate_value"] > precision["current_value"] + 0.02
    lift = compared.metric("outcome_lift")
    assert lift["candidate_value"] > lift["current_value"] > 1
    assert "MQL precision: won or converted within the horizon" in format_result(compared)


def test_the_report_shows_outcomes_and_the_suggested_points(calibrated, tmp_path) -> None:
    """The funnel report's outcome section: won per tier entered, the lift by decile of the
    points in use, precision and recall by MQL threshold, the suggestion beside the points
    in use."""
    import shutil

    from flows.report import render_report

    url, _, out = calibrated
    config = tmp_path / "config"
    shutil.copytree(EXAMPLE / "config", config)
    shutil.copytree(out, config / "suggested")
    page = render_report(url, tmp_path / "funnel.html", config=config).read_text(encoding="utf-8")
    for heading in (
        "Outcomes: who wins",
        "Won or converted per tier entered",
        "Lift by decile of the points in use",
        "Precision and recall by MQL threshold",
        "beside the ones in use",
    ):
        assert heading in page, heading
    assert "occupation = Student" in page and "30 (in use)" in page

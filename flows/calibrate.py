"""Calibration: learn the ICP and engagement points from outcomes, in the open.

``leadflow calibrate`` reads the warehouse (it writes nothing there) and fits a logistic
regression (scikit-learn) over the features the configuration already names:

- ICP attributes: in territory, industry, employee band (else revenue band), persona;
- engagement: per scoring rule, the events it matched, limited by the rule's cap (in events).

No leakage, honest evaluation:

- each lead has a cut-off: midnight UTC starting the day ``feature_days`` after its capture
  day. Features use only facts dated before it: events of earlier days, and ICP attributes
  whose first record came before it;
- the outcome is sales' own fact: the lead's first qualifying opportunity (amount > 0 and an
  expected close date, the sales side of an SQL), or its first won opportunity. Not the SQL
  tier: a lead that sales qualified before the configuration in use made it an MQL never
  enters that tier, so tier labels would teach the model the configuration in use;
- the outcome counts only when it happens at or after
  the cut-off and before ``horizon_days`` after capture; leads whose outcome came before the
  cut-off are left out (counted in the report), and so are leads whose horizon has not ended
  by the latest fact in the warehouse;
- training uses the older capture cohorts, evaluation the newer ones: the split time is the
  ``1 - evaluation_share`` quantile of capture times, training leads' horizons end before
  it, evaluation leads are captured after it.

The coefficients become points on the configuration's scale (one point is the same change of
log-odds in the ICP and in the engagement score; the best ICP profile scores 100). The fit and
MQL thresholds are chosen on the training cut-offs: the pair that gives as many MQLs as the
configuration in use with the largest share converting. The result is written as ``icp.yml`` and
``scoring.yml`` in a folder of its own (never the configuration in use), with a report
(``calibration.md`` and ``calibration.json``).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import sqlalchemy as sa
import yaml

from flows.calibration_criteria import Criteria, best_total, shift_to_zero
from flows.config import IcpConfig, ScoringConfig, load_icp, load_scoring
from flows.settings import ConfigurationError, Warehouse, config_dir
from flows.warehouse import make_engine, table_exists

PROFILE_TABLE = ("intermediate", "int_leads_profiled")
POINTS_TABLE = ("intermediate", "int_lead_rule_points_daily")
OPPORTUNITIES_TABLE = ("intermediate", "int_opportunities_attributed")
DECILES = 10
LEAD_OUTCOMES_TABLE = ("intermediate", "int_lead_outcomes")
OUTCOME_SHORT = {"sql": "a qualifying opportunity", "won": "a won opportunity", "outcome": "a win"}
OUTCOMES = {
    "sql": "a qualifying opportunity (amount > 0, expected close date), sales' side of an SQL",
    "won": "a won opportunity",
    "outcome": "won or converted, as the CRM recorded it (outcomes exports, closed opportunities)",
}


@dataclass(frozen=True)
class CalibrationSettings:
    """How leads are cut, labelled and split.

    ``feature_days`` and ``horizon_days`` left as None are chosen from the data (7 and 60
    when the warehouse spans enough time, shorter otherwise: see :meth:`for_span`);
    ``outcome`` ``auto`` labels by the outcomes exports when the warehouse has any (won or
    converted), else by qualifying opportunities; ``split_at`` (ISO date) fixes the date
    that separates training from evaluation cohorts."""

    feature_days: int | None = None
    step_days: int = 30
    snapshots: int = 6
    horizon_days: int | None = None
    outcome: Literal["auto", "outcome", "sql", "won"] = "auto"
    evaluation_share: float = 0.3
    min_leads_per_level: int = 20
    regularisation: float = 0.05
    split_at: str | None = None
    allow_negative: bool = False

    def __post_init__(self) -> None:
        feature_days = 0 if self.feature_days is None else self.feature_days
        if feature_days < 0 or self.step_days < 1 or self.snapshots < 1:
            raise ConfigurationError(
                f"calibration: need feature days >= 0 ({self.feature_days}), step days >= 1 "
                f"({self.step_days}) and at least one snapshot ({self.snapshots})"
            )
        if self.horizon_days is not None and self.horizon_days < 1:
            raise ConfigurationError(f"calibration: horizon days {self.horizon_days} < 1")
        if not 0.05 <= self.evaluation_share <= 0.8:
            raise ConfigurationError(
                f"calibration: evaluation share {self.evaluation_share} not within 0.05..0.8"
            )
        if self.outcome not in ("auto", "outcome", "sql", "won"):
            raise ConfigurationError(
                f"calibration: outcome {self.outcome!r} is not auto, outcome, sql or won"
            )
        if self.split_at is not None:
            try:
                datetime.fromisoformat(self.split_at)
            except ValueError:
                raise ConfigurationError(
                    f"calibration: split date {self.split_at!r} is not an ISO date (YYYY-MM-DD)"
                ) from None

    def for_span(
        self, span_days: float, has_outcomes: bool
    ) -> tuple[CalibrationSettings, list[str]]:
        """Concrete settings for data spanning ``span_days`` days, and notes saying what was
        chosen. The defaults (cut-off 7 days after capture, horizon 60 days) need about
        twice the horizon of history to train and evaluate; on a shorter span the horizon is
        a quarter of the span, the cut-off a tenth of the horizon and the cut-offs closer."""
        notes: list[str] = []
        changes: dict[str, Any] = {}
        outcome = self.outcome
        if outcome == "auto":
            outcome = "outcome" if has_outcomes else "sql"
            changes["outcome"] = outcome
            notes.append(
                "outcome: "
                + (
                    "won or converted, from the outcomes exports (and closed opportunities)"
                    if has_outcomes
                    else "a qualifying opportunity (no outcomes export loaded)"
                )
            )
        horizon, feature = self.horizon_days, self.feature_days
        short = span_days < 2 * (60 + 7)
        if horizon is None:
            horizon = 60 if not short else max(1, int(span_days // 4))
            changes["horizon_days"] = horizon
            if short:
                notes.append(
                    f"the data span {span_days:.0f} days, shorter than twice the default "
                    f"horizon (60 days) and cut-off (7): horizon set to {horizon} days"
                )
        if feature is None:
            feature = 7 if not short else max(0, min(7, horizon // 10))
            changes["feature_days"] = feature
            if short:
                notes.append(f"cut-off set to {feature} days after capture")
        if short and self.step_days * (self.snapshots - 1) + feature > span_days / 2:
            changes["step_days"] = max(1, int(horizon // 2))
            changes["snapshots"] = max(1, min(self.snapshots, 3))
            notes.append(f"{changes['snapshots']} cut-offs {changes['step_days']} days apart")
        return replace(self, **changes), notes

    def offsets(self) -> list[int]:
        """Days from the capture day to each cut-off."""
        return [self.feature_days + i * self.step_days for i in range(self.snapshots)]


@dataclass
class Calibration:
    """The fitted model, the suggested configuration and the evaluation."""

    settings: CalibrationSettings
    icp: dict[str, Any]
    scoring: dict[str, Any]
    coefficients: dict[str, float]
    points: dict[str, int]
    counts: dict[str, int]
    unconstrained: dict[str, float] = field(default_factory=dict)
    evaluation: dict[str, Any] = field(default_factory=dict)
    out: Path | None = None


# ---- reading the warehouse


def read_leads(
    conn: sa.Connection, settings: CalibrationSettings, criteria: Criteria | None = None
) -> pd.DataFrame:
    """One row per lead: capture time, ICP attributes with when each was first known, outcome."""
    # The outcome is sales' own fact, not a tier: a lead that sales qualified before the
    # configuration in use made it an MQL never enters the SQL tier, and labels taken from
    # the tiers would teach the model the configuration in use.
    opportunities = f"{OPPORTUNITIES_TABLE[0]}.{OPPORTUNITIES_TABLE[1]}"
    outcome = {
        "sql": f"min(created_at) as outcome_at from {opportunities} where is_qualifying",
        "won": f"min(closed_at) as outcome_at from {opportunities} where is_won",
        "outcome": "min(decided_at) as outcome_at from "
        f"{LEAD_OUTCOMES_TABLE[0]}.{LEAD_OUTCOMES_TABLE[1]} where is_positive",
    }[settings.outcome]
    sql = f"""
        select
            p.lead_id, p.first_captured_at as captured_at, p.disqualification_reason,
            p.industry_key, p.industry_as_exported, p.employees, p.annual_revenue_usd,
            p.lead_country_code as country_code, p.persona,
            coalesce(p.firmographics_known_at, p.first_captured_at) as firmographics_known_at,
            coalesce(p.job_title_known_at, p.first_captured_at) as persona_known_at,
            coalesce(p.country_known_at, p.firmographics_known_at, p.first_captured_at)
                as country_known_at,
            o.outcome_at{", " + criteria.select_list("p") if criteria else ""}
        from {PROFILE_TABLE[0]}.{PROFILE_TABLE[1]} as p
        left join (
            select lead_id, {outcome} and lead_id is not null
            group by lead_id
        ) as o
            on p.lead_id = o.lead_id
    """
    leads = pd.DataFrame(conn.execute(sa.text(sql)).mappings().all())
    for column in (
        "captured_at",
        "firmographics_known_at",
        "persona_known_at",
        "country_known_at",
        "outcome_at",
    ):
        leads[column] = pd.to_datetime(leads[column], utc=True)
    return leads


def snapshots(leads: pd.DataFrame, settings: CalibrationSettings) -> pd.DataFrame:
    """One row per lead and cut-off: midnight UTC, ``offset_days`` after the capture day."""
    offsets = pd.DataFrame({"offset_days": settings.offsets()})
    rows = leads.merge(offsets, how="cross")
    rows["cutoff_at"] = rows["captured_at"].dt.floor("D") + pd.to_timedelta(
        rows["offset_days"], unit="D"
    )
    return rows


def read_rule_counts(
    conn: sa.Connection, settings: CalibrationSettings, window_days: int
) -> pd.DataFrame:
    """Events per lead, cut-off and scoring rule, on the ``window_days`` days before the
    cut-off (the score's rolling window), wide: one column per rule."""
    offsets = " union all ".join(f"select {int(d)} as offset_days" for d in settings.offsets())
    window = int(window_days)
    sql = f"""
        with cutoffs as ({offsets}),
        leads as (
            select lead_id, cast(first_captured_at as date) as captured_date
            from {PROFILE_TABLE[0]}.{PROFILE_TABLE[1]}
        )
        select points.lead_id, cutoffs.offset_days, points.rule_name, sum(points.events) as events
        from {POINTS_TABLE[0]}.{POINTS_TABLE[1]} as points
        inner join leads
            on points.lead_id = leads.lead_id
        cross join cutoffs
        where
            points.rule_name is not null
            and points.occurred_date < leads.captured_date + cutoffs.offset_days
            and points.occurred_date >= leads.captured_date + cutoffs.offset_days - {window}
        group by points.lead_id, cutoffs.offset_days, points.rule_name
    """
    long = pd.DataFrame(conn.execute(sa.text(sql)).mappings().all())
    if long.empty:
        return pd.DataFrame(index=pd.MultiIndex.from_tuples([], names=["lead_id", "offset_days"]))
    long["events"] = long["events"].astype(float)
    return long.pivot_table(
        index=["lead_id", "offset_days"],
        columns="rule_name",
        values="events",
        aggfunc="sum",
        fill_value=0,
    )


def data_end(conn: sa.Connection) -> pd.Timestamp:
    """The latest fact in the warehouse: the end of every observation window."""
    profiles, points, opportunities = (
        ".".join(table) for table in (PROFILE_TABLE, POINTS_TABLE, OPPORTUNITIES_TABLE)
    )
    sql = (
        f"select max(first_captured_at) from {profiles} "
        f"union all select max(updated_at) from {opportunities} "
        f"union all select max(last_occurred_at) from {points}"
    )
    if _has_table(conn, LEAD_OUTCOMES_TABLE):
        sql += f" union all select max(decided_at) from {'.'.join(LEAD_OUTCOMES_TABLE)}"
    found = [pd.Timestamp(v) for v in conn.execute(sa.text(sql)).scalars() if v is not None]
    if not found:
        raise ConfigurationError("calibration: the warehouse holds no leads yet")
    return max(t.tz_localize(UTC) if t.tzinfo is None else t for t in found)


def data_start(conn: sa.Connection) -> pd.Timestamp | None:
    """The first capture in the warehouse."""
    value = conn.execute(
        sa.text(f"select min(first_captured_at) from {'.'.join(PROFILE_TABLE)}")
    ).scalar()
    if value is None:
        return None
    stamp = pd.Timestamp(value)
    return stamp.tz_localize(UTC) if stamp.tzinfo is None else stamp


def has_outcome_exports(conn: sa.Connection) -> bool:
    """Whether any outcomes export (not only closed opportunities) was loaded."""
    if not _has_table(conn, LEAD_OUTCOMES_TABLE):
        return False
    return bool(
        conn.execute(
            sa.text(
                f"select count(*) from {'.'.join(LEAD_OUTCOMES_TABLE)} "
                "where outcome_source = 'outcomes' and lead_id is not null"
            )
        ).scalar()
    )


def _has_table(conn: sa.Connection, table: tuple[str, str]) -> bool:
    return sa.inspect(conn).has_table(table[1], schema=table[0])


# ---- features


def _band_index(values: pd.Series, bands: list[Any]) -> pd.Series:
    """Index of the first inclusive band holding each value (-1: none or unknown)."""
    out = pd.Series(-1, index=values.index)
    for i, band in reversed(list(enumerate(bands))):
        inside = values.ge(band.min) & (values.le(band.max) if band.max is not None else True)
        out = out.mask(inside.fillna(False), i)
    return out


def known_attributes(
    leads: pd.DataFrame, icp: IcpConfig, criteria: Criteria | None = None
) -> pd.DataFrame:
    """ICP attributes as known at each lead's cut-off (unknown: missing), and the value of
    each field the criteria and attribute rules read (``field:<name>``)."""
    cut = leads["cutoff_at"]
    firmo = leads["firmographics_known_at"] < cut
    out = pd.DataFrame(index=leads.index)
    out["industry"] = leads["industry_key"].where(firmo)
    out["employees_band"] = _band_index(
        pd.to_numeric(leads["employees"].where(firmo)), icp.company_size.employees
    )
    out["revenue_band"] = _band_index(
        pd.to_numeric(leads["annual_revenue_usd"].where(firmo)),
        icp.company_size.annual_revenue_usd,
    )
    country = leads["country_code"].where(leads["country_known_at"] < cut)
    out["country_known"] = country.notna()
    countries = icp.territory.countries if icp.territory is not None else []
    out["in_territory"] = country.isin(countries)
    out["persona"] = leads["persona"].where(leads["persona_known_at"] < cut)
    out["size_known"] = (out["employees_band"] >= 0) | (out["revenue_band"] >= 0)
    if criteria:
        out = out.join(criteria.known_values(leads))
    return out


def rule_event_caps(scoring: ScoringConfig) -> dict[str, float]:
    """Per rule, how many events its cap lets count in a window (inf: no cap)."""
    caps = {}
    for rule in scoring.rules:
        if rule.cap is None or rule.points == 0:
            caps[rule.name] = math.inf
        else:
            caps[rule.name] = max(1.0, math.floor(rule.cap / rule.points))
    return caps


def design_matrix(
    attrs: pd.DataFrame,
    counts: pd.DataFrame,
    scoring: ScoringConfig,
    industries: list[str],
    icp: IcpConfig,
    criteria: Criteria | None = None,
) -> pd.DataFrame:
    """The model's inputs: one-hot ICP levels, capped rule counts and one-hot criteria and
    attribute-rule levels, one row per lead and cut-off."""
    x = pd.DataFrame(index=attrs.index)
    if icp.territory is not None:
        x["territory"] = attrs["in_territory"].astype(float)
    for key in industries:
        x[f"industry={key}"] = (attrs["industry"] == key).astype(float)
    emp_known = attrs["employees_band"] >= 0
    for i in range(len(icp.company_size.employees)):
        x[f"employees={i}"] = (attrs["employees_band"] == i).astype(float)
    for i in range(len(icp.company_size.annual_revenue_usd)):
        x[f"revenue={i}"] = (~emp_known & (attrs["revenue_band"] == i)).astype(float)
    for persona in icp.personas:
        x[f"persona={persona.name}"] = (attrs["persona"] == persona.name).astype(float)
    caps = rule_event_caps(scoring)
    for rule in scoring.rules:
        column = counts[rule.name] if rule.name in counts.columns else 0.0
        x[f"rule={rule.name}"] = np.minimum(column, caps[rule.name])
    if criteria:
        x = x.join(criteria.features(attrs))
    return x.fillna(0.0)


def fit_model(
    x: pd.DataFrame, y: pd.Series, settings: CalibrationSettings, scoring: ScoringConfig
) -> tuple[Any, list[str], dict[str, float], dict[str, float]]:
    """The logistic regression on ``x``: (model, columns it uses, coefficients, coefficients
    of the unconstrained fit).

    Engagement points keep the sign the configuration gives them unless
    ``settings.allow_negative``: a rule that adds points (a form, a chat, a click) never gets
    negative ones, a rule that takes points away (an unsubscribe) never positive ones. A rule
    whose coefficient comes out with the wrong sign is held at 0 and the rest refitted, until
    none is (an active-set fit; the ICP levels are shifted to start at 0 later, so they need
    no bound)."""
    sign = {f"rule={r.name}": (-1.0 if r.points < 0 else 1.0) for r in scoring.rules}
    from sklearn.linear_model import LogisticRegression

    def fit(columns: list[str]) -> tuple[Any, dict[str, float]]:
        found = dict.fromkeys(x.columns, 0.0)
        if not columns:  # every feature held at 0: the base rate alone
            from sklearn.dummy import DummyClassifier

            return DummyClassifier(strategy="prior").fit(model_inputs(x, []), y.to_numpy()), found
        model = LogisticRegression(C=settings.regularisation, max_iter=5000)
        model.fit(model_inputs(x, columns), y.to_numpy())
        found.update(zip(columns, model.coef_[0].tolist(), strict=True))
        return model, found

    columns = list(x.columns)
    model, unconstrained = fit(columns)
    coefficients = unconstrained
    while not settings.allow_negative:
        negative = [c for c in columns if c in sign and sign[c] * coefficients[c] < 0]
        if not negative:
            break
        columns = [c for c in columns if c not in negative]
        model, coefficients = fit(columns)
    return model, columns, coefficients, unconstrained


def model_inputs(x: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """The columns a fitted model uses, as an array (one zero column when it uses none)."""
    return x[columns].to_numpy() if columns else np.zeros((len(x), 1))


# ---- scores under a configuration (as at the cut-off)


def fit_scores(
    attrs: pd.DataFrame, icp: dict[str, Any], criteria: Criteria | None = None
) -> pd.Series:
    """The ICP fit score each lead would have at its cut-off under ``icp`` (a dict)."""
    industries = {k.strip().lower(): v for k, v in (icp.get("industries") or {}).items()}
    territory = attrs["in_territory"] * ((icp.get("territory") or {}).get("points") or 0)
    industry = attrs["industry"].map(industries).fillna(0)
    emp_points = [b["points"] for b in icp["company_size"]["employees"]]
    rev_points = [b["points"] for b in icp["company_size"]["annual_revenue_usd"]]
    emp = attrs["employees_band"].map(lambda i: emp_points[i] if i >= 0 else 0)
    rev = attrs["revenue_band"].map(lambda i: rev_points[i] if i >= 0 else 0)
    personas = {p["name"]: p["points"] for p in icp["personas"]}
    persona = attrs["persona"].map(personas).fillna(0)
    total = territory + industry + np.maximum(emp, rev) + persona
    if criteria:
        total = total + criteria.fit_points(attrs, icp)
    return total.clip(lower=0, upper=100)


def engagement_scores(
    x: pd.DataFrame,
    scoring: dict[str, Any],
    attrs: pd.DataFrame | None = None,
    criteria: Criteria | None = None,
) -> pd.Series:
    """The engagement score at the cut-off under ``scoring`` (a dict): capped points of the
    event rules, and of the attribute rules (from ``attrs``)."""
    total = pd.Series(0.0, index=x.index)
    for rule in scoring["rules"]:
        total += x[f"rule={rule['name']}"] * rule["points"]
    if criteria and attrs is not None:
        total += criteria.engagement_points(attrs, scoring)
    return total


def hand_raised(x: pd.DataFrame, scoring: ScoringConfig) -> pd.Series:
    """Whether a lead raised its hand before its cut-off (a rule on a hand-raise event)."""
    names = [r.name for r in scoring.rules if r.event_type in scoring.hand_raise]
    if not names:
        return pd.Series(False, index=x.index)
    return x[[f"rule={n}" for n in names]].sum(axis=1) > 0


def profiled(attrs: pd.DataFrame, fit: pd.Series, threshold: int, icp: IcpConfig) -> pd.Series:
    """Whether a lead would be profiled at its cut-off: required attributes known, fit ok."""
    known = pd.Series(True, index=attrs.index)
    required = icp.required_firmographics
    if "industry" in required:
        known &= attrs["industry"].notna()
    if "company_size" in required:
        known &= attrs["size_known"]
    if "country" in required:
        known &= attrs["country_known"]
    if "persona" in required:
        known &= attrs["persona"].notna()
    for name in required:
        if f"field:{name}" in attrs.columns:  # any other field or attribute
            known &= attrs[f"field:{name}"].notna()
    return known & (fit >= threshold)


# ---- from coefficients to points


def to_points(
    coefficients: dict[str, float],
    icp: IcpConfig,
    industries: list[str],
    allow_negative: bool = False,
) -> tuple[dict[str, int], float]:
    """Points per feature on the configuration's scale, and the scale (points per log-odds).

    Within each ICP group, levels are shifted so the lowest is 0 (every profiled lead has a
    size and a persona, so the shift changes no ranking); an industry or territory worse than
    none scores 0, the least the configuration can give. Each criterion's levels (values,
    bands, keyword rules, other, missing) are shifted the same way. The best ICP profile
    scores 100. Attribute rules (engagement) shift to 0 as well unless negatives are allowed.
    """
    shifted: dict[str, float] = {"territory": max(0.0, coefficients.get("territory", 0.0))}
    for key in industries:
        shifted[f"industry={key}"] = max(0.0, coefficients[f"industry={key}"])
    for group in ("employees", "revenue", "persona"):
        names = [n for n in coefficients if n.startswith(f"{group}=")]
        low = min((coefficients[n] for n in names), default=0.0)
        for n in names:
            shifted[n] = coefficients[n] - low

    def best(prefix: str) -> float:
        return max((v for k, v in shifted.items() if k.startswith(prefix)), default=0.0)

    criteria = shift_to_zero(coefficients, "criterion")
    shifted.update(criteria)
    icp_range = (
        shifted["territory"]
        + best("industry=")
        + max(best("employees="), best("revenue="))
        + best("persona=")
        + best_total(criteria, "criterion")
    )
    scale = 100.0 / icp_range if icp_range > 1e-6 else 10.0
    points = {k: int(max(-100, min(100, round(v * scale)))) for k, v in shifted.items()}
    engagement = {k: v for k, v in coefficients.items() if k.startswith("attribute_rule:")}
    if not allow_negative:
        engagement = shift_to_zero(engagement, "attribute_rule")
    for name, coef in [*coefficients.items(), *engagement.items()]:
        if name.startswith(("rule=", "attribute_rule:")):
            value = engagement.get(name, coef)
            points[name] = int(max(-100, min(100, round(value * scale))))
    return points, scale


def suggested_icp(
    icp: IcpConfig,
    points: dict[str, int],
    industries: list[str],
    display: dict[str, str],
    criteria: Criteria | None = None,
) -> dict[str, Any]:
    """The ICP configuration with learned points (dict in the file's layout).

    ``display`` names each industry key as the data spells it (the file in use wins)."""
    data = icp.model_dump()
    if data.get("territory") is not None:
        data["territory"]["points"] = points["territory"]
    learned = dict.fromkeys(industries, 0)
    learned.update({k: points[f"industry={k}"] for k in industries})
    names = {k.strip().lower(): k for k in icp.industries}
    data["industries"] = {
        names.get(k, display.get(k, k)): v
        for k, v in sorted(learned.items(), key=lambda kv: -kv[1])
    }
    for name in icp.industries:
        if name.strip().lower() not in learned:
            data["industries"][name] = 0
    for i, band in enumerate(data["company_size"]["employees"]):
        band["points"] = points[f"employees={i}"]
    for i, band in enumerate(data["company_size"]["annual_revenue_usd"]):
        band["points"] = points[f"revenue={i}"]
    for persona in data["personas"]:
        persona["points"] = points[f"persona={persona['name']}"]
    if criteria:
        data["criteria"] = criteria.suggested(points)[0]
    return data


def suggested_scoring(
    scoring: ScoringConfig, points: dict[str, int], criteria: Criteria | None = None
) -> dict[str, Any]:
    """The scoring configuration with learned points and caps (same rules, same order)."""
    data = scoring.model_dump()
    caps = rule_event_caps(scoring)
    for rule in data["rules"]:
        new = points[f"rule={rule['name']}"]
        rule["points"] = new
        events = caps[rule["name"]]
        rule["cap"] = None if math.isinf(events) or new == 0 else int(new * events)
    if criteria:
        learned = criteria.suggested(points)[1]
        for rule in learned:
            # an attribute rule's cap limits its own points: keep it at the largest level
            if rule.get("cap") is not None:
                levels = [rule["default"], rule["missing"]]
                levels += [b["points"] for b in rule.get("bands") or []]
                levels += [k["points"] for k in rule.get("keywords") or []]
                levels += list((rule.get("values") or {}).values())
                rule["cap"] = max(levels) if max(levels) > 0 else None
        data["attribute_rules"] = learned
    return data


def points_in_use(icp: IcpConfig, scoring: ScoringConfig) -> dict[str, int]:
    """The points the configuration gives each feature calibrate learns (same names)."""
    from flows.calibration_criteria import level_points

    points: dict[str, int] = {}
    if icp.territory is not None:
        points["territory"] = icp.territory.points
    points.update({f"industry={k.strip().lower()}": v for k, v in icp.industries.items()})
    for i, band in enumerate(icp.company_size.employees):
        points[f"employees={i}"] = band.points
    for i, band in enumerate(icp.company_size.annual_revenue_usd):
        points[f"revenue={i}"] = band.points
    points.update({f"persona={p.name}": p.points for p in icp.personas})
    points.update({f"rule={r.name}": r.points for r in scoring.rules})
    for prefix, rules in (("criterion", icp.criteria), ("attribute_rule", scoring.attribute_rules)):
        for rule in rules:
            for level, pts in level_points(rule.model_dump()).items():
                points[f"{prefix}:{rule.name}|{level}"] = pts
    return points


# ---- evaluation


def _auc(y: np.ndarray, score: np.ndarray) -> float | None:
    from sklearn.metrics import roc_auc_score

    if len(set(y.tolist())) < 2:
        return None
    return float(roc_auc_score(y, score))


def _closest_threshold(values: pd.Series, eligible: pd.Series, target: int, low: int) -> int:
    """The threshold whose count of ``eligible & values >= t`` is closest to ``target``."""
    candidates = sorted({int(math.ceil(v)) for v in values[eligible]} | {low})
    best, best_gap = low, math.inf
    for t in candidates:
        if t < low:
            continue
        gap = abs(int((eligible & (values >= t)).sum()) - target)
        if gap < best_gap or (gap == best_gap and t > best):
            best, best_gap = t, gap
    return best


def first_mql(
    rows: pd.DataFrame, prof: pd.Series, eng: pd.Series, hand: pd.Series, threshold: int
) -> pd.DataFrame:
    """Per lead that meets the MQL criteria at one of its cut-offs: the first such cut-off's
    label (``hit``: the outcome followed within the horizon)."""
    meets = prof & ((eng >= threshold) | hand)
    first = rows.loc[meets].sort_values("offset_days").groupby("lead_id").head(1)
    return first[["lead_id", "label"]].rename(columns={"label": "hit"})


def mql_summary(first: pd.DataFrame, positives: int, months: float) -> dict[str, Any]:
    """MQL leads, per month, precision (share that converted) and recall."""
    n, hits = len(first), int(first["hit"].sum())
    return {
        "mqls": n,
        "mqls_per_month": round(n / months, 1) if months else None,
        "precision": round(hits / n, 4) if n else None,
        "recall": round(hits / positives, 4) if positives else None,
    }


def threshold_table(
    rows: pd.DataFrame,
    prof: pd.Series,
    eng: pd.Series,
    hand: pd.Series,
    positives: int,
    months: float,
    chosen: int,
) -> list[dict[str, Any]]:
    """For candidate MQL thresholds: MQLs per month, precision and recall (evaluation)."""
    values = eng[prof]
    grid = {chosen}
    if len(values):
        grid |= {int(v) for v in np.quantile(values, np.linspace(0.5, 0.99, 10))}
    table = []
    for t in sorted(t for t in grid if t >= 1):
        summary = mql_summary(first_mql(rows, prof, eng, hand, t), positives, months)
        table.append({"mql_threshold": t, **summary, "chosen": t == chosen})
    return table


def _months_between(times: pd.Series) -> float:
    if times.empty:
        return 0.0
    return max(1.0, (times.max() - times.min()).total_seconds() / 86_400 / 30.44)


def _per_lead_max(rows: pd.DataFrame, values: pd.Series, where: pd.Series) -> pd.Series:
    """Per lead, the largest value over its cut-offs where ``where`` holds (-inf: none)."""
    return values.where(where, -math.inf).groupby(rows["lead_id"]).max()


def choose_thresholds(
    rows: pd.DataFrame,
    attrs: pd.DataFrame,
    x: pd.DataFrame,
    icp: IcpConfig,
    scoring: ScoringConfig,
    new_icp: dict[str, Any],
    new_scoring: dict[str, Any],
    criteria: Criteria | None = None,
) -> tuple[int, int]:
    """The (fit threshold, MQL threshold) pair for the learned points that makes as many
    leads MQL as the configuration in use over ``rows``, with the largest share converting.

    For each fit threshold (0, 5, ... 100) the MQL threshold is the one whose MQL count is
    closest to the count in use; among the pairs within 5 % of that count the best precision
    wins (ties: the smaller gap in volume). None: the thresholds in use."""
    hand = hand_raised(x, scoring)
    cur_fit = fit_scores(attrs, icp.model_dump(), criteria)
    cur_prof = profiled(attrs, cur_fit, icp.fit_threshold, icp)
    cur_eng = engagement_scores(x, scoring.model_dump(), attrs, criteria)
    volume = len(first_mql(rows, cur_prof, cur_eng, hand, scoring.mql_threshold))
    new_fit = fit_scores(attrs, new_icp, criteria)
    new_eng = engagement_scores(x, new_scoring, attrs, criteria)
    best: tuple[float, int, int, int] | None = None
    for fit_threshold in range(0, 101, 5):
        prof = profiled(attrs, new_fit, fit_threshold, icp)
        hand_leads = (prof & hand).groupby(rows["lead_id"]).any()
        if int(hand_leads.sum()) > volume:
            continue  # hand-raisers alone already exceed the volume in use
        best_eng = _per_lead_max(rows, new_eng, prof)
        eligible = ~hand_leads & (best_eng > -math.inf)
        mql_threshold = _closest_threshold(best_eng, eligible, volume - int(hand_leads.sum()), 1)
        first = first_mql(rows, prof, new_eng, hand, mql_threshold)
        if not len(first):
            continue
        precision = float(first["hit"].mean())
        gap = abs(len(first) - volume)
        if gap > max(2, 0.05 * volume):
            continue  # not the same volume: precision would not compare
        key = (precision, -gap, fit_threshold, mql_threshold)
        if best is None or key[:2] > best[:2]:
            best = key
    if best is None:
        return icp.fit_threshold, scoring.mql_threshold
    return best[2], best[3]


# ---- the whole calibration


def mapping_attributes(mappings: str | Path | None) -> dict[str, str]:
    """Attribute names and types the mapping profiles define (none before profiles had them)."""
    from flows import mapping
    from flows.settings import MAPPINGS_DIR

    types = getattr(mapping, "attribute_types", None)
    if types is None:
        return {}
    return types(mapping.load_profiles(Path(mappings) if mappings else MAPPINGS_DIR))


def calibrate(
    warehouse_url: str | None = None,
    config: str | Path | None = None,
    out: str | Path | None = None,
    settings: CalibrationSettings | None = None,
    mappings: str | Path | None = None,
) -> Calibration:
    """Fit the points from outcomes and write the suggested configuration and its report.

    Steps: 1. read leads, rule counts before each cut-off and outcomes (read-only);
    2. label each lead's cut-offs, and split by capture cohort; 3. fit the logistic
    regression on the older cohorts; 4. turn coefficients into points and choose thresholds;
    5. evaluate on the newer cohorts; 6. write ``icp.yml``, ``scoring.yml``,
    ``calibration.md``, ``calibration.json`` to ``out`` (default ``<config>/suggested``),
    never into the configuration in use.
    """
    settings = settings or CalibrationSettings()
    folder = config_dir(config)
    target = Path(out) if out else folder / "suggested"
    if target.resolve() == folder.resolve():
        raise ConfigurationError(
            f"{target}: is the configuration in use; calibrate writes a suggestion elsewhere"
        )
    attributes = mapping_attributes(mappings)
    if attributes:
        icp, scoring = load_icp(folder, attributes), load_scoring(folder, attributes)
    else:
        icp, scoring = load_icp(folder), load_scoring(folder)
    criteria = Criteria(icp, scoring, attributes)
    warehouse = Warehouse.from_env(warehouse_url)
    engine = make_engine(warehouse)
    for schema, table in (PROFILE_TABLE, POINTS_TABLE, OPPORTUNITIES_TABLE):
        if not table_exists(engine, schema, table):
            raise ConfigurationError(
                f"{schema}.{table} does not exist in {warehouse.display_url}: "
                "run `leadflow run` first"
            )
    with engine.connect() as conn:
        end = data_end(conn)
        start = data_start(conn) or end
        span_days = (end - start).total_seconds() / 86_400
        settings, notes = settings.for_span(span_days, has_outcome_exports(conn))
        leads = read_leads(conn, settings, criteria)
        counts = read_rule_counts(conn, settings, scoring.window_days)

    rows = label(snapshots(leads, settings), settings, end)
    usable = rows[rows["usable"]].reset_index(drop=True)
    keys = pd.MultiIndex.from_frame(usable[["lead_id", "offset_days"]])
    counts = counts.reindex(keys).fillna(0.0)
    counts.index = usable.index
    if settings.split_at is not None:
        split_at = pd.Timestamp(settings.split_at, tz=UTC)
    else:
        split_at = (
            usable.groupby("lead_id")["captured_at"].first().quantile(1 - settings.evaluation_share)
        )
    horizon = pd.Timedelta(days=settings.horizon_days)
    train = (usable["captured_at"] < split_at) & (usable["cutoff_at"] + horizon <= split_at)
    evaluate = usable["captured_at"] >= split_at
    attrs = known_attributes(usable, icp, criteria)
    criteria.prepare(attrs[train])
    level_counts = attrs.loc[train, "industry"].value_counts()
    industries = sorted(level_counts[level_counts >= settings.min_leads_per_level].index)
    x = design_matrix(attrs, counts, scoring, industries, icp, criteria)
    y = usable["label"].astype(int)
    if train.sum() < 50 or y[train].nunique() < 2:
        raise ConfigurationError(
            f"calibration: {int(train.sum())} training cut-offs with "
            f"{int(y[train].sum())} outcomes: not enough history before "
            f"{split_at:%Y-%m-%d} (data from {start:%Y-%m-%d} to {end:%Y-%m-%d}, horizon "
            f"{settings.horizon_days} days: lower --horizon-days, or set --split-date or "
            "--evaluation-share)"
        )
    model, used, coefficients, unconstrained = fit_model(x[train], y[train], settings, scoring)
    points, scale = to_points(coefficients, icp, industries, settings.allow_negative)
    known_industries = usable.dropna(subset=["industry_key", "industry_as_exported"])
    display = (
        known_industries.groupby("industry_key")["industry_as_exported"]
        .agg(lambda names: names.mode().iat[0])
        .to_dict()
    )
    new_icp = suggested_icp(icp, points, industries, display, criteria)
    new_scoring = suggested_scoring(scoring, points, criteria)

    # thresholds: on the training cut-offs, the pair that gives as many MQLs as the
    # configuration in use with the largest share converting; then both are evaluated on
    # the newer cohorts
    new_icp["fit_threshold"], new_scoring["mql_threshold"] = choose_thresholds(
        usable[train], attrs[train], x[train], icp, scoring, new_icp, new_scoring, criteria
    )
    ev = usable[evaluate]
    ev_attrs, ev_x, ev_y = attrs[evaluate], x[evaluate], y[evaluate]
    hand = hand_raised(ev_x, scoring)
    cur_fit = fit_scores(ev_attrs, icp.model_dump(), criteria)
    cur_prof = profiled(ev_attrs, cur_fit, icp.fit_threshold, icp)
    cur_eng = engagement_scores(ev_x, scoring.model_dump(), ev_attrs, criteria)
    new_fit = fit_scores(ev_attrs, new_icp, criteria)
    new_prof = profiled(ev_attrs, new_fit, new_icp["fit_threshold"], icp)
    new_eng = engagement_scores(ev_x, new_scoring, ev_attrs, criteria)
    cur_first = first_mql(ev, cur_prof, cur_eng, hand, scoring.mql_threshold)
    new_first = first_mql(ev, new_prof, new_eng, hand, new_scoring["mql_threshold"])

    ev_months = _months_between(ev["captured_at"])
    positives = int(ev_y.groupby(ev["lead_id"]).max().sum())
    probability = model.predict_proba(model_inputs(ev_x, used))[:, 1]
    evaluation = {
        "notes": notes,
        "data_start": start.isoformat(),
        "data_end": end.isoformat(),
        "split_at": split_at.isoformat(),
        "leads": int(len(leads)),
        "disqualified_left_out": int(leads["disqualification_reason"].notna().sum()),
        "cutoffs_after_outcome_left_out": int(rows["decided"].sum()),
        "cutoffs_horizon_not_ended_left_out": int((rows["eligible"] & ~rows["mature"]).sum()),
        "training_leads": int(usable.loc[train, "lead_id"].nunique()),
        "training_cutoffs": int(train.sum()),
        "training_outcomes": int(y[train].sum()),
        "evaluation_leads": int(ev["lead_id"].nunique()),
        "evaluation_cutoffs": int(evaluate.sum()),
        "evaluation_outcomes": positives,
        "evaluation_months": round(ev_months, 1),
        "scale_points_per_log_odds": round(scale, 3),
        "auc_model": _auc(ev_y.to_numpy(), probability),
        "auc_calibrated_points": _auc(ev_y.to_numpy(), (new_fit + new_eng).to_numpy()),
        "auc_points_in_use": _auc(ev_y.to_numpy(), (cur_fit + cur_eng).to_numpy()),
        "calibration_table": calibration_table(ev_y, probability),
        "conversion_by_decile": decile_table(ev_y, new_fit + new_eng),
        "mql_in_use": mql_summary(cur_first, positives, ev_months),
        "mql_suggested": mql_summary(new_first, positives, ev_months),
        "thresholds": threshold_table(
            ev, new_prof, new_eng, hand, positives, ev_months, new_scoring["mql_threshold"]
        ),
    }
    result = Calibration(
        settings=settings,
        icp=new_icp,
        scoring=new_scoring,
        coefficients=coefficients,
        unconstrained=unconstrained,
        points=points,
        counts={k: int((x.loc[train, k] > 0).sum()) for k in x.columns},
        evaluation=evaluation,
        out=target,
    )
    write_outputs(result, icp, scoring, target, attributes)
    return result


def label(rows: pd.DataFrame, settings: CalibrationSettings, end: pd.Timestamp) -> pd.DataFrame:
    """Label each lead's cut-offs: ``label`` (the outcome came at or after the cut-off and
    within the horizon after it); ``usable`` = eligible (not disqualified), not ``decided``
    (outcome before the cut-off) and ``mature`` (the horizon ended by the latest fact)."""
    out = rows.copy()
    horizon_end = out["cutoff_at"] + pd.Timedelta(days=settings.horizon_days)
    outcome = out["outcome_at"]
    out["eligible"] = out["disqualification_reason"].isna()
    out["decided"] = out["eligible"] & outcome.notna() & (outcome < out["cutoff_at"])
    out["label"] = (outcome >= out["cutoff_at"]) & (outcome < horizon_end)
    out["mature"] = horizon_end <= end
    out["usable"] = out["eligible"] & ~out["decided"] & out["mature"]
    return out


def _deciles(y: pd.Series, values: np.ndarray) -> Any:
    """(decile number, its rows) over deciles of ``values``; each part has ``y`` and ``v``."""
    frame = pd.DataFrame({"y": y.to_numpy(), "v": values})
    frame["bin"] = pd.qcut(frame["v"].rank(method="first"), DECILES, labels=False)
    return ((int(b) + 1, part) for b, part in frame.groupby("bin"))


def calibration_table(y: pd.Series, probability: np.ndarray) -> list[dict[str, Any]]:
    """Predicted vs observed outcome rate per decile of predicted probability."""
    return [
        {
            "decile": decile,
            "cut-offs": len(part),
            "predicted_rate": round(float(part["v"].mean()), 4),
            "observed_rate": round(float(part["y"].mean()), 4),
        }
        for decile, part in _deciles(y, probability)
    ]


def decile_table(y: pd.Series, score: pd.Series) -> list[dict[str, Any]]:
    """Outcome rate per decile of the calibrated points (fit + engagement at the cut-off)."""
    return [
        {
            "decile": decile,
            "cut-offs": len(part),
            "points_from": int(part["v"].min()),
            "points_to": int(part["v"].max()),
            "conversion": round(float(part["y"].mean()), 4),
        }
        for decile, part in _deciles(y, score.to_numpy())
    ]


# ---- writing


def _flow(value: Any) -> str:
    """A YAML value on one line (flow style)."""
    text = yaml.safe_dump(value, default_flow_style=True, width=10_000, sort_keys=False)
    return text.removesuffix("\n").removesuffix("\n...").strip()


def _was(old: Any) -> str:
    return f"  # in use: {old}"


ICP_RENDERED = (
    "fit_threshold",
    "required_firmographics",
    "territory",
    "industries",
    "company_size",
    "personas",
    "criteria",
    "exclusions",
)


def _rule_points(rule: dict[str, Any]) -> str:
    """A criterion's or attribute rule's points in one short phrase (for a comment)."""
    parts = [f"{k}: {v}" for k, v in (rule.get("values") or {}).items()]
    parts += [f"band {i + 1}: {b['points']}" for i, b in enumerate(rule.get("bands") or [])]
    parts += [
        f"{k.get('name') or 'keywords ' + str(i + 1)}: {k['points']}"
        for i, k in enumerate(rule.get("keywords") or [])
    ]
    parts += [f"default: {rule.get('default', 0)}", f"missing: {rule.get('missing', 0)}"]
    return ", ".join(parts)


def _rules_lines(key: str, new: list[dict[str, Any]], old: list[Any]) -> list[str]:
    """A list of criteria / attribute rules, one per line, the points in use beside each."""
    if not new:
        return []
    was = {r.name: r.model_dump() for r in old}
    lines = ["", f"{key}:"]
    for rule in new:
        before = was.get(rule["name"])
        comment = f"  # in use: {_rule_points(before)}" if before else ""
        if rule.get("proposed_bands") or (before and not before.get("bands") and rule.get("bands")):
            comment += " (bands proposed from the quartiles)"
        shown = {k: v for k, v in rule.items() if v not in (None, [], {}) or k in ("default",)}
        shown.pop("proposed_bands", None)
        if shown.get("keywords"):  # a keyword rule's unset name is left out
            shown["keywords"] = [
                {k: v for k, v in g.items() if v is not None} for g in shown["keywords"]
            ]
        lines.append(f"  - {_flow(shown)}{comment}")
    return lines


def _rest(new: dict[str, Any], rendered: tuple[str, ...]) -> list[str]:
    """Every other top-level key, as in use (YAML block style)."""
    rest = {k: v for k, v in new.items() if k not in rendered}
    if not rest:
        return []
    return ["", yaml.safe_dump(rest, sort_keys=False, allow_unicode=True).rstrip()]


def render_icp(new: dict[str, Any], old: IcpConfig, header: str) -> str:
    """``icp.yml`` text: the learned points, each with the value in use as a comment."""
    old_ind = {k.strip().lower(): v for k, v in old.industries.items()}
    lines = [
        header,
        "",
        f"fit_threshold: {new['fit_threshold']}{_was(old.fit_threshold)}",
        f"required_firmographics: {_flow(new['required_firmographics'])}",
    ]
    if new.get("territory") is not None and old.territory is not None:
        lines += [
            "",
            "territory:",
            f"  points: {new['territory']['points']}{_was(old.territory.points)}",
            f"  countries: {_flow(new['territory']['countries'])}",
            f"  disqualify_outside: {_flow(new['territory']['disqualify_outside'])}",
        ]
    if new["industries"]:
        lines += [
            "",
            "# Points per industry (industries seen too rarely to learn from get 0).",
            "industries:",
        ]
        for name, pts in new["industries"].items():
            lines.append(f"  {_flow(name)}: {pts}{_was(old_ind.get(name.strip().lower(), 0))}")
    lines += ["", "company_size:"]
    for key, bands in (
        ("employees", old.company_size.employees),
        ("annual_revenue_usd", old.company_size.annual_revenue_usd),
    ):
        if not bands:
            lines.append(f"  {key}: []")
            continue
        lines.append(f"  {key}:")
        for band, was in zip(new["company_size"][key], bands, strict=True):
            shown = {k: band[k] for k in ("min", "max", "points") if band[k] is not None}
            shown = {
                k: int(v) if isinstance(v, float) and v.is_integer() else v
                for k, v in shown.items()
            }
            lines.append(f"    - {_flow(shown)}{_was(was.points)}")
    if new["personas"]:
        lines += ["", "personas:"]
        for persona, was in zip(new["personas"], old.personas, strict=True):
            lines += [
                f"  - name: {persona['name']}",
                f"    points: {persona['points']}{_was(was.points)}",
                f"    keywords: {_flow(persona['keywords'])}",
            ]
    lines += _rules_lines("criteria", new.get("criteria") or [], getattr(old, "criteria", []))
    lines += _rest(new, ICP_RENDERED)
    lines += ["", "# Exclusions are rules, not learned: as in use."]
    lines.append(yaml.safe_dump({"exclusions": new["exclusions"]}, sort_keys=False).rstrip())
    return "\n".join(lines) + "\n"


def render_scoring(new: dict[str, Any], old: ScoringConfig, header: str) -> str:
    """``scoring.yml`` text: the same rules in the same order, learned points and caps."""
    lines = [
        header,
        "",
        f"window_days: {new['window_days']}",
        f"mql_threshold: {new['mql_threshold']}{_was(old.mql_threshold)}",
        "",
        f"hand_raise: {_flow(new['hand_raise'])}",
        "",
        "consent:",
        f"  require_explicit: {_flow(new['consent']['require_explicit'])}",
        "",
        "rules:",
    ]
    for rule, was in zip(new["rules"], old.rules, strict=True):
        shown = {"name": rule["name"], "event_type": rule["event_type"]}
        for key in ("url_contains", "min_duration_seconds", "min_minutes_attended"):
            if rule[key]:
                shown[key] = rule[key]
        shown["points"] = rule["points"]
        if rule["cap"] is not None:
            shown["cap"] = rule["cap"]
        cap = f", cap {was.cap}" if was.cap is not None else ""
        lines.append(f"  - {_flow(shown)}  # in use: {was.points}{cap}")
    lines += _rules_lines(
        "attribute_rules", new.get("attribute_rules") or [], getattr(old, "attribute_rules", [])
    )
    lines += _rest(new, SCORING_RENDERED)
    return "\n".join(lines) + "\n"


SCORING_RENDERED = (
    "window_days",
    "mql_threshold",
    "hand_raise",
    "consent",
    "rules",
    "attribute_rules",
)


def _header(kind: str, result: Calibration) -> str:
    ev, s = result.evaluation, result.settings
    return "\n".join(
        [
            f"# {kind} suggested by `leadflow calibrate` on "
            f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC. Not in use until you copy it over",
            "# the file in config/ (see README: For marketing: calibrate and backtest).",
            f"# Learned from {ev['training_leads']:,} leads captured before "
            f"{ev['split_at'][:10]} ({ev['training_outcomes']:,} cut-offs followed by "
            f"{OUTCOME_SHORT[s.outcome]} within {s.horizon_days} days),",
            f"# facts dated before each cut-off only; checked on "
            f"{ev['evaluation_leads']:,} newer leads (AUC {_num(ev['auc_calibrated_points'])},"
            f" points in use {_num(ev['auc_points_in_use'])}).",
            f"# Scale: {ev['scale_points_per_log_odds']} points per unit of log-odds, in the ICP"
            " and in the engagement score alike.",
        ]
    )


def _num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _md_table(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "(none)\n"
    keys = list(rows[0])
    out = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    out += ["| " + " | ".join("" if r[k] is None else str(r[k]) for k in keys) + " |" for r in rows]
    return "\n".join(out) + "\n"


def render_report(result: Calibration) -> str:
    """``calibration.md``: what was learned and how well it does on newer leads."""
    ev, s = result.evaluation, result.settings
    changed = [
        {
            "feature": name,
            "coefficient": round(coef, 3),
            "points": result.points.get(name),
            "training leads with it": result.counts.get(name),
        }
        for name, coef in sorted(result.coefficients.items(), key=lambda kv: -abs(kv[1]))
    ]
    warning = []
    if ev["training_outcomes"] < 100:
        warning = [
            f"**Few outcomes: {ev['training_outcomes']} in training.** The weights below are "
            "noisy; do not adopt them without a backtest and more history.",
            "",
        ]
    settings_lines = [
        "## Settings",
        "",
        f"- outcome: {OUTCOMES[s.outcome]}",
        f"- feature cut-offs: {', '.join(str(d) for d in s.offsets())} days after capture "
        f"(`--feature-days {s.feature_days}`)",
        f"- horizon: {s.horizon_days} days after each cut-off (`--horizon-days`)",
        f"- split date: {ev['split_at'][:10]} "
        + ("(`--split-date`)" if s.split_at else f"(newest {s.evaluation_share:.0%} of leads)"),
        f"- data: {ev['data_start'][:10]} to {ev['data_end'][:10]}",
        "- engagement points: "
        + ("may be negative (`--allow-negative`)" if s.allow_negative else "non-negative"),
        *(f"- chosen from the data: {note}" for note in ev.get("notes", [])),
        "",
    ]
    held = {
        name: coef
        for name, coef in result.unconstrained.items()
        if name.startswith("rule=") and abs(coef - result.coefficients.get(name, 0.0)) > 1e-9
    }
    unconstrained = []
    if held:
        unconstrained = [
            "## What the unconstrained fit would say",
            "",
            "These rules came out with the opposite sign of the points in use and are held at "
            "0 (a marketer does not subtract points for a form or a chat); "
            "`--allow-negative` lets the fit choose the sign:",
            "",
            _md_table(
                [
                    {
                        "rule": name.removeprefix("rule="),
                        "unconstrained coefficient": round(coef, 3),
                        "points it would get": int(round(coef * ev["scale_points_per_log_odds"])),
                    }
                    for name, coef in sorted(held.items(), key=lambda kv: kv[1])
                ]
            ),
        ]
    parts = [
        "# Calibration report",
        "",
        *warning,
        *settings_lines,
        f"Outcome: {OUTCOMES[s.outcome]}. Each lead is looked at on {s.snapshots} cut-offs "
        f"(midnight UTC, {', '.join(str(d) for d in s.offsets())} days after its capture day): "
        "features are the ICP attributes known before the cut-off and the events of each "
        "scoring rule in the scoring window before it; the label says whether the outcome came "
        f"at or after the cut-off and within {s.horizon_days} days. Latest fact in the "
        f"warehouse: {ev['data_end'][:19]}. Training: leads captured before "
        f"{ev['split_at'][:10]}, cut-offs whose horizon ended before it; evaluation: leads "
        "captured after it.",
        "",
        f"- leads: {ev['leads']:,}; left out: {ev['disqualified_left_out']:,} disqualified; "
        f"cut-offs left out: {ev['cutoffs_after_outcome_left_out']:,} after the outcome, "
        f"{ev['cutoffs_horizon_not_ended_left_out']:,} whose horizon has not ended",
        f"- training: {ev['training_leads']:,} leads, {ev['training_cutoffs']:,} cut-offs, "
        f"{ev['training_outcomes']:,} positive; evaluation: {ev['evaluation_leads']:,} leads, "
        f"{ev['evaluation_cutoffs']:,} cut-offs, {ev['evaluation_outcomes']:,} leads converted, "
        f"over {ev['evaluation_months']} months",
        f"- AUC on the evaluation cut-offs: model {_num(ev['auc_model'])}, calibrated points "
        f"{_num(ev['auc_calibrated_points'])}, points in use {_num(ev['auc_points_in_use'])}",
        "",
        "## MQLs at the cut-offs, evaluation cohorts",
        "",
        "A lead counts as an MQL at the first cut-off where it is profiled and its score "
        "reaches the threshold or it raised its hand (as configured); precision is the share "
        "whose outcome followed within the horizon. Consent is not checked here: "
        "`leadflow backtest` replays everything.",
        "",
        _md_table(
            [
                {"configuration": "in use", **ev["mql_in_use"]},
                {"configuration": "suggested", **ev["mql_suggested"]},
            ]
        ),
        "## Candidate MQL thresholds (suggested points)",
        "",
        _md_table(ev["thresholds"]),
        "## Calibration (predicted vs observed, deciles of the model's probability)",
        "",
        _md_table(ev["calibration_table"]),
        "## Conversion by decile of the calibrated points (fit + engagement)",
        "",
        _md_table(ev["conversion_by_decile"]),
        "## Learned weights",
        "",
        _md_table(changed),
        *unconstrained,
    ]
    return "\n".join(parts)


def write_outputs(
    result: Calibration,
    icp: IcpConfig,
    scoring: ScoringConfig,
    out: Path,
    attributes: dict[str, str] | None = None,
) -> None:
    """Write the suggested files and the report into ``out`` and check they load."""
    out.mkdir(parents=True, exist_ok=True)
    # the report first: it is written whether or not the suggestion is better, or valid
    (out / "calibration.md").write_text(render_report(result), encoding="utf-8")
    (out / "icp.yml").write_text(
        render_icp(result.icp, icp, _header("ICP", result)), encoding="utf-8"
    )
    (out / "scoring.yml").write_text(
        render_scoring(result.scoring, scoring, _header("Engagement scoring", result)),
        encoding="utf-8",
    )
    payload = {
        "settings": result.settings.__dict__,
        "evaluation": result.evaluation,
        "coefficients": result.coefficients,
        "unconstrained_coefficients": result.unconstrained,
        "points": result.points,
    }
    (out / "calibration.json").write_text(
        json.dumps(payload, indent=2, default=str), encoding="utf-8"
    )
    # what was written is a valid configuration
    load_icp(out, attributes or None), load_scoring(out, attributes or None)

"""Calibration over the configuration's criteria: ICP ``criteria:`` and scoring
``attribute_rules:`` (points from any standard field or attribute of a lead).

Each criterion sorts a lead into one level: a listed value, a band or a keyword rule (by its
position), ``other`` (a value the criterion does not list) or ``missing`` (no value known at
the cut-off). The calibration fits one coefficient per level; points come back per level:
``values`` / ``bands`` / ``keywords`` points, ``default`` (other) and ``missing``. A numeric
criterion without bands gets bands proposed from the quartiles of the training leads' values.
The same sorting, in Python, gives the points a criterion would give under any
configuration, as the dbt models do (values compared case-insensitively; bands inclusive;
the first keyword rule with a keyword that appears as a whole word wins).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from flows.config import STANDARD_FIELDS, attribute_column, normalise_words

OTHER, MISSING = "other", "missing"

# When a standard field's value became known, per the profiled lead's columns.
KNOWN_AT = {
    "industry": "firmographics_known_at",
    "employees": "firmographics_known_at",
    "annual_revenue": "firmographics_known_at",
    "company_name": "firmographics_known_at",
    "country": "country_known_at",
    "job_title": "job_title_known_at",
    "persona": "job_title_known_at",
}
_TRUE = ("true", "yes", "y", "1")


def field_columns(field: str, attributes: dict[str, str]) -> tuple[str, str, str]:
    """(value column, known-at column, kind) of a criterion's field in int_leads_profiled."""
    if field in STANDARD_FIELDS:
        column, kind = STANDARD_FIELDS[field]
        return column, KNOWN_AT.get(field, "first_captured_at"), kind
    column = attribute_column(field)
    return column, f"{column}__known_at", attributes.get(field, "text")


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _text(value: Any, kind: str) -> str:
    if kind == "number":
        return str(_number(value))
    if kind == "boolean":
        return "true" if str(value).strip().lower() in _TRUE else "false"
    return str(value).strip().lower()


def level_of(value: Any, rule: dict[str, Any], kind: str) -> str:
    """The level a criterion (a dict in the file's layout) sorts one value into."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value == "":
        return MISSING
    if rule.get("bands"):
        number = _number(value)
        for i, band in enumerate(rule["bands"]):
            low, high = band.get("min"), band.get("max")
            above = number is not None and (low is None or number >= low)
            if above and (high is None or number <= high):
                return f"band={i}"
        return OTHER
    if rule.get("keywords"):
        padded = f" {normalise_words(str(value))} "
        for i, group in enumerate(rule["keywords"]):
            if any(f" {normalise_words(k)} " in padded for k in group["keywords"]):
                return f"keywords={i}"
        return OTHER
    listed = {_text(k, kind): k for k in (rule.get("values") or {})}
    key = _text(value, kind)
    return f"value={listed[key]}" if key in listed else OTHER


def level_points(rule: dict[str, Any]) -> dict[str, int]:
    """Points per level of a criterion (a dict in the file's layout)."""
    points = {OTHER: int(rule.get("default", 0)), MISSING: int(rule.get("missing", 0))}
    for i, band in enumerate(rule.get("bands") or []):
        points[f"band={i}"] = int(band["points"])
    for i, group in enumerate(rule.get("keywords") or []):
        points[f"keywords={i}"] = int(group["points"])
    for value, pts in (rule.get("values") or {}).items():
        points[f"value={value}"] = int(pts)
    return points


def propose_bands(values: pd.Series) -> list[dict[str, Any]]:
    """Bands from the quartiles of ``values`` (for a numeric criterion without bands)."""
    numbers = pd.to_numeric(values, errors="coerce").dropna()
    if numbers.nunique() < 2:
        return []
    cuts = sorted({float(q) for q in np.quantile(numbers, [0.25, 0.5, 0.75])})
    bands, low = [], None
    for cut in cuts:
        bands.append({"min": low, "max": cut, "points": 0})
        low = cut + (1 if float(cut).is_integer() else 1e-9)
    bands.append({"min": low, "max": None, "points": 0})
    return bands


def rule_levels(values: pd.Series, rule: dict[str, Any], kind: str) -> pd.Series:
    """The level of each value (null: missing) under one rule; computed once per distinct
    value."""
    present = values.dropna()
    mapping = {v: level_of(v, rule, kind) for v in present.unique()}
    return values.map(mapping).fillna(MISSING)


def rule_points(
    attrs: pd.DataFrame, rules: list[dict[str, Any]], kinds: dict[str, str],
    groups: dict[str, Any] | None = None,
) -> pd.Series:  # fmt: skip
    """Total points the rules give each row of ``attrs`` (its ``field:<name>`` columns hold
    the values known at the cut-off); a rule's ``cap`` and the groups' caps applied."""
    total = pd.Series(0.0, index=attrs.index)
    by_group: dict[str | None, pd.Series] = {}
    for rule in rules:
        levels_ = rule_levels(attrs[f"field:{rule['field']}"], rule, kinds[rule["field"]])
        pts = levels_.map(level_points(rule)).fillna(0.0).astype(float)
        if rule.get("cap") is not None:
            cap = float(rule["cap"])
            pts = pts.clip(upper=cap) if cap >= 0 else pts.clip(lower=cap)
        group = rule.get("group")
        by_group[group] = by_group.get(group, pd.Series(0.0, index=attrs.index)) + pts
    for group, pts in by_group.items():
        cap = ((groups or {}).get(group) or {}).get("cap") if group else None
        total += pts.clip(upper=cap) if cap is not None else pts
    return total


class Criteria:
    """The ICP criteria and attribute rules of a configuration, as calibration features."""

    def __init__(self, icp: Any, scoring: Any, attributes: dict[str, str]) -> None:
        self.attributes = attributes
        self.criteria = [c.model_dump() for c in getattr(icp, "criteria", [])]
        self.attribute_rules = [r.model_dump() for r in getattr(scoring, "attribute_rules", [])]
        self.kinds: dict[str, str] = {}
        self.columns: dict[str, tuple[str, str]] = {}
        # the fields the rules read, and required fields beyond the four built-in checks
        required = [
            name
            for name in getattr(icp, "required_firmographics", [])
            if name not in ("industry", "company_size", "country", "persona")
            and (name in STANDARD_FIELDS or name in attributes)
        ]
        fields = [r["field"] for r in [*self.criteria, *self.attribute_rules]] + required
        for field in fields:
            column, known_at, kind = field_columns(field, attributes)
            self.kinds[field] = kind
            self.columns[field] = (column, known_at)

    def __bool__(self) -> bool:
        return bool(self.columns)

    def select_list(self, alias: str) -> str:
        """SQL select items reading each field's value and known-at time."""
        items = []
        for field, (column, known_at) in self.columns.items():
            items.append(f'{alias}."{column}" as "value:{field}"')
            items.append(f'{alias}."{known_at}" as "known:{field}"')
        return ", ".join(items)

    def known_values(self, leads: pd.DataFrame) -> pd.DataFrame:
        """``field:<name>`` columns: each field's value where it was known before the cut-off."""
        out = pd.DataFrame(index=leads.index)
        for field in self.columns:
            known = pd.to_datetime(leads[f"known:{field}"], utc=True) < leads["cutoff_at"]
            out[f"field:{field}"] = leads[f"value:{field}"].where(known)
        return out

    def prepare(self, attrs: pd.DataFrame) -> None:
        """Numeric rules without bands or values get bands from the quartiles (``attrs``:
        the training rows)."""
        for rule in [*self.criteria, *self.attribute_rules]:
            kind = self.kinds[rule["field"]]
            if kind == "number" and not rule.get("bands") and not rule.get("values"):
                proposed = propose_bands(attrs[f"field:{rule['field']}"])
                if proposed:
                    rule["bands"], rule["proposed_bands"] = proposed, True

    def features(self, attrs: pd.DataFrame) -> pd.DataFrame:
        """One column per (rule, level): ``criterion:<name>|<level>`` and
        ``attribute_rule:<name>|<level>``."""
        x = pd.DataFrame(index=attrs.index)
        for prefix, rules in (
            ("criterion", self.criteria),
            ("attribute_rule", self.attribute_rules),
        ):
            for rule in rules:
                levels_ = rule_levels(
                    attrs[f"field:{rule['field']}"], rule, self.kinds[rule["field"]]
                )
                for level in level_points(rule):
                    x[f"{prefix}:{rule['name']}|{level}"] = (levels_ == level).astype(float)
        return x

    def fit_points(self, attrs: pd.DataFrame, icp: dict[str, Any]) -> pd.Series:
        """The criteria's part of the fit score under ``icp`` (a dict in the file's layout)."""
        return rule_points(attrs, icp.get("criteria") or [], self.kinds, icp.get("groups"))

    def engagement_points(self, attrs: pd.DataFrame, scoring: dict[str, Any]) -> pd.Series:
        """The attribute rules' part of the engagement score under ``scoring`` (a dict)."""
        return rule_points(attrs, scoring.get("attribute_rules") or [], self.kinds)

    def suggested(self, points: dict[str, int]) -> tuple[list[dict], list[dict]]:
        """(criteria, attribute rules) with learned points."""
        return (
            learned_rules(self.criteria, points, "criterion"),
            learned_rules(self.attribute_rules, points, "attribute_rule"),
        )


def learned_rules(
    rules: list[dict[str, Any]], points: dict[str, int], prefix: str
) -> list[dict[str, Any]]:
    """The rules with learned points (in the file's layout: no private keys)."""
    out = []
    for rule in rules:
        new = {k: v for k, v in rule.items() if not k.startswith("_") and k != "proposed_bands"}

        def pts(level: str, rule: dict[str, Any] = rule) -> int:
            return int(points.get(f"{prefix}:{rule['name']}|{level}", 0))

        if rule.get("bands"):
            new["bands"] = [
                {
                    **{k: v for k, v in b.items() if v is not None and k != "points"},
                    "points": pts(f"band={i}"),
                }
                for i, b in enumerate(rule["bands"])
            ]
        if rule.get("keywords"):
            new["keywords"] = [
                {**g, "points": pts(f"keywords={i}")} for i, g in enumerate(rule["keywords"])
            ]
        if rule.get("values"):
            new["values"] = {v: pts(f"value={v}") for v in rule["values"]}
        new["default"], new["missing"] = pts(OTHER), pts(MISSING)
        out.append(new)
    return out


def shift_to_zero(coefficients: dict[str, float], prefix: str) -> dict[str, float]:
    """Per rule, its levels shifted so the lowest is 0 (rankings within a rule unchanged)."""
    by_rule: dict[str, list[str]] = {}
    for name in coefficients:
        if name.startswith(f"{prefix}:"):
            by_rule.setdefault(name.split("|", 1)[0], []).append(name)
    shifted = {}
    for names in by_rule.values():
        low = min(coefficients[n] for n in names)
        shifted.update({n: coefficients[n] - low for n in names})
    return shifted


def best_total(shifted: dict[str, float], prefix: str) -> float:
    """The sum over rules of the best level (the best profile's part of the score)."""
    best: dict[str, float] = {}
    for name, value in shifted.items():
        if name.startswith(f"{prefix}:"):
            rule = name.split("|", 1)[0]
            best[rule] = max(best.get(rule, 0.0), value)
    return sum(best.values())

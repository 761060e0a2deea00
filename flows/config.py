"""Configuration files that marketing ops edit, validated before anything runs.

``config/icp.yml`` holds the Ideal Customer Profile. It is passed to dbt as the ``icp``
variable, so the SQL that scores leads is generated from the file, not written by hand.
"""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from flows.settings import ConfigurationError
from flows.yamlfile import load_model

# ASCII punctuation and white space: the separators the SQL side turns into single spaces.
_SEPARATORS = re.compile(r"[\s!-/:-@\[-`{-~]+")


def normalise_words(text: str) -> str:
    """Lower-case, punctuation as spaces, single spaces: how job titles are compared."""
    return _SEPARATORS.sub(" ", text.lower()).strip()


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


_Model = TypeVar("_Model", bound=BaseModel)


class Band(_Strict):
    """An inclusive numeric band and its points."""

    min: float = 0
    max: float | None = None
    points: int = Field(ge=0, le=100)

    @model_validator(mode="after")
    def _ordered(self) -> Band:
        if self.max is not None and self.max < self.min:
            raise ValueError(f"band max {self.max} is below min {self.min}")
        return self


class Territory(_Strict):
    points: int = Field(ge=0, le=100)
    countries: list[str] = Field(min_length=1)
    disqualify_outside: bool = True

    @field_validator("countries")
    @classmethod
    def _iso2(cls, value: list[str]) -> list[str]:
        bad = [c for c in value if len(c) != 2 or not c.isalpha()]
        if bad:
            raise ValueError(f"not ISO 3166-1 alpha-2 codes: {bad}")
        return [c.upper() for c in value]


class CompanySize(_Strict):
    employees: list[Band] = Field(default_factory=list)
    annual_revenue_usd: list[Band] = Field(default_factory=list)


class _Keywords(_Strict):
    """Keywords compared as whole words, normalised as job titles are."""

    keywords: list[str] = Field(min_length=1)

    @field_validator("keywords")
    @classmethod
    def _lower(cls, value: list[str]) -> list[str]:
        return [normalise_words(k) for k in value if normalise_words(k)]


class Persona(_Keywords):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    points: int = Field(ge=0, le=100)


class Competitor(_Strict):
    domains: list[str] = Field(default_factory=list)


class InvalidContact(_Strict):
    domains: list[str] = Field(default_factory=list)
    local_parts: list[str] = Field(default_factory=list)


class StudentOrPersonal(_Strict):
    free_mail_domains: list[str] = Field(default_factory=list)
    # false: free-mail addresses are not a reason to disqualify (a business selling to
    # people); the list still tells which addresses name no company
    disqualify_free_mail: bool = True
    student_domains: list[str] = Field(default_factory=list)
    student_title_keywords: list[str] = Field(default_factory=list)


class Exclusions(_Strict):
    competitor: Competitor = Field(default_factory=Competitor)
    invalid_contact: InvalidContact = Field(default_factory=InvalidContact)
    student_or_personal: StudentOrPersonal = Field(default_factory=StudentOrPersonal)


# Standard fields a fit criterion or an attribute rule may use: the column of the profiled
# lead (int_leads_profiled) that holds the lead's value, and its kind.
STANDARD_FIELDS: dict[str, tuple[str, str]] = {
    "industry": ("industry_as_exported", "text"),
    "employees": ("employees", "number"),
    "annual_revenue": ("annual_revenue_usd", "number"),
    "country": ("lead_country_code", "text"),
    "job_title": ("job_title", "text"),
    "persona": ("persona", "text"),
    "company_name": ("account_name", "text"),
    "email_domain": ("email_domain", "text"),
    "website": ("website_domain", "text"),
    "phone": ("phone", "text"),
    "lead_source": ("first_touch_lead_source", "text"),
    "source_detail": ("first_touch_source_detail", "text"),
    "source_type": ("first_touch_source_type", "text"),
    "utm_source": ("first_touch_utm_source", "text"),
    "utm_medium": ("first_touch_utm_medium", "text"),
    "utm_campaign": ("first_touch_campaign", "text"),
}

# Names `required_firmographics` accepts besides attributes: the columns of the profiled
# lead that must not all be null, and the label a reason uses for a missing one.
REQUIRED_FIELDS: dict[str, tuple[tuple[str, ...], str]] = {
    "industry": (("industry_key",), "industry"),
    "company_size": (("employees", "annual_revenue_usd"), "company size"),
    "employees": (("employees",), "employees"),
    "annual_revenue": (("annual_revenue_usd",), "annual revenue"),
    "country": (("lead_country_code",), "country"),
    "persona": (("persona",), "persona (job title)"),
    "job_title": (("job_title",), "job title"),
    "company_name": (("account_name",), "company name"),
}

_TRUE = ("true", "yes", "y", "1")
_FALSE = ("false", "no", "n", "0")


def attribute_column(name: str) -> str:
    """The column of an attribute's resolved, typed value in the intermediate models."""
    return f"attr__{name}"


def _field_kind(field: str, attributes: dict[str, str] | None) -> str | None:
    """The kind of a criterion's field, None when unknown (attributes None: not checked)."""
    if field in STANDARD_FIELDS:
        return STANDARD_FIELDS[field][1]
    if attributes is None:
        return "text"
    return attributes.get(field)


def _known_fields(attributes: dict[str, str] | None) -> str:
    names = [*STANDARD_FIELDS, *(f"{a} (attribute)" for a in attributes or {})]
    return ", ".join(names)


class PointsBand(_Strict):
    """An inclusive numeric band (either end may be open) and its points."""

    min: float | None = None
    max: float | None = None
    points: int = Field(ge=-100, le=100)

    @model_validator(mode="after")
    def _ordered(self) -> PointsBand:
        if self.min is None and self.max is None:
            raise ValueError("a band needs min, max or both")
        if self.min is not None and self.max is not None and self.max < self.min:
            raise ValueError(f"band max {self.max} is below min {self.min}")
        return self


class KeywordRule(_Keywords):
    """Points when one of the keywords appears in the text as a whole word."""

    name: str | None = None
    points: int = Field(ge=-100, le=100)


class PointsRule(_Strict):
    """Points from one field or attribute of a lead: per value (case-insensitive), by
    numeric band, or by keywords (the first rule with a matching keyword wins); `default`
    for any other value, `missing` when the lead has none."""

    name: str = Field(min_length=1, max_length=80)
    field: str = Field(min_length=1)
    values: dict[str, int] = Field(default_factory=dict)
    bands: list[PointsBand] = Field(default_factory=list)
    keywords: list[KeywordRule] = Field(default_factory=list)
    default: int = Field(default=0, ge=-100, le=100)
    missing: int = Field(default=0, ge=-100, le=100)

    @field_validator("values", mode="before")
    @classmethod
    def _text_keys(cls, value: Any) -> Any:
        """YAML reads `true:` and `5:` as a boolean and a number; compare their text."""
        if isinstance(value, dict):
            return {
                (str(k).lower() if isinstance(k, bool) else str(k)): v for k, v in value.items()
            }
        return value

    @field_validator("values")
    @classmethod
    def _points(cls, value: dict[str, int]) -> dict[str, int]:
        bad = {k: v for k, v in value.items() if not -100 <= v <= 100}
        if bad:
            raise ValueError(f"points must be within -100..100: {bad}")
        return value

    @model_validator(mode="after")
    def _one_kind(self, info: ValidationInfo) -> PointsRule:
        given = [k for k in ("values", "bands", "keywords") if getattr(self, k)]
        if len(given) > 1:
            raise ValueError(f"{self.name!r}: use one of values, bands or keywords, not {given}")
        attributes = (info.context or {}).get("attributes")
        if attributes is None and self.field not in STANDARD_FIELDS:
            return self  # an attribute, its type unknown here: checked where profiles are
        kind = _field_kind(self.field, attributes)
        if kind is None:
            raise ValueError(
                f"{self.name!r}: unknown field or attribute {self.field!r} (known: "
                f"{_known_fields(attributes)}; attributes come from the mapping profiles)"
            )
        if self.bands and kind != "number":
            raise ValueError(f"{self.name!r}: bands need a number field; {self.field} is {kind}")
        if self.keywords and kind != "text":
            raise ValueError(f"{self.name!r}: keywords need a text field; {self.field} is {kind}")
        for key in self.values:
            if kind == "number" and _number(key) is None:
                raise ValueError(f"{self.name!r}: {key!r} is not a number ({self.field} is one)")
            if kind == "boolean" and key.lower() not in (*_TRUE, *_FALSE):
                raise ValueError(f"{self.name!r}: {key!r} is not true or false")
        return self

    def dbt_var(self, attributes: dict[str, str]) -> dict[str, Any]:
        """The rule as the dbt macros read it: the column to read, its kind, clean values."""
        if self.field in STANDARD_FIELDS:
            column, kind = STANDARD_FIELDS[self.field]
        elif self.field in attributes:
            column, kind = attribute_column(self.field), attributes[self.field]
        else:
            raise ConfigurationError(f"{self.name!r}: unknown field or attribute {self.field!r}")
        values = []
        for key, points in self.values.items():
            if kind == "number":
                value: Any = _number(key)
            elif kind == "boolean":
                value = "true" if key.lower() in _TRUE else "false"
            else:
                value = key.strip().lower()
            values.append({"value": value, "points": points})
        data = self.model_dump()
        known_at = f"{column}__known_at" if self.field not in STANDARD_FIELDS else None
        data.update(column=column, kind=kind, values=values, known_at=known_at)
        return data


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


class FitCriterion(PointsRule):
    """A fit criterion of the ICP (``criteria:``), optionally in a capped group."""

    group: str | None = None


class Group(_Strict):
    cap: int = Field(ge=0, le=100)


class IcpConfig(_Strict):
    """The Ideal Customer Profile (``config/icp.yml``).

    Every section but ``fit_threshold`` is optional. ``criteria`` score any standard field
    or attribute; the older sections (territory, industries, company_size, personas) keep
    scoring as they always did. Validate with ``context={"attributes": {name: type}}`` to
    check the attribute names it uses against the mapping profiles.
    """

    fit_threshold: int = Field(ge=0, le=100)
    required_firmographics: list[str] = Field(default_factory=list)
    # which value wins when the contact and its company (enrichment by domain) both have one
    firmographics_precedence: Literal["contact", "company"] = "contact"
    territory: Territory | None = None
    industries: dict[str, int] = Field(default_factory=dict)
    company_size: CompanySize = Field(default_factory=CompanySize)
    personas: list[Persona] = Field(default_factory=list)
    criteria: list[FitCriterion] = Field(default_factory=list)
    groups: dict[str, Group] = Field(default_factory=dict)
    exclusions: Exclusions = Field(default_factory=Exclusions)

    @field_validator("required_firmographics")
    @classmethod
    def _firmographics(cls, value: list[str], info: ValidationInfo) -> list[str]:
        attributes = (info.context or {}).get("attributes")
        unknown = [
            r
            for r in value
            if r not in REQUIRED_FIELDS and (attributes is not None and r not in attributes)
        ]
        if unknown:
            raise ValueError(
                f"unknown fields or attributes {unknown} (known: {', '.join(REQUIRED_FIELDS)}"
                f"{', attributes ' + ', '.join(attributes) if attributes else ''})"
            )
        return value

    @model_validator(mode="after")
    def _criteria(self) -> IcpConfig:
        names = [c.name for c in self.criteria]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"criteria names must be unique: {twice}")
        undeclared = sorted({c.group for c in self.criteria if c.group} - set(self.groups))
        if undeclared:
            raise ValueError(f"criteria groups {undeclared} are not declared under groups")
        return self

    @field_validator("industries")
    @classmethod
    def _industry_points(cls, value: dict[str, int]) -> dict[str, int]:
        bad = {k: v for k, v in value.items() if not 0 <= v <= 100}
        if bad:
            raise ValueError(f"industry points must be within 0..100: {bad}")
        return value

    def dbt_var(self, attributes: dict[str, str] | None = None) -> dict[str, Any]:
        """The form the dbt models read through ``var('icp')``: lower-case keys and domains,
        criteria and required fields resolved to the columns that hold them."""
        attributes = attributes or {}
        data = self.model_dump()
        data["industries"] = {k.strip().lower(): v for k, v in self.industries.items()}
        for group in data["exclusions"].values():
            for key, items in group.items():
                if isinstance(items, list):
                    clean = normalise_words if key.endswith("keywords") else str.lower
                    group[key] = [clean(str(i).strip()) for i in items]
        data["criteria"] = [
            {**c.dbt_var(attributes), "index": i} for i, c in enumerate(self.criteria, start=1)
        ]
        data["required"] = []
        for name in self.required_firmographics:
            if name in REQUIRED_FIELDS:
                columns, label = REQUIRED_FIELDS[name]
                data["required"].append({"name": name, "label": label, "columns": list(columns)})
            elif name in attributes:
                column = attribute_column(name)
                data["required"].append(
                    {"name": name, "label": name, "columns": [column], "attribute": True}
                )
            else:
                raise ConfigurationError(f"required_firmographics: unknown field {name!r}")
        return data


def _load(model: type[_Model], path: Path, attributes: dict[str, str] | None = None) -> _Model:
    """Read a YAML file and validate it with ``model`` (checking the attribute names it uses
    against ``attributes``); errors name the file, line and key."""
    return load_model(model, path, "invalid configuration", context={"attributes": attributes})


def load_icp(config_dir: Path, attributes: dict[str, str] | None = None) -> IcpConfig:
    """Read and validate ``icp.yml`` from ``config_dir``; with ``attributes`` (name -> type,
    from the mapping profiles) the attribute names it uses are checked too."""
    return _load(IcpConfig, config_dir / "icp.yml", attributes)


class ScoringRule(_Strict):
    """Points for events of one type that meet the rule's conditions."""

    name: str = Field(min_length=1)
    event_type: str
    points: int = Field(ge=-100, le=100)
    cap: int | None = None
    url_contains: list[str] = Field(default_factory=list)
    min_duration_seconds: int | None = Field(default=None, ge=0)
    min_minutes_attended: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _cap_sign(self) -> ScoringRule:
        if self.cap is not None and (
            self.cap * self.points < 0 or abs(self.cap) < abs(self.points)
        ):
            raise ValueError(
                f"rule {self.name!r}: cap {self.cap} must have the sign of points {self.points} "
                "and be at least as large"
            )
        return self


class Consent(_Strict):
    require_explicit: bool = True


class AttributeRule(PointsRule):
    """Engagement points from a lead's attribute (or standard field), ``attribute_rules:``.

    The points count from the day the lead's value was first recorded (its contact record's
    capture time) in every later window, as long as the lead has the value: an attribute
    describes the lead now, it does not age like an event.
    """

    cap: int | None = Field(default=None, ge=-100, le=100)


class ScoringConfig(_Strict):
    """Engagement scoring and the MQL threshold (``config/scoring.yml``)."""

    window_days: int = Field(ge=1, le=3650)
    mql_threshold: int = Field(ge=1)
    # event types beyond the built-in ones: events of other types are quarantined
    event_types: list[str] = Field(default_factory=list)
    hand_raise: list[str] = Field(default_factory=list)
    consent: Consent = Field(default_factory=Consent)
    rules: list[ScoringRule] = Field(min_length=1)
    attribute_rules: list[AttributeRule] = Field(default_factory=list)

    @field_validator("event_types")
    @classmethod
    def _declared(cls, value: list[str]) -> list[str]:
        from flows.entities import EVENT_TYPES

        bad = [t for t in value if not re.fullmatch(r"[a-z][a-z0-9_]{0,62}", t)]
        if bad:
            raise ValueError(f"event types must be lower-case names (a-z, 0-9, _): {bad}")
        built_in = [t for t in value if t in EVENT_TYPES]
        if built_in:
            raise ValueError(f"{built_in} are built in already; list only other types")
        return list(dict.fromkeys(value))

    @model_validator(mode="after")
    def _unique_names(self) -> ScoringConfig:
        names = [r.name for r in [*self.rules, *self.attribute_rules]]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"rule names must be unique (rules and attribute_rules): {twice}")
        known = self.all_event_types()
        for rule in self.rules:
            if rule.event_type not in known:
                raise ValueError(
                    f"rule {rule.name!r}: unknown event type {rule.event_type!r}; known: "
                    f"{', '.join(known)} (declare others under event_types)"
                )
        unknown = [t for t in self.hand_raise if t not in known]
        if unknown:
            raise ValueError(f"unknown hand-raise event types: {unknown}")
        return self

    def all_event_types(self) -> list[str]:
        """The built-in event types, then the declared ones."""
        from flows.entities import EVENT_TYPES

        return [*EVENT_TYPES, *self.event_types]

    def dbt_var(self, attributes: dict[str, str] | None = None) -> dict[str, Any]:
        """The form the dbt models read through ``var('scoring')``."""
        data = self.model_dump()
        data["rules"] = self._rules_var()
        data["all_event_types"] = self.all_event_types()
        data["attribute_rules"] = [r.dbt_var(attributes or {}) for r in self.attribute_rules]
        return data

    def _rules_var(self) -> list[dict[str, Any]]:
        rules = [r.model_dump() for r in self.rules]
        for rule in rules:
            rule["url_contains"] = [u.lower() for u in rule["url_contains"]]
        return rules

    def fingerprint(self) -> str:
        """A hash of the rules: scored events are rebuilt when it changes."""
        import hashlib
        import json

        rules = json.dumps(self._rules_var(), sort_keys=True)
        return hashlib.sha256(rules.encode()).hexdigest()[:16]


def load_scoring(config_dir: Path, attributes: dict[str, str] | None = None) -> ScoringConfig:
    """Read and validate ``scoring.yml`` from ``config_dir`` (``attributes``: see load_icp)."""
    return _load(ScoringConfig, config_dir / "scoring.yml", attributes)


class Criterion(_Strict):
    """One criterion of a qualification framework, answered in discovery calls."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    answer: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    required: bool = True
    within_months: int | None = Field(default=None, ge=1)
    description: str | None = None


class Framework(_Strict):
    description: str | None = None
    criteria: list[Criterion] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> Framework:
        names = [c.name for c in self.criteria]
        if len(set(names)) != len(names):
            raise ValueError(f"criterion names must be unique: {names}")
        if not any(c.required for c in self.criteria):
            raise ValueError("at least one criterion must be required")
        return self


class StallDays(_Strict):
    mql: int = Field(default=30, ge=1)
    sal: int = Field(default=90, ge=1)


# The dbt project has one model per nurture cycle (int_lead_cycle_1 ... int_lead_cycle_6, see
# dbt_project/macros/lead_cycles.sql, whose lead_cycle_cap() is the same number).
MAX_CYCLES_CAP = 6


class Recycle(_Strict):
    reasons: list[str] = Field(default_factory=list)
    after_days: int = Field(default=180, ge=1)
    max_cycles: int = Field(default=4, ge=1)

    @field_validator("max_cycles")
    @classmethod
    def _within_cap(cls, value: int) -> int:
        if value > MAX_CYCLES_CAP:
            raise ValueError(
                f"{value} cycles: at most {MAX_CYCLES_CAP}, one dbt model per cycle "
                f"(int_lead_cycle_1 ... int_lead_cycle_{MAX_CYCLES_CAP})"
            )
        return value

    @field_validator("reasons")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        from flows.entities import DISQUALIFICATION_REASONS

        unknown = [r for r in value if r not in DISQUALIFICATION_REASONS]
        if unknown:
            raise ValueError(
                f"unknown reasons {unknown}; known: {', '.join(DISQUALIFICATION_REASONS)}"
            )
        return value


class QualificationConfig(_Strict):
    """The sales hand-off: frameworks, SLA, stalls and recycling (``config/qualification.yml``)."""

    framework: str
    frameworks: dict[str, Framework] = Field(min_length=1)
    sla_first_contact_hours: float = Field(default=24, gt=0)
    stall_after_days: StallDays = Field(default_factory=StallDays)
    recycle: Recycle = Field(default_factory=Recycle)
    currencies: list[str] = Field(min_length=1)

    @model_validator(mode="after")
    def _chosen(self) -> QualificationConfig:
        if self.framework not in self.frameworks:
            raise ValueError(
                f"framework {self.framework!r} is not defined; defined: {sorted(self.frameworks)}"
            )
        bad = [c for c in self.currencies if len(c) != 3 or not c.isalpha()]
        if bad:
            raise ValueError(f"not ISO 4217 currency codes: {bad}")
        self.currencies = [c.upper() for c in self.currencies]
        return self

    @property
    def criteria(self) -> list[Criterion]:
        """The criteria of the framework in use."""
        return self.frameworks[self.framework].criteria

    def dbt_var(self) -> dict[str, Any]:
        """The form the dbt models read through ``var('qualification')``."""
        return {
            "framework": self.framework,
            "criteria": [c.model_dump() for c in self.criteria],
            "sla_first_contact_hours": self.sla_first_contact_hours,
            "stall_after_days": self.stall_after_days.model_dump(),
            "recycle": self.recycle.model_dump(),
            "currencies": self.currencies,
        }


def load_qualification(config_dir: Path) -> QualificationConfig:
    """Read and validate ``qualification.yml`` from ``config_dir``."""
    return _load(QualificationConfig, config_dir / "qualification.yml")


class FunnelConfig(_Strict):
    """How the funnel metrics are computed (``config/funnel.yml``)."""

    maturity_days: int = Field(default=90, ge=1, le=3650)
    bottleneck_p90_multiplier: float = Field(default=1.0, gt=0)
    bottleneck_active_days: int = Field(default=30, ge=1, le=3650)
    forecast_z: float = Field(default=1.96, gt=0, le=5)

    def dbt_var(self) -> dict[str, Any]:
        """The form the dbt models read through ``var('funnel')``."""
        return self.model_dump()


def load_funnel(config_dir: Path) -> FunnelConfig:
    """Read and validate ``funnel.yml`` from ``config_dir``."""
    return _load(FunnelConfig, config_dir / "funnel.yml")


class ReaderRole(_Strict):
    """A database role that may read some published tables."""

    description: str = ""
    tables: list[str] = Field(min_length=1)

    @field_validator("tables")
    @classmethod
    def _names(cls, value: list[str]) -> list[str]:
        bad = [t for t in value if not re.fullmatch(r"[a-z_][a-z0-9_*]*", t)]
        if bad:
            raise ValueError(f"not table names or patterns (a-z, 0-9, _ and *): {bad}")
        return value

    def covers(self, table: str) -> bool:
        """Whether ``table`` (a name in schema marts) is one this role may read."""
        return any(fnmatch.fnmatchcase(table, pattern) for pattern in self.tables)


class AccessConfig(_Strict):
    """Reader roles of a shared warehouse (``config/access.yml``)."""

    roles: dict[str, ReaderRole] = Field(default_factory=dict)

    @field_validator("roles")
    @classmethod
    def _role_names(cls, value: dict[str, ReaderRole]) -> dict[str, ReaderRole]:
        bad = [name for name in value if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", name)]
        if bad:
            raise ValueError(f"role names must be lower-case SQL identifiers: {bad}")
        return value

    def grants(self, tables: list[str]) -> dict[str, list[str]]:
        """For each role, the tables of ``tables`` it may read."""
        return {name: [t for t in tables if role.covers(t)] for name, role in self.roles.items()}


def load_access(config_dir: Path) -> AccessConfig:
    """Read and validate ``access.yml`` from ``config_dir``; no file: no reader roles."""
    path = config_dir / "access.yml"
    return _load(AccessConfig, path) if path.exists() else AccessConfig()


def dbt_variables(config_dir: Path, attributes: dict[str, str] | None = None) -> dict[str, Any]:
    """Every configuration file in ``config_dir``, in the form dbt reads (``--vars``).

    ``attributes`` (name -> type) are the attributes the mapping profiles define (see
    flows.mapping.attribute_types); by default those of the shipped profiles.
    """
    from flows.handoff.config import load_handoff  # handoff.config builds on this module

    if attributes is None:
        from flows.mapping import attribute_types, load_profiles
        from flows.settings import MAPPINGS_DIR

        attributes = attribute_types(load_profiles(MAPPINGS_DIR))
    icp = load_icp(config_dir, attributes)
    scoring = load_scoring(config_dir, attributes)
    return {
        "icp": icp.dbt_var(attributes),
        "scoring": scoring.dbt_var(attributes),
        "attributes": attributes,
        "qualification": load_qualification(config_dir).dbt_var(),
        "funnel": load_funnel(config_dir).dbt_var(),
        "scoring_fingerprint": scoring.fingerprint(),
        "handoff": load_handoff(config_dir, attributes).routing.dbt_var(attributes),
    }

"""Configuration files that marketing ops edit, validated before anything runs.

``config/icp.yml`` holds the Ideal Customer Profile. It is passed to dbt as the ``icp``
variable, so the SQL that scores leads is generated from the file, not written by hand.
"""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

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


class Persona(_Strict):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    points: int = Field(ge=0, le=100)
    keywords: list[str] = Field(min_length=1)

    @field_validator("keywords")
    @classmethod
    def _lower(cls, value: list[str]) -> list[str]:
        return [normalise_words(k) for k in value if normalise_words(k)]


class Competitor(_Strict):
    domains: list[str] = Field(default_factory=list)


class InvalidContact(_Strict):
    domains: list[str] = Field(default_factory=list)
    local_parts: list[str] = Field(default_factory=list)


class StudentOrPersonal(_Strict):
    free_mail_domains: list[str] = Field(default_factory=list)
    student_domains: list[str] = Field(default_factory=list)
    student_title_keywords: list[str] = Field(default_factory=list)


class Exclusions(_Strict):
    competitor: Competitor = Field(default_factory=Competitor)
    invalid_contact: InvalidContact = Field(default_factory=InvalidContact)
    student_or_personal: StudentOrPersonal = Field(default_factory=StudentOrPersonal)


class IcpConfig(_Strict):
    """The Ideal Customer Profile (``config/icp.yml``)."""

    fit_threshold: int = Field(ge=0, le=100)
    required_firmographics: list[Literal["industry", "company_size", "country", "persona"]]
    territory: Territory
    industries: dict[str, int]
    company_size: CompanySize
    personas: list[Persona]
    exclusions: Exclusions = Field(default_factory=Exclusions)

    @field_validator("required_firmographics")
    @classmethod
    def _firmographics(cls, value: list[str]) -> list[str]:
        missing = [r for r in ("industry", "company_size") if r not in value]
        if missing:
            raise ValueError(
                f"must include {missing}: a profiled lead always has an industry and a size"
            )
        return value

    @field_validator("industries")
    @classmethod
    def _industry_points(cls, value: dict[str, int]) -> dict[str, int]:
        bad = {k: v for k, v in value.items() if not 0 <= v <= 100}
        if bad:
            raise ValueError(f"industry points must be within 0..100: {bad}")
        return value

    def dbt_var(self) -> dict[str, Any]:
        """The form the dbt models read through ``var('icp')``: lower-case keys and domains."""
        data = self.model_dump()
        data["industries"] = {k.strip().lower(): v for k, v in self.industries.items()}
        for group in data["exclusions"].values():
            for key, items in group.items():
                clean = normalise_words if key.endswith("keywords") else str.lower
                group[key] = [clean(str(i).strip()) for i in items]
        return data


def _load(model: type[_Model], path: Path) -> _Model:
    """Read a YAML file and validate it with ``model``; errors name the file, line and key."""
    return load_model(model, path, "invalid configuration")


def load_icp(config_dir: Path) -> IcpConfig:
    """Read and validate ``icp.yml`` from ``config_dir``."""
    return _load(IcpConfig, config_dir / "icp.yml")


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

    @field_validator("event_type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        from flows.entities import EVENT_TYPES

        if value not in EVENT_TYPES:
            raise ValueError(f"unknown event type {value!r}; known: {', '.join(EVENT_TYPES)}")
        return value


class Consent(_Strict):
    require_explicit: bool = True


class ScoringConfig(_Strict):
    """Engagement scoring and the MQL threshold (``config/scoring.yml``)."""

    window_days: int = Field(ge=1, le=3650)
    mql_threshold: int = Field(ge=1)
    hand_raise: list[str] = Field(default_factory=list)
    consent: Consent = Field(default_factory=Consent)
    rules: list[ScoringRule] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_names(self) -> ScoringConfig:
        names = [r.name for r in self.rules]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"rule names must be unique: {twice}")
        from flows.entities import EVENT_TYPES

        unknown = [t for t in self.hand_raise if t not in EVENT_TYPES]
        if unknown:
            raise ValueError(f"unknown hand-raise event types: {unknown}")
        return self

    def dbt_var(self) -> dict[str, Any]:
        """The form the dbt models read through ``var('scoring')``."""
        data = self.model_dump()
        for rule in data["rules"]:
            rule["url_contains"] = [u.lower() for u in rule["url_contains"]]
        return data

    def fingerprint(self) -> str:
        """A hash of the rules: scored events are rebuilt when it changes."""
        import hashlib
        import json

        rules = json.dumps(self.dbt_var()["rules"], sort_keys=True)
        return hashlib.sha256(rules.encode()).hexdigest()[:16]


def load_scoring(config_dir: Path) -> ScoringConfig:
    """Read and validate ``scoring.yml`` from ``config_dir``."""
    return _load(ScoringConfig, config_dir / "scoring.yml")


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


def dbt_variables(config_dir: Path) -> dict[str, Any]:
    """Every configuration file in ``config_dir``, in the form dbt reads (``--vars``)."""
    from flows.handoff.config import load_handoff  # handoff.config builds on this module

    icp = load_icp(config_dir)
    scoring = load_scoring(config_dir)
    return {
        "icp": icp.dbt_var(),
        "scoring": scoring.dbt_var(),
        "qualification": load_qualification(config_dir).dbt_var(),
        "funnel": load_funnel(config_dir).dbt_var(),
        "scoring_fingerprint": scoring.fingerprint(),
        "handoff": load_handoff(config_dir).routing.dbt_var(),
    }

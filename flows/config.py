"""Configuration files that marketing ops edit, validated before anything runs.

``config/icp.yml`` holds the Ideal Customer Profile. It is passed to dbt as the ``icp``
variable, so the SQL that scores leads is generated from the file, not written by hand.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from flows.settings import ConfigurationError

# ASCII punctuation and white space: the separators the SQL side turns into single spaces.
_SEPARATORS = re.compile(r"[\s!-/:-@\[-`{-~]+")


def normalise_words(text: str) -> str:
    """Lower-case, punctuation as spaces, single spaces: how job titles are compared."""
    return _SEPARATORS.sub(" ", text.lower()).strip()


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


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


def _read_yaml(path: Path) -> Any:
    if not path.is_file():
        raise ConfigurationError(f"{path}: configuration file not found")
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigurationError(f"{path}: not valid YAML: {exc}") from exc


def _explain(path: Path, exc: ValidationError) -> ConfigurationError:
    lines = [
        f"  {'.'.join(str(p) for p in err['loc']) or '(top)'}: {err['msg']}" for err in exc.errors()
    ]
    return ConfigurationError(f"{path}: invalid configuration\n" + "\n".join(lines))


def load_icp(config_dir: Path) -> IcpConfig:
    """Read and validate ``icp.yml`` from ``config_dir``."""
    path = config_dir / "icp.yml"
    try:
        return IcpConfig.model_validate(_read_yaml(path))
    except ValidationError as exc:
        raise _explain(path, exc) from None

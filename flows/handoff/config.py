"""``config/handoff.yml``: whether ``leadflow run`` hands MQLs to sales, where they go, and
who owns them (routing rules, validated here and turned into SQL by dbt's ``lead_owner``
macro)."""

from __future__ import annotations

import difflib
import os
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, ValidationInfo, model_validator

from flows.config import _FALSE, _TRUE, _load, _Strict, attribute_column
from flows.settings import ConfigurationError
from flows.yamlfile import did_you_mean

HANDOFF_FILE = "handoff.yml"
WEBHOOK_URL_ENV = "LEADFLOW_HANDOFF_WEBHOOK_URL"
SECRET_ENV = "LEADFLOW_HANDOFF_SECRET"
SECRET_BLOCK_ENV = "LEADFLOW_HANDOFF_SECRET_BLOCK"
CRMS = ("hubspot", "salesforce", "zoho")

# Lead fields a rule may test: the name in handoff.yml -> (its column in the MQL cycles,
# int_lead_mql_cycles; its kind). A rule may also name any attribute of the mapping profiles
# (column attr__<name>, its declared type), as icp.yml's criteria do; a field wins over an
# attribute of the same name.
ROUTING_FIELDS: dict[str, tuple[str, str]] = {
    "country_code": ("lead_country_code", "text"),
    "industry": ("industry_as_exported", "text"),
    "persona": ("persona", "text"),
    "job_title": ("job_title", "text"),
    "company_domain": ("company_domain", "text"),
    "mql_reason": ("mql_reason", "text"),
    "first_touch_source_type": ("first_touch_source_type", "text"),
    "last_touch_source_type": ("last_touch_source_type", "text"),
    "employees": ("employees", "number"),
    "annual_revenue_usd": ("annual_revenue_usd", "number"),
    "fit_score": ("fit_score", "number"),
    "engagement_score": ("engagement_score", "number"),
}
# Kinds compared with a list of values; the others (number, date) with a range.
LISTED_KINDS = ("text", "boolean")


def _attributes(info: ValidationInfo) -> dict[str, str]:
    """The attributes (name -> type) given as validation context; none without one."""
    return (info.context or {}).get("attributes") or {}


def routing_column(key: str, attributes: dict[str, str]) -> tuple[str, str] | None:
    """(column, kind) of a field or attribute a rule names, None when it names neither."""
    if key in ROUTING_FIELDS:
        return ROUTING_FIELDS[key]
    if key in attributes:
        return attribute_column(key), attributes[key]
    return None


def _known_key(key: str, info: ValidationInfo) -> str:
    """A key of ``when``: a routing field or an attribute of the mapping profiles."""
    attributes = _attributes(info)
    if routing_column(key, attributes) is None:
        known = [*ROUTING_FIELDS, *attributes]
        attributes_named = ", ".join(attributes) or "none"
        raise ValueError(
            f"unknown field or attribute {key!r}{did_you_mean(key, known)}; fields: "
            f"{', '.join(ROUTING_FIELDS)}; attributes of the mapping profiles: {attributes_named}"
        )
    return key


class Range(_Strict):
    """An inclusive range of numbers or of dates; either end may be open."""

    min: float | date | None = None
    max: float | date | None = None

    @model_validator(mode="after")
    def _ends(self) -> Range:
        ends = [v for v in (self.min, self.max) if v is not None]
        if not ends:
            raise ValueError("a range needs min, max or both")
        if len({isinstance(v, date) for v in ends}) > 1:
            raise ValueError("min and max must both be numbers or both dates")
        if len(ends) == 2 and self.max < self.min:  # type: ignore[operator]
            raise ValueError(f"max {self.max} is below min {self.min}")
        return self

    @property
    def kind(self) -> str:
        """``date`` when the ends are dates, else ``number``."""
        return "date" if isinstance(self.min or self.max, date) else "number"


class Rule(_Strict):
    """Leads matching every condition of ``when`` go to ``owner``, or take turns in ``team``.
    ``when`` maps a lead field or an attribute to a list of values (text, boolean) or a
    range (number, date); validate with ``context={"attributes": {name: type}}`` to allow
    the attributes of the mapping profiles."""

    name: str = Field(pattern=r"^[A-Za-z0-9_\- ]+$")
    when: dict[
        Annotated[str, AfterValidator(_known_key)], list[bool | str | int | float] | Range
    ] = Field(min_length=1)
    owner: str | None = None
    team: str | None = None

    @model_validator(mode="after")
    def _target(self, info: ValidationInfo) -> Rule:
        if (self.owner is None) == (self.team is None):
            raise ValueError(f"rule {self.name!r}: give exactly one of owner or team")
        attributes = _attributes(info)
        for key, condition in self.when.items():
            _, kind = routing_column(key, attributes) or ("", "text")
            if kind in LISTED_KINDS and isinstance(condition, Range):
                raise ValueError(f"rule {self.name!r}: {key} is {kind}: give a list of values")
            if kind not in LISTED_KINDS and not isinstance(condition, Range):
                raise ValueError(
                    f"rule {self.name!r}: {key} is a {kind}: give a range {{min, max}}"
                )
            if isinstance(condition, Range) and condition.kind != kind:
                raise ValueError(f"rule {self.name!r}: {key} is a {kind}: give {kind}s as min, max")
            if kind == "boolean":
                bad = [v for v in condition if str(v).lower() not in (*_TRUE, *_FALSE)]  # type: ignore[union-attr]
                if bad:
                    raise ValueError(
                        f"rule {self.name!r}: {key} is boolean: {bad} not true or false"
                    )
        return self

    def conditions(self, attributes: dict[str, str]) -> list[dict[str, Any]]:
        """The conditions as dbt's ``routing_condition`` macro reads them: the column of the
        MQL cycles, its kind, and the lower-case values or the range's ends."""
        found = []
        for key, condition in self.when.items():
            resolved = routing_column(key, attributes)
            if resolved is None:
                raise ConfigurationError(f"rule {self.name!r}: unknown field or attribute {key!r}")
            column, kind = resolved
            if isinstance(condition, Range):
                ends = {"min": condition.min, "max": condition.max}
                if kind == "date":
                    ends = {k: v.isoformat() if v else None for k, v in ends.items()}
                found.append({"column": column, "kind": kind, **ends})
            elif kind == "boolean":
                values = ["true" if str(v).lower() in _TRUE else "false" for v in condition]
                found.append({"column": column, "kind": kind, "any_of": values})
            else:
                found.append(
                    {"column": column, "kind": kind, "any_of": [str(v).lower() for v in condition]}
                )
        return found


class Routing(_Strict):
    """Teams (name -> members) and ordered rules; the first rule that matches wins."""

    teams: dict[str, list[str]] = Field(default_factory=dict)
    rules: list[Rule] = Field(default_factory=list)
    default_owner: str | None = None
    default_team: str | None = None

    @model_validator(mode="after")
    def _teams_known(self) -> Routing:
        for name, members in self.teams.items():
            if not members:
                raise ValueError(f"team {name!r} has no members")
        wanted = [(f"rule {r.name!r}", r.team) for r in self.rules if r.team]
        wanted.append(("default_team", self.default_team))
        for where, team in wanted:
            if team is not None and team not in self.teams:
                close = difflib.get_close_matches(team, self.teams, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise ValueError(f"{where}: no team {team!r}{hint}")
        if self.default_owner and self.default_team:
            raise ValueError("give default_owner or default_team, not both")
        names = [r.name for r in self.rules]
        if len(names) != len(set(names)):
            raise ValueError("rule names must be unique")
        return self

    def dbt_var(self, attributes: dict[str, str] | None = None) -> dict[str, Any]:
        """The routing as dbt's ``lead_owner`` macro reads it (``attributes``: name -> type,
        those of the mapping profiles)."""
        rules = []
        for rule in self.rules:
            conditions = rule.conditions(attributes or {})
            target = {"owner": rule.owner} if rule.owner else {"team": rule.team}
            rules.append({"name": rule.name, "conditions": conditions, **target})
        default = None
        if self.default_owner:
            default = {"name": "default", "owner": self.default_owner}
        elif self.default_team:
            default = {"name": "default", "team": self.default_team}
        return {"rules": rules, "teams": self.teams, "default": default}


class Webhook(_Strict):
    """The receiving endpoint and how hard to try."""

    url: str | None = None
    secret_block: str | None = None
    batch_size: int = Field(default=1, ge=1, le=1000)
    max_attempts: int = Field(default=6, ge=1, le=50)
    backoff_seconds: list[float] = Field(default_factory=lambda: [1, 2, 5, 15, 30], min_length=1)
    timeout_seconds: float = Field(default=10, gt=0)

    @model_validator(mode="after")
    def _non_negative(self) -> Webhook:
        if any(s < 0 for s in self.backoff_seconds):
            raise ValueError("backoff_seconds must not be negative")
        return self


class HandoffConfig(_Strict):
    """``config/handoff.yml``."""

    enabled: bool = False
    channel: Literal["webhook", "hubspot", "salesforce", "zoho"] = "webhook"
    webhook: Webhook = Field(default_factory=Webhook)
    crm_out: str = "handoffs"
    routing: Routing = Field(default_factory=Routing)

    def webhook_url(self, override: str | None = None) -> str | None:
        """--webhook-url, else LEADFLOW_HANDOFF_WEBHOOK_URL, else ``webhook.url``."""
        return override or os.environ.get(WEBHOOK_URL_ENV) or self.webhook.url

    def secret(self) -> bytes | None:
        """The signing secret: LEADFLOW_HANDOFF_SECRET, else the Prefect Secret block named by
        LEADFLOW_HANDOFF_SECRET_BLOCK or ``webhook.secret_block``; None when neither is set."""
        value = os.environ.get(SECRET_ENV)
        if value:
            return value.encode("utf-8")
        block = os.environ.get(SECRET_BLOCK_ENV) or self.webhook.secret_block
        if not block:
            return None
        from prefect.blocks.system import Secret

        try:
            return str(Secret.load(block).get()).encode("utf-8")
        except ValueError as exc:
            raise ConfigurationError(
                f"hand-off secret: no such Prefect Secret block {block!r} ({exc})"
            ) from None


def load_handoff(config_dir: Path, attributes: dict[str, str] | None = None) -> HandoffConfig:
    """``handoff.yml`` of ``config_dir``; the defaults (hand-off off, no routing) without one.
    Rules may name the ``attributes`` (name -> type; by default those of the shipped mapping
    profiles, see flows.mapping.attribute_types)."""
    path = config_dir / HANDOFF_FILE
    if not path.is_file():
        return HandoffConfig()
    if attributes is None:
        from flows.mapping import attribute_types, load_profiles
        from flows.settings import MAPPINGS_DIR

        attributes = attribute_types(load_profiles(MAPPINGS_DIR))
    return _load(HandoffConfig, path, attributes)

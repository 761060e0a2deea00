"""``config/handoff.yml``: whether ``leadflow run`` hands MQLs to sales, where they go, and
who owns them (routing rules, validated here and turned into SQL by dbt's ``lead_owner``
macro)."""

from __future__ import annotations

import difflib
import os
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, model_validator

from flows.config import _load, _Strict
from flows.settings import ConfigurationError

HANDOFF_FILE = "handoff.yml"
WEBHOOK_URL_ENV = "LEADFLOW_HANDOFF_WEBHOOK_URL"
SECRET_ENV = "LEADFLOW_HANDOFF_SECRET"
SECRET_BLOCK_ENV = "LEADFLOW_HANDOFF_SECRET_BLOCK"
CRMS = ("hubspot", "salesforce", "zoho")

# Lead fields a rule may test: the name in handoff.yml -> its kind (text compared
# case-insensitively with a list, number with a range). marts.mql_leads carries them all.
ROUTING_FIELDS = {
    "country_code": "text",
    "industry": "text",
    "persona": "text",
    "job_title": "text",
    "company_domain": "text",
    "mql_reason": "text",
    "first_touch_source_type": "text",
    "last_touch_source_type": "text",
    "employees": "number",
    "annual_revenue_usd": "number",
    "fit_score": "number",
    "engagement_score": "number",
}


class Range(_Strict):
    """An inclusive numeric range; either end may be open."""

    min: float | None = None
    max: float | None = None


class Rule(_Strict):
    """Leads matching every condition of ``when`` go to ``owner``, or take turns in ``team``."""

    name: str = Field(pattern=r"^[A-Za-z0-9_\- ]+$")
    when: dict[str, list[str | int | float] | Range] = Field(min_length=1)
    owner: str | None = None
    team: str | None = None

    @model_validator(mode="after")
    def _target(self) -> Rule:
        if (self.owner is None) == (self.team is None):
            raise ValueError(f"rule {self.name!r}: give exactly one of owner or team")
        for key, condition in self.when.items():
            kind = ROUTING_FIELDS.get(key)
            if kind is None:
                close = difflib.get_close_matches(key, ROUTING_FIELDS, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise ValueError(
                    f"rule {self.name!r}: unknown field {key!r}{hint}; "
                    f"fields: {', '.join(ROUTING_FIELDS)}"
                )
            if kind == "text" and isinstance(condition, Range):
                raise ValueError(f"rule {self.name!r}: {key} is text: give a list of values")
        return self


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

    def dbt_var(self) -> dict[str, Any]:
        """The routing as dbt's ``lead_owner`` macro reads it."""
        rules = []
        for rule in self.rules:
            conditions = []
            for key, condition in rule.when.items():
                if isinstance(condition, Range):
                    conditions.append({"field": key, "min": condition.min, "max": condition.max})
                else:
                    values = [str(v).lower() for v in condition]
                    conditions.append({"field": key, "any_of": values})
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


def load_handoff(config_dir: Path) -> HandoffConfig:
    """``handoff.yml`` of ``config_dir``; the defaults (hand-off off, no routing) without one."""
    path = config_dir / HANDOFF_FILE
    if not path.is_file():
        return HandoffConfig()
    return _load(HandoffConfig, path)

"""``leadflow handoff``: hand every MQL cycle not handed off yet to sales, once.

Steps, holding the warehouse lock:
1. read the MQL cycles from ``marts.mql_leads`` (with the owner routed by
   ``config/handoff.yml``, and the reasons from ``marts.leads``), since ``--since`` if given;
2. leave out those the channel already delivered (webhook) or wrote (CRM file), and record
   the rest in the outbox ``ops.handoffs`` as pending, committed before anything is sent;
3. deliver: POST each lead (or batch) to the webhook, retried with back-off and recorded
   after every attempt; or write one CRM import file and mark its rows written.

The next ``leadflow run`` reads the outbox back: the owner handed to stays the owner, and the
SLA clock of ``marts.sla_breaches`` starts at the hand-off.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import sqlalchemy as sa

from flows.handoff import crm as crm_files
from flows.handoff import outbox, webhook
from flows.handoff.config import CRMS, HandoffConfig, load_handoff
from flows.lock import warehouse_lock
from flows.mapping import attribute_types, load_profiles
from flows.settings import MAPPINGS_DIR, ConfigurationError, Warehouse, config_dir
from flows.warehouse import make_engine, table_exists

logger = logging.getLogger(__name__)

# What the receiver gets about each lead (marts.mql_leads, with the reasons of marts.leads).
LEADS_QUERY = """
select
    m.lead_id, m.cycle, m.email, m.first_name, m.last_name, m.full_name, m.company_name,
    m.job_title, m.persona, m.country_code, m.industry, l.employees, l.annual_revenue_usd,
    m.fit_score, l.fit_reason, m.engagement_score, m.score_at_mql, m.mql_threshold,
    m.mql_at, m.mql_reason, l.tier_reason, m.tier, m.owner, m.owner_team, m.routing_rule,
    m.first_touch_source_type, m.last_touch_source_type
from marts.mql_leads m
inner join marts.leads l on l.lead_id = m.lead_id
where m.mql_at >= :since
order by m.mql_at, m.lead_id
"""


@dataclass
class HandoffSummary:
    """What one hand-off did on one channel."""

    channel: str
    destination: str
    mqls: int = 0
    already_handed_off: int = 0
    handed_off: int = 0
    dead: int = 0
    requests: int = 0
    attempts: int = 0
    file: str | None = None
    dead_letters: list[dict[str, Any]] = field(default_factory=list)


def choose_channel(
    settings: HandoffConfig, webhook_url: str | None, crm: str | None, out: str | None
) -> tuple[str, str]:
    """(channel, destination): a CRM's import folder, or the webhook URL."""
    if crm is not None:
        if crm not in CRMS:
            raise ConfigurationError(f"--crm {crm!r}: choose one of {', '.join(CRMS)}")
        return crm, str(out or settings.crm_out)
    if webhook_url is None and settings.channel != "webhook":
        return settings.channel, str(out or settings.crm_out)
    url = settings.webhook_url(webhook_url)
    if not url:
        raise ConfigurationError(
            "no webhook to hand off to: give --webhook-url, set LEADFLOW_HANDOFF_WEBHOOK_URL "
            "or webhook.url in handoff.yml, or write a CRM file with --crm"
        )
    if not url.startswith(("http://", "https://")):
        raise ConfigurationError(f"webhook URL {url!r}: expected http:// or https://")
    return "webhook", url


def safe_url(url: str) -> str:
    """The URL as kept in the outbox: without user, password, query or fragment (a webhook
    URL often carries its token there)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def _since(value: str | date | None) -> datetime:
    if value is None:
        return datetime(1900, 1, 1)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise ConfigurationError(f"--since {value!r}: expected YYYY-MM-DD") from None


def mql_rows(engine: sa.Engine, since: datetime) -> list[dict[str, Any]]:
    """The MQL cycles since ``since``, oldest first, as dicts."""
    if not table_exists(engine, "marts", "mql_leads"):
        raise ConfigurationError(
            "marts.mql_leads does not exist yet: run `leadflow run` before the hand-off"
        )
    columns = {c["name"] for c in sa.inspect(engine).get_columns("mql_leads", schema="marts")}
    if "owner" not in columns:
        raise ConfigurationError(
            "marts.mql_leads was built before routing existed: run `leadflow run` once"
        )
    with engine.connect() as conn:
        result = conn.execute(sa.text(LEADS_QUERY), {"since": since})
        return [dict(r._mapping) for r in result]


def payload(row: dict[str, Any], key: str) -> dict[str, Any]:
    """One lead as the webhook receives it."""
    item = {k: v for k, v in row.items()}
    item["idempotency_key"] = key
    item["cycle"] = int(row["cycle"])
    item["company"] = row["company_name"]
    item["mql_at"] = row["mql_at"].replace(tzinfo=UTC).isoformat() if row["mql_at"] else None
    for number in ("employees", "fit_score", "engagement_score", "score_at_mql", "mql_threshold"):
        if item.get(number) is not None:
            item[number] = int(item[number])
    if item.get("annual_revenue_usd") is not None:
        item["annual_revenue_usd"] = float(item["annual_revenue_usd"])
    item["source"] = "leadflow"
    return item


def hand_off(
    warehouse_url: str | None = None,
    config: str | None = None,
    webhook_url: str | None = None,
    crm: str | None = None,
    out: str | None = None,
    since: str | None = None,
    lock_timeout: float = 0,
    mappings: str | None = None,
) -> HandoffSummary:
    """Hand off every MQL cycle not handed off yet, holding the warehouse lock. The routing
    rules may name the attributes of the mapping profiles in ``mappings`` (default
    sources/mappings)."""
    warehouse = Warehouse.from_env(warehouse_url)
    attributes = attribute_types(load_profiles(Path(mappings) if mappings else MAPPINGS_DIR))
    settings = load_handoff(config_dir(config), attributes)
    channel, destination = choose_channel(settings, webhook_url, crm, out)
    start = _since(since)
    secret = settings.secret() if channel == "webhook" else None
    with warehouse_lock(warehouse, timeout=lock_timeout):
        engine = make_engine(warehouse)
        return hand_off_locked(engine, settings, channel, destination, start, secret)


def hand_off_locked(
    engine: sa.Engine,
    settings: HandoffConfig,
    channel: str,
    destination: str,
    since: datetime,
    secret: bytes | None,
) -> HandoffSummary:
    """The steps of :func:`hand_off`; the caller holds the warehouse lock."""
    outbox.ensure_outbox(engine)
    rows = mql_rows(engine, since)
    # one connection for the whole hand-off: every outbox write is committed on it
    with engine.connect() as conn:
        return _hand_off_rows(conn, settings, channel, destination, secret, rows)


def _hand_off_rows(
    conn: sa.Connection,
    settings: HandoffConfig,
    channel: str,
    destination: str,
    secret: bytes | None,
    rows: list[dict[str, Any]],
) -> HandoffSummary:
    summary = HandoffSummary(channel=channel, destination=destination, mqls=len(rows))
    done = outbox.done_keys(conn, channel)
    todo = []
    for row in rows:
        key = outbox.idempotency_key(row["lead_id"], int(row["cycle"]))
        if key in done:
            summary.already_handed_off += 1
        else:
            todo.append((key, row))
    entries = [
        outbox.Entry(key, r["lead_id"], int(r["cycle"]), r["owner"], r["mql_at"]) for key, r in todo
    ]
    if channel == "webhook":
        outbox.enqueue(conn, channel, entries, safe_url(destination))
        _send(conn, settings, destination, secret, todo, summary)
    elif todo:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        path = Path(destination) / crm_files.file_name(channel, stamp)
        outbox.enqueue(conn, channel, entries, str(path))
        crm_files.write_import_file(channel, path, [r for _, r in todo])
        outbox.record_attempt(conn, channel, [k for k, _ in todo], "written", None, None)
        summary.file, summary.handed_off = str(path), len(todo)
        summary.requests = summary.attempts = 1
    summary.dead_letters = outbox.dead_letters(conn, channel)
    summary.dead = outbox.status_counts(conn, channel).get("dead", 0)
    logger.info(
        "hand-off %s: %d MQL cycles, %d handed off now, %d before, %d dead",
        channel,
        summary.mqls,
        summary.handed_off,
        summary.already_handed_off,
        summary.dead,
    )
    return summary


def _send(
    conn: sa.Connection,
    settings: HandoffConfig,
    url: str,
    secret: bytes | None,
    todo: list[tuple[str, dict[str, Any]]],
    summary: HandoffSummary,
) -> None:
    """POST the pending leads in batches, recording every attempt in the outbox."""
    hook = settings.webhook
    size = hook.batch_size
    with httpx.Client(timeout=hook.timeout_seconds) as client:
        for start in range(0, len(todo), size):
            batch = todo[start : start + size]
            keys = [key for key, _ in batch]
            body = webhook.encode([payload(row, key) for key, row in batch], as_array=size > 1)

            def record(outcome: webhook.Outcome, last: bool, keys: list[str] = keys) -> None:
                status = "delivered" if outcome.delivered else "dead" if last else "pending"
                outbox.record_attempt(
                    conn, "webhook", keys, status, outcome.status, outcome.response
                )

            outcome = webhook.deliver(
                client,
                url,
                webhook.batch_key(keys),
                body,
                secret,
                hook.max_attempts,
                hook.backoff_seconds,
                record,
            )
            summary.requests += 1
            summary.attempts += outcome.attempts
            if outcome.delivered:
                summary.handed_off += len(batch)

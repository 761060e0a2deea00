"""The hand-off outbox ``ops.handoffs``: one row per lead, MQL cycle and channel.

A row is written (``pending``) before its first delivery attempt and committed, and updated
after every attempt, so a hand-off killed at any point leaves the warehouse saying what was
sent: a row still ``pending`` is sent again, with the same idempotency key, by the next run.
The receiver keeps the first request of a key, so from its side each lead and cycle arrives
once. ``delivered`` (webhook acknowledged with a 2xx) and ``written`` (in a CRM import file)
rows are never sent again; ``dead`` rows (attempts exhausted, or refused with a 4xx) are
retried by the next run.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

OPS_SCHEMA = "ops"
RESPONSE_CHARS = 500
DONE = ("delivered", "written")

HANDOFFS = sa.Table(
    "handoffs",
    sa.MetaData(schema=OPS_SCHEMA),
    sa.Column("idempotency_key", sa.Text(), nullable=False),
    sa.Column("channel", sa.Text(), nullable=False),
    sa.Column("lead_id", sa.Text(), nullable=False),
    sa.Column("cycle", sa.Integer(), nullable=False),
    sa.Column("owner", sa.Text()),
    sa.Column("mql_at", sa.DateTime()),
    sa.Column("status", sa.Text(), nullable=False),
    sa.Column("attempts", sa.Integer(), nullable=False),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.Column("first_attempt_at", sa.DateTime()),
    sa.Column("last_attempt_at", sa.DateTime()),
    sa.Column("delivered_at", sa.DateTime()),
    sa.Column("response_status", sa.Integer()),
    sa.Column("response", sa.Text()),
    sa.Column("destination", sa.Text()),
    sa.PrimaryKeyConstraint("idempotency_key", "channel"),
    comment="Hand-off outbox: each MQL cycle per channel, its delivery status and attempts.",
)


def idempotency_key(lead_id: str, cycle: int) -> str:
    """The key of one lead's MQL cycle: the same on every attempt and every run."""
    digest = hashlib.sha256(f"{lead_id}:{cycle}".encode()).hexdigest()[:32]
    return f"leadflow-{digest}"


def now() -> datetime:
    """UTC now, naive (the warehouse's timestamps are naive UTC)."""
    return datetime.now(UTC).replace(tzinfo=None)


def ensure_outbox(engine: sa.Engine) -> None:
    """Create ``ops.handoffs`` if missing."""
    with engine.begin() as conn:
        conn.execute(sa.text(f"create schema if not exists {OPS_SCHEMA}"))
        HANDOFFS.create(conn, checkfirst=True)


@dataclass(frozen=True)
class Entry:
    """One outbox row to deliver: its key and the lead it is about."""

    key: str
    lead_id: str
    cycle: int
    owner: str | None
    mql_at: datetime | None


def done_keys(conn: sa.Connection, channel: str) -> set[str]:
    """Keys of the channel already delivered or written."""
    rows = conn.execute(
        sa.select(HANDOFFS.c.idempotency_key).where(
            HANDOFFS.c.channel == channel, HANDOFFS.c.status.in_(DONE)
        )
    )
    return {r[0] for r in rows}


def enqueue(conn: sa.Connection, channel: str, entries: list[Entry], destination: str) -> None:
    """Record ``entries`` as pending and commit (rows already there keep their status and
    attempts)."""
    if not entries:
        return
    known = {
        r[0]
        for r in conn.execute(
            sa.select(HANDOFFS.c.idempotency_key).where(HANDOFFS.c.channel == channel)
        )
    }
    created = now()
    rows = [
        {
            "idempotency_key": e.key,
            "channel": channel,
            "lead_id": e.lead_id,
            "cycle": e.cycle,
            "owner": e.owner,
            "mql_at": e.mql_at,
            "status": "pending",
            "attempts": 0,
            "created_at": created,
            "destination": destination,
        }
        for e in entries
        if e.key not in known
    ]
    if rows:
        conn.execute(HANDOFFS.insert(), rows)
    conn.commit()


def record_attempt(
    conn: sa.Connection,
    channel: str,
    keys: list[str],
    status: str,
    response_status: int | None,
    response: str | None,
) -> None:
    """After one attempt on ``keys``: count it, keep the answer, set the status; commit."""
    at = now()
    values: dict[str, Any] = {
        "attempts": HANDOFFS.c.attempts + 1,
        "first_attempt_at": sa.func.coalesce(HANDOFFS.c.first_attempt_at, at),
        "last_attempt_at": at,
        "status": status,
        "response_status": response_status,
        "response": (response or "")[:RESPONSE_CHARS] or None,
    }
    if status in DONE:
        values["delivered_at"] = at
    conn.execute(
        HANDOFFS.update()
        .where(HANDOFFS.c.channel == channel, HANDOFFS.c.idempotency_key.in_(keys))
        .values(**values)
    )
    conn.commit()


def status_counts(conn: sa.Connection, channel: str) -> dict[str, int]:
    """Rows of the channel per status."""
    rows = conn.execute(
        sa.select(HANDOFFS.c.status, sa.func.count())
        .where(HANDOFFS.c.channel == channel)
        .group_by(HANDOFFS.c.status)
    )
    return {status: int(n) for status, n in rows}


def dead_letters(conn: sa.Connection, channel: str, limit: int = 5) -> list[dict[str, Any]]:
    """A few dead rows of the channel with their last answer (no personal data)."""
    rows = conn.execute(
        sa.select(
            HANDOFFS.c.idempotency_key,
            HANDOFFS.c.attempts,
            HANDOFFS.c.response_status,
            HANDOFFS.c.response,
        )
        .where(HANDOFFS.c.channel == channel, HANDOFFS.c.status == "dead")
        .order_by(HANDOFFS.c.idempotency_key)
        .limit(limit)
    )
    return [dict(r._mapping) for r in rows]

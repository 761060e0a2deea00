"""Canonical entities that mapping profiles load into, and the ``raw`` schema's tables.

Every raw row carries its load metadata: source file, row (line) number, mapping profile,
batch id and load time. Values stay text as exported, except the fields the loader must
parse to decide whether a row is usable (timestamps, numbers); those are typed here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

RAW_SCHEMA = "raw"


@dataclass(frozen=True)
class Entity:
    """A canonical record type: its fields, which are required, which are parsed."""

    name: str
    fields: tuple[str, ...]
    required: tuple[str, ...]
    timestamps: tuple[str, ...] = ()
    integers: tuple[str, ...] = ()
    decimals: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    # Groups of fields of which at least one must be present.
    one_of: tuple[tuple[str, ...], ...] = ()
    # Closed lists: a value outside the list (after the profile's value map) rejects the row.
    choices: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Open vocabularies: the built-in values, to which the configuration may add its own
    # (event types declared in config/scoring.yml); any other value rejects the row.
    vocabularies: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # (field, other field, value): the field is required when the other field has the value.
    required_when: tuple[tuple[str, str, str], ...] = ()
    # The fields that identify a record in its export (all present: the record's key; else
    # the key is a hash of the record's values). See flows/records.py.
    record_key: tuple[str, ...] = ()
    # Whether mapping profiles may keep other source columns as named, typed attributes
    # (column ``attributes``: a JSON object, attribute name -> canonical text value).
    attributes: bool = False
    notes: dict[str, str] = field(default_factory=dict)


CONTACTS = Entity(
    name="contacts",
    fields=(
        "source_record_id",
        "captured_at",
        "email",
        "first_name",
        "last_name",
        "full_name",
        "company_name",
        "job_title",
        "phone",
        "country",
        "website",
        "consent",
        "opted_out",
        "lead_source",
        "source_detail",
        "utm_source",
        "utm_medium",
        "utm_campaign",
        # firmographics on the contact itself (same meaning as on companies)
        "industry",
        "employees",
        "annual_revenue",
    ),
    required=("email", "captured_at"),
    timestamps=("captured_at",),
    integers=("employees",),
    decimals=("annual_revenue",),
    emails=("email",),
    record_key=("source_record_id",),
    attributes=True,
)

COMPANIES = Entity(
    name="companies",
    fields=(
        "domain",
        "company_name",
        "industry",
        "employees",
        "annual_revenue",
        "country",
        "as_of",
    ),
    required=("domain",),
    timestamps=("as_of",),
    integers=("employees",),
    decimals=("annual_revenue",),
    domains=("domain",),
    record_key=("domain", "as_of"),
)

EVENT_TYPES = (
    "page_view",
    "email_open",
    "email_click",
    "email_unsubscribe",
    "email_bounce",
    "webinar_registered",
    "webinar_attended",
    "content_download",
    "form_submit",
    "demo_request",
    "pricing_request",
    "contact_sales_request",
)

EVENTS = Entity(
    name="events",
    fields=(
        "event_id",
        "occurred_at",
        "email",
        "visitor_id",
        "event_type",
        "url",
        "duration_seconds",
        "minutes_attended",
        "asset",
        "campaign",
        "utm_source",
        "utm_medium",
        "utm_campaign",
    ),
    required=("occurred_at", "event_type"),
    timestamps=("occurred_at",),
    integers=("duration_seconds", "minutes_attended"),
    emails=("email",),
    one_of=(("email", "visitor_id"),),
    record_key=("event_id",),
    vocabularies={"event_type": EVENT_TYPES},
)

# Why sales (or the ICP) disqualified a lead. The ICP exclusions use the first four.
DISQUALIFICATION_REASONS = (
    "competitor",
    "invalid_contact",
    "student_or_personal",
    "out_of_territory",
    "no_budget",
    "no_need",
    "bad_timing",
    "not_decision_maker",
    "no_response",
    "duplicate",
    "do_not_contact",
)

SALES_DECISIONS = Entity(
    name="sales_decisions",
    fields=(
        "decision_id",
        "decided_at",
        "email",
        "decision",
        "reason",
        "rep",
        "first_contacted_at",
        "notes",
    ),
    required=("email", "decided_at", "decision"),
    timestamps=("decided_at", "first_contacted_at"),
    emails=("email",),
    choices={"decision": ("accepted", "rejected"), "reason": DISQUALIFICATION_REASONS},
    required_when=(("reason", "decision", "rejected"),),
    record_key=("decision_id",),
)

ANSWERS = ("yes", "no", "unknown")

QUALIFICATION_ANSWERS = Entity(
    name="qualification_answers",
    fields=(
        "answer_id",
        "call_id",
        "answered_at",
        "email",
        "criterion",
        "answer",
        "timeline_months",
        "rep",
        "notes",
    ),
    required=("email", "answered_at", "criterion", "answer"),
    timestamps=("answered_at",),
    integers=("timeline_months",),
    emails=("email",),
    choices={"answer": ANSWERS},
    record_key=("answer_id",),
)

OPPORTUNITY_STAGES = ("proposal", "negotiation", "closed_won", "closed_lost")

OPPORTUNITIES = Entity(
    name="opportunities",
    fields=(
        "opportunity_id",
        "opportunity_name",
        "email",
        "account_id",
        "account_name",
        "account_website",
        "created_at",
        "amount",
        "currency",
        "expected_close_date",
        "stage",
        "closed_at",
        "lost_reason",
        "owner",
        "updated_at",
    ),
    required=("opportunity_id", "created_at", "stage"),
    timestamps=("created_at", "expected_close_date", "closed_at", "updated_at"),
    decimals=("amount",),
    emails=("email",),
    one_of=(("email", "account_website"),),
    choices={"stage": OPPORTUNITY_STAGES},
    record_key=("opportunity_id",),
)

# What became of a lead, as a CRM records it: a deal won or lost, a lead converted or not.
OUTCOME_VALUES = ("won", "lost", "converted", "not_converted")

OUTCOMES = Entity(
    name="outcomes",
    fields=(
        "outcome_id",
        "source_record_id",
        "email",
        "outcome",
        "decided_at",
        "amount",
        "currency",
    ),
    required=("outcome", "decided_at"),
    timestamps=("decided_at",),
    decimals=("amount",),
    emails=("email",),
    one_of=(("email", "source_record_id"),),
    choices={"outcome": OUTCOME_VALUES},
    record_key=("outcome_id",),
    notes={
        "outcome_id": "the outcome's own record id in the CRM (a deal id), when it has one",
        "source_record_id": "the CRM record id of the lead or contact the outcome belongs to, "
        "resolved to an e-mail through the contacts loaded with the same id",
    },
)

ENTITIES: dict[str, Entity] = {
    e.name: e
    for e in (
        CONTACTS,
        COMPANIES,
        EVENTS,
        SALES_DECISIONS,
        QUALIFICATION_ANSWERS,
        OPPORTUNITIES,
        OUTCOMES,
    )
}

METADATA_COLUMNS = ("_source_file", "_source_row", "_mapping", "_source_type", "_batch_id")

metadata = sa.MetaData(schema=RAW_SCHEMA)


def _column(entity: Entity, name: str) -> sa.Column:
    if name in entity.timestamps:
        return sa.Column(name, sa.DateTime())
    if name in entity.integers:
        return sa.Column(name, sa.BigInteger())
    if name in entity.decimals:
        return sa.Column(name, sa.Double())
    return sa.Column(name, sa.Text())


def _entity_table(entity: Entity) -> sa.Table:
    attributes = [sa.Column("attributes", sa.Text())] if entity.attributes else []
    return sa.Table(
        entity.name,
        metadata,
        *(_column(entity, f) for f in entity.fields),
        *attributes,
        sa.Column("_source_file", sa.Text(), nullable=False),
        sa.Column("_source_row", sa.BigInteger(), nullable=False),
        sa.Column("_mapping", sa.Text(), nullable=False),
        sa.Column("_source_type", sa.Text(), nullable=False),
        sa.Column("_batch_id", sa.Text(), nullable=False),
        sa.Column("_loaded_at", sa.DateTime(), nullable=False),
        # the record's identity in its export and a hash of its values (flows/records.py);
        # added in place to older warehouses by flows.warehouse.ensure_raw_schema
        sa.Column("_record_key", sa.Text()),
        sa.Column("_record_hash", sa.Text()),
        # set when a newer version of the record was loaded (NULL: the latest version);
        # staging reads only the latest versions (macro raw_latest)
        sa.Column("_superseded_at", sa.DateTime()),
        comment=f"Rows loaded from landing files mapped to the canonical {entity.name} entity.",
    )


RAW_TABLES: dict[str, sa.Table] = {name: _entity_table(e) for name, e in ENTITIES.items()}

QUARANTINE = sa.Table(
    "quarantine",
    metadata,
    sa.Column("_batch_id", sa.Text(), nullable=False),
    sa.Column("_source_file", sa.Text(), nullable=False),
    sa.Column("_source_row", sa.BigInteger(), nullable=False),
    sa.Column("_mapping", sa.Text(), nullable=False),
    sa.Column("entity", sa.Text(), nullable=False),
    sa.Column("reason", sa.Text(), nullable=False),
    sa.Column("field", sa.Text()),
    sa.Column("value", sa.Text()),
    sa.Column("original_row", sa.Text(), nullable=False),
    sa.Column("_loaded_at", sa.DateTime(), nullable=False),
    comment="Rows that could not be loaded, with the reason and the original row.",
)

LOAD_LEDGER = sa.Table(
    "load_ledger",
    metadata,
    sa.Column("file_hash", sa.Text(), nullable=False),
    sa.Column("source_uri", sa.Text(), nullable=False),
    sa.Column("source_file", sa.Text(), nullable=False),
    sa.Column("mapping", sa.Text()),
    sa.Column("entity", sa.Text()),
    sa.Column("batch_id", sa.Text(), nullable=False),
    sa.Column("status", sa.Text(), nullable=False),
    sa.Column("encoding", sa.Text()),
    sa.Column("rows_read", sa.BigInteger(), nullable=False),
    sa.Column("rows_loaded", sa.BigInteger(), nullable=False),
    sa.Column("rows_quarantined", sa.BigInteger(), nullable=False),
    # rows dropped because their person was erased (ops.suppressions); added in place to
    # older ledgers by flows.warehouse.ensure_raw_schema
    sa.Column("rows_suppressed", sa.BigInteger()),
    # records of a changed file loaded before, so not loaded again (flows/records.py)
    sa.Column("rows_unchanged", sa.BigInteger()),
    # the CSV dialect read (JSON: delimiter, quote, decimal, thousands, day_first, newline,
    # and which of them were detected)
    sa.Column("dialect", sa.Text()),
    # rows a profile's `values:` mapped to null (dropped on purpose), and which source values
    # they had (JSON {value: count})
    sa.Column("rows_dropped", sa.BigInteger()),
    sa.Column("dropped_values", sa.Text()),
    sa.Column("error", sa.Text()),
    sa.Column("loaded_at", sa.DateTime(), nullable=False),
    comment="One row per file load attempt; a file whose content hash is 'loaded' is skipped "
    "('reprocessed': a backfill or `leadflow reload` replaced its rows).",
)

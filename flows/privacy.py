"""Erase a person from the warehouse and keep them out: ``leadflow forget EMAIL``.

A person is identified by their e-mail address, normalised as identity resolution does in
the staging models (``lower(trim(email))``). Erasing deletes, in one transaction:

- every raw row whose ``email`` is the address, and the website events of the visitor ids
  that the address's own events carry (anonymous activity stitched to the person);
- every row of ``raw.quarantine`` whose original row or value holds the address;
- every row of every other table (staging to marts, metrics and history included) whose
  ``email`` is the address, whose ``lead_id`` is one of the person's leads or whose
  ``visitor_id`` is one of their visitor ids;
- the person's rows of the hand-off outbox ``ops.handoffs`` (by lead id);
- any remaining occurrence of the address in a text column: rows are deleted, except in
  ``ops`` (run records), where the address is replaced by ``[erased]``.

It records one ``ops.suppressions`` row per identifier: the SHA-256 of the normalised
address (and of each visitor id), when and why, never the identifier itself. Ingestion drops
rows whose address or visitor id hashes to a suppressed entry (counted as
``rows_suppressed``), so re-loading an old file does not bring the person back. The
``forget`` flow (:mod:`flows.forget`) then rebuilds every model from ``raw``, gates and
publishes, so metrics no longer count the person.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from flows.entities import RAW_TABLES
from flows.settings import ConfigurationError

OPS_SCHEMA = "ops"
ERASED = "[erased]"
# Schemas of the database engines themselves: never scanned.
SYSTEM_SCHEMAS = ("information_schema", "pg_catalog", "pg_toast")
# ops tables whose rows are about one lead (lead_id): a forgotten person's rows are deleted,
# not redacted (the hand-off outbox, flows/handoff/outbox.py).
OPS_PERSON_TABLES = {(OPS_SCHEMA, "handoffs")}

SUPPRESSIONS = sa.Table(
    "suppressions",
    sa.MetaData(schema=OPS_SCHEMA),
    sa.Column("identifier_hash", sa.Text(), nullable=False),
    sa.Column("identifier_kind", sa.Text(), nullable=False),
    sa.Column("reason", sa.Text(), nullable=False),
    sa.Column("suppressed_at", sa.DateTime(), nullable=False),
    comment="People erased with `leadflow forget`: SHA-256 of the normalised e-mail address "
    "(or of a visitor id), never the identifier. Ingestion drops rows that match.",
)


def normalise_email(email: str) -> str:
    """The address as identity resolution keys it: ``lower(trim(email))`` (spaces only)."""
    return email.strip(" ").lower()


def normalise_visitor_id(visitor_id: str) -> str:
    """The visitor id as staging keys it: ``trim(visitor_id)``."""
    return visitor_id.strip(" ")


def identifier_hash(value: str) -> str:
    """SHA-256 (hex) of an identifier already normalised; DuckDB's ``sha256()`` agrees."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def ensure_suppressions(engine: sa.Engine) -> None:
    """Create ``ops.suppressions`` if missing."""
    with engine.begin() as conn:
        conn.execute(sa.text(f"create schema if not exists {OPS_SCHEMA}"))
        SUPPRESSIONS.create(conn, checkfirst=True)


def suppressed_hashes(engine: sa.Engine) -> dict[str, set[str]]:
    """Suppressed identifier hashes by kind (``email``, ``visitor_id``); empty when none."""
    if not sa.inspect(engine).has_table(SUPPRESSIONS.name, schema=OPS_SCHEMA):
        return {}
    out: dict[str, set[str]] = {}
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(SUPPRESSIONS.c.identifier_kind, SUPPRESSIONS.c.identifier_hash)
        )
        for kind, digest in rows:
            out.setdefault(kind, set()).add(digest)
    return out


# An e-mail-like token inside a row's original text (CSV line, JSON object).
ADDRESS_TOKEN = r"[^\s@\",;:<>()\[\]{}]+@[^\s@\",;:<>()\[\]{}]+"


def drop_suppressed(duck: Any, fields: tuple[str, ...], suppressed: dict[str, set[str]]) -> int:
    """Delete staged rows (temp tables ``_parsed`` and ``_broken`` of the loader) that belong
    to a suppressed person; the number of rows dropped.

    A row is suppressed when its ``email`` (normalised) or ``visitor_id`` (trimmed) hashes to
    a suppressed entry, or when its original text holds an address that does: that also
    catches rejected rows, which would otherwise go to the quarantine with the address.
    """
    emails = sorted(suppressed.get("email", ()))
    visitors = sorted(suppressed.get("visitor_id", ()))
    if not emails and not visitors:
        return 0

    def listed(values: list[str]) -> str:
        return "[" + ", ".join(f"'{v}'" for v in values if re.fullmatch(r"[0-9a-f]{64}", v)) + "]"

    def in_text(column: str) -> str:
        tokens = f"regexp_extract_all(lower(cast({column} as varchar)), '{ADDRESS_TOKEN}')"
        return f"list_has_any(list_transform({tokens}, lambda t: sha256(t)), {listed(emails)})"

    conditions = []
    if emails:
        original = f"select _source_row from _originals where {in_text('_original')}"
        conditions.append(f"_source_row in ({original})")
        if "email" in fields:
            conditions.append(f"sha256(lower(trim(email))) in (select unnest({listed(emails)}))")
    if visitors and "visitor_id" in fields:
        conditions.append(f"sha256(trim(visitor_id)) in (select unnest({listed(visitors)}))")
    targets = []
    if conditions:
        targets.append(("_parsed", " or ".join(f"coalesce({c}, false)" for c in conditions)))
    if emails:
        targets.append(("_broken", f"coalesce({in_text('_line')}, false)"))
    dropped = 0
    for table, where in targets:
        before = duck.execute(f"select count(*) from {table}").fetchone()[0]
        duck.execute(f"delete from {table} where {where}")
        dropped += before - duck.execute(f"select count(*) from {table}").fetchone()[0]
    return int(dropped)


@dataclass
class Erasure:
    """What erasing one person removed: rows deleted or redacted per ``schema.table``."""

    email_hash: str
    # how many leads and visitor ids the person had (the ids themselves are not kept)
    leads: int = 0
    visitor_ids: int = 0
    deleted: dict[str, int] = field(default_factory=dict)
    redacted: dict[str, int] = field(default_factory=dict)

    def add(self, counts: dict[str, int], table: str, n: int) -> None:
        if n:
            counts[table] = counts.get(table, 0) + n


def _tables(conn: sa.Connection) -> dict[tuple[str, str], dict[str, bool]]:
    """Every base table of the database: {(schema, table): {column: is_text}}."""
    rows = conn.execute(
        sa.text(
            "select c.table_schema, c.table_name, c.column_name, lower(c.data_type) "
            "from information_schema.columns c join information_schema.tables t "
            "on t.table_schema = c.table_schema and t.table_name = c.table_name "
            "and t.table_catalog = c.table_catalog "
            "where t.table_type = 'BASE TABLE' and t.table_catalog = current_database() "
            "order by c.table_schema, c.table_name, c.ordinal_position"
        )
    )
    tables: dict[tuple[str, str], dict[str, bool]] = {}
    for schema, table, column, data_type in rows:
        if schema in SYSTEM_SCHEMAS or schema.startswith("pg_"):
            continue
        is_text = data_type in ("text", "varchar", "character varying", "json", "jsonb")
        tables.setdefault((schema, table), {})[column] = is_text
    return tables


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _contains(column: str) -> str:
    """SQL: the text column holds the bound ``:address`` (case-insensitive, literal)."""
    return f"strpos(lower(cast({_q(column)} as text)), :address) > 0"


def erase_person(engine: sa.Engine, email: str, reason: str) -> Erasure:
    """Delete everything the warehouse holds about ``email`` and record its suppression,
    in one transaction. Rebuilding the models afterwards is the caller's step."""
    address = normalise_email(email)
    if not re.fullmatch(r"[^@\s]+@[^@\s]+", address):
        raise ConfigurationError(f"{email!r} is not an e-mail address")
    ensure_suppressions(engine)
    erasure = Erasure(email_hash=identifier_hash(address))
    now = datetime.now(UTC).replace(tzinfo=None)
    events = RAW_TABLES["events"]
    with engine.begin() as conn:
        tables = _tables(conn)
        # raw values as exported and trimmed as staging keys them; hashed trimmed
        exported = conn.execute(
            sa.select(events.c.visitor_id)
            .where(sa.func.lower(sa.func.trim(events.c.email)) == address)
            .where(events.c.visitor_id.is_not(None))
            .distinct()
        ).scalars()
        exported = set(exported)
        keyed = {normalise_visitor_id(v) for v in exported} - {""}
        visitors = sorted(exported | keyed)
        lead_ids: set[str] = set()
        for (schema, table), columns in tables.items():
            if "email" in columns and "lead_id" in columns:
                found = conn.execute(
                    sa.text(
                        f"select distinct cast(lead_id as text) from {_q(schema)}.{_q(table)} "
                        "where lower(trim(email)) = :address"
                    ),
                    {"address": address},
                )
                lead_ids.update(r[0] for r in found if r[0] is not None)
        erasure.leads, erasure.visitor_ids = len(lead_ids), len(keyed)
        for (schema, table), columns in tables.items():
            name = f"{schema}.{table}"
            if (schema, table) == (OPS_SCHEMA, SUPPRESSIONS.name):
                continue
            keys: list[str] = []
            expanding: dict[str, list[str]] = {}
            if schema != OPS_SCHEMA:
                if "email" in columns:
                    keys.append("lower(trim(cast(email as text))) = :address")
                if "lead_id" in columns and lead_ids:
                    keys.append("cast(lead_id as text) in :lead_ids")
                    expanding["lead_ids"] = sorted(lead_ids)
                if "visitor_id" in columns and visitors:
                    keys.append("cast(visitor_id as text) in :visitors")
                    expanding["visitors"] = visitors
            texts = [c for c, is_text in columns.items() if is_text]
            if (schema, table) in OPS_PERSON_TABLES and lead_ids:
                # run records about the person themself (the hand-off outbox): deleted
                n = conn.execute(
                    sa.text(
                        f"delete from {_q(schema)}.{_q(table)} "
                        "where cast(lead_id as text) in :lead_ids"
                    ).bindparams(sa.bindparam("lead_ids", expanding=True)),
                    {"lead_ids": sorted(lead_ids)},
                ).rowcount
                erasure.add(erasure.deleted, name, int(n or 0))
            if schema == OPS_SCHEMA:
                for column in texts:
                    n = _redact(conn, schema, table, column, address)
                    erasure.add(erasure.redacted, name, n)
                continue
            keys += [_contains(c) for c in texts]
            if not keys:
                continue
            statement = sa.text(f"delete from {_q(schema)}.{_q(table)} where " + " or ".join(keys))
            statement = statement.bindparams(*(sa.bindparam(k, expanding=True) for k in expanding))
            params = {"address": address, **expanding}
            n = conn.execute(statement, params).rowcount or 0
            erasure.add(erasure.deleted, name, int(n))
        entries = [("email", erasure.email_hash)]
        entries += [("visitor_id", identifier_hash(v)) for v in sorted(keyed)]
        for kind, digest in entries:
            conn.execute(
                SUPPRESSIONS.insert().values(
                    identifier_hash=digest, identifier_kind=kind, reason=reason, suppressed_at=now
                )
            )
    return erasure


def _redact(conn: sa.Connection, schema: str, table: str, column: str, address: str) -> int:
    """Replace the address (any case) in one text column by ``[erased]``; rows changed."""
    pattern = re.escape(address)
    result = conn.execute(
        sa.text(
            f"update {_q(schema)}.{_q(table)} set {_q(column)} = "
            f"regexp_replace({_q(column)}, :pattern, :erased, 'gi') where {_contains(column)}"
        ),
        {"pattern": pattern, "erased": ERASED, "address": address},
    )
    return int(result.rowcount or 0)


def remaining_occurrences(engine: sa.Engine, email: str) -> dict[str, int]:
    """Rows of any table whose text columns still hold ``email`` (normalised, any case)."""
    address = normalise_email(email)
    found: dict[str, int] = {}
    with engine.connect() as conn:
        for (schema, table), columns in _tables(conn).items():
            texts = [c for c, is_text in columns.items() if is_text]
            if not texts:
                continue
            n = conn.execute(
                sa.text(
                    f"select count(*) from {_q(schema)}.{_q(table)} where "
                    + " or ".join(_contains(c) for c in texts)
                ),
                {"address": address},
            ).scalar_one()
            if n:
                found[f"{schema}.{table}"] = int(n)
    return found


# --------------------------------------------------------------------------- traces


def person_traces(email: str) -> list[str]:
    """What identifies the person in files: the normalised address and their lead id (the
    MD5 of the address, ``dbt.hash`` in the models). The SHA-256 kept in
    ``ops.suppressions`` is not a trace: it is how the person is kept out of later loads."""
    address = normalise_email(email)
    return [address, hashlib.md5(address.encode("utf-8")).hexdigest()]


def person_names(engine: sa.Engine, email: str) -> list[str]:
    """The full names the published leads of ``email`` carry (reports name people by name),
    read before the erasure; none when nothing is published yet."""
    address = normalise_email(email)
    if not sa.inspect(engine).has_table("leads", schema="marts"):
        return []
    with engine.connect() as conn:
        names = conn.execute(
            sa.text(
                "select distinct full_name from marts.leads "
                "where lower(trim(email)) = :address and full_name is not null"
            ),
            {"address": address},
        ).scalars()
        return sorted(n for n in names if len(n.strip()) > 3)


def trace_folders() -> list[Path]:
    """Folders where leadflow and its tools write copies of warehouse values: dbt's target
    and logs, the GX validation results and Data Docs, the reports folder."""
    from flows.settings import (
        DBT_PROJECT_DIR,
        EXPECTATIONS_DIR,
        PROJECT_ROOT,
        data_docs_dir,
    )

    folders = [
        DBT_PROJECT_DIR / "target",
        DBT_PROJECT_DIR / "logs",
        PROJECT_ROOT / "logs",
        EXPECTATIONS_DIR / "gx" / "uncommitted",
        PROJECT_ROOT / "reports",
        Path.cwd() / "reports",
        data_docs_dir(),
    ]
    return list(dict.fromkeys(f.resolve() for f in folders))


def _holds(data: bytes, needles: list[bytes]) -> bool:
    lowered = data.lower()
    return any(n in lowered for n in needles)


def purge_traces(traces: list[str], folders: list[Path] | None = None) -> list[Path]:
    """Remove every copy of ``traces`` (any case) from the files under ``folders``: log
    lines holding one are dropped (``*.log``, rotated logs too), other files holding one
    are deleted (the next run or report writes them again). The files changed, sorted."""
    needles = [t.lower().encode("utf-8") for t in traces if t]
    changed: list[Path] = []
    for folder in folders if folders is not None else trace_folders():
        if not folder.is_dir():
            continue
        for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()):
            data = path.read_bytes()
            if not _holds(data, needles):
                continue
            if ".log" in path.suffixes:
                kept = b"".join(
                    line for line in data.splitlines(keepends=True) if not _holds(line, needles)
                )
                tmp = path.with_name(path.name + ".purging")
                tmp.write_bytes(kept)
                os.replace(tmp, path)
            else:
                path.unlink()
            changed.append(path)
    return changed


def compact_duckdb(path: Path) -> tuple[int, int]:
    """Rewrite a DuckDB file so no free page keeps erased bytes; (bytes before, after).

    Deleted rows stay in the file's freed blocks (``CHECKPOINT`` and ``VACUUM`` do not
    overwrite them), so every schema, table, view, sequence and macro is copied into a new
    file (``COPY FROM DATABASE``), row counts are compared, and the new file replaces the
    old one atomically. The caller holds the warehouse lock and no connection to the file.
    """
    import duckdb

    target = path.with_name(path.name + ".compacting")
    target.unlink(missing_ok=True)
    before = path.stat().st_size
    con = duckdb.connect(str(path))
    try:
        source = con.execute("select current_database()").fetchone()[0]
        con.execute(f"attach '{_sql_text(str(target))}' as compacted")
        con.execute(f'copy from database "{source}" to compacted')
        con.execute("checkpoint compacted")
        counts = {}
        for catalog in (source, "compacted"):
            tables = con.execute(
                "select schema_name, table_name from duckdb_tables() where database_name = ? "
                "order by 1, 2",
                [catalog],
            ).fetchall()
            counts[catalog] = {
                (s, t): con.execute(f'select count(*) from "{catalog}"."{s}"."{t}"').fetchone()[0]
                for s, t in tables
            }
        con.execute("detach compacted")
    except BaseException:
        con.close()
        target.unlink(missing_ok=True)
        raise
    con.close()
    try:  # a connection this process still holds would keep writing to the old file
        duckdb.connect(str(path), read_only=True).close()
    except duckdb.ConnectionException as exc:
        target.unlink(missing_ok=True)
        raise RuntimeError(f"compacting {path}: the file is still open in this process") from exc
    if counts[source] != counts["compacted"]:
        target.unlink(missing_ok=True)
        raise RuntimeError(f"compacting {path}: the copy's tables or row counts differ")
    for leftover in (Path(f"{target}.wal"), Path(f"{path}.wal")):
        if leftover.exists():
            target.unlink(missing_ok=True)
            raise RuntimeError(f"compacting {path}: {leftover} was not checkpointed")
    with target.open("rb") as handle:
        os.fsync(handle.fileno())
    os.replace(target, path)
    return before, path.stat().st_size


def _sql_text(value: str) -> str:
    return value.replace("'", "''")


def vacuum_postgres(engine: sa.Engine, tables: list[str]) -> list[str]:
    """Rewrite the storage of ``tables`` (``schema.table``) without the erased rows; what was
    rewritten.

    Each table still there gets ``VACUUM (FULL, ANALYZE)``: a new file without dead rows, and
    new statistics (``pg_statistic`` keeps sample values of each column, the address among
    them possibly). Then, for a superuser, ``VACUUM FULL pg_catalog.pg_statistic`` drops the
    old statistics' dead rows, of these tables and of those dbt and publish dropped. Tables
    dropped and rebuilt since the erasure are new files already.
    """
    done = []
    inspector = sa.inspect(engine)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for name in sorted(set(tables)):
            schema, table = name.split(".", 1)
            if not inspector.has_table(table, schema=schema):
                continue
            conn.execute(sa.text(f"vacuum (full, analyze) {_q(schema)}.{_q(table)}"))
            done.append(name)
        superuser = conn.execute(
            sa.text("select rolsuper from pg_roles where rolname = current_user")
        ).scalar()
        if superuser:
            conn.execute(sa.text("vacuum full pg_catalog.pg_statistic"))
            done.append("pg_catalog.pg_statistic")
    return done

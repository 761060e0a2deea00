"""Record identity: which rows of a changed landing file were loaded before.

Within its export (mapping profile and landing file) a record is identified by its
entity's record key fields when the row has them all (``source_record_id``, ``event_id``,
``decision_id``, ``answer_id``, ``opportunity_id``; a company's ``domain`` and ``as_of``),
else by a hash of its values and its occurrence among identical rows of the file. Every raw
row carries that identity (``_record_key``) and a hash of its values as loaded
(``_record_hash``, every canonical field).

A changed file (same name, new content) loads only the records whose key is new or whose
values changed since the latest version loaded; each change is a new version. Loading a
version marks the earlier ones ``_superseded_at`` (as does a later line of the same file
with the same key), so the latest version of each record is the row not superseded, and
staging reads only those (macro ``raw_latest``) without ranking every raw row on every
build. A record missing from the new file stays loaded. The SQL here runs on DuckDB
(loading) and PostgreSQL (marking superseded versions, upgrading older warehouses).
"""

from __future__ import annotations

import sqlalchemy as sa

from flows.entities import ENTITIES, RAW_SCHEMA, RAW_TABLES


def _q(name: str) -> str:
    return f'"{name}"'


# Latest version first: the newest load, then the last line of the file.
VERSION_ORDER = "_loaded_at desc, _batch_id desc, _source_row desc"


def value_fields(entity: str) -> list[str]:
    """The canonical columns of a raw table (what the record hash covers)."""
    return [c.name for c in RAW_TABLES[entity].columns if not c.name.startswith("_")]


def hash_sql(entity: str) -> str:
    """SQL of a row's ``_record_hash``: MD5 of its canonical values, each length-prefixed
    (so no two different rows give the same text), NULL written as ``-``."""
    parts = []
    for name in value_fields(entity):
        text = f'cast("{name}" as varchar)'
        parts.append(
            f"case when \"{name}\" is null then '-' else concat(length({text}), ':', {text}) end"
        )
    # concat once over all the pieces: a chain of || builds (and copies) each partial text
    return "md5(concat(" + ", '|', ".join(parts) + "))"


def _key_parts(entity: str) -> tuple[str, str] | None:
    """SQL of (``present``, ``key``) for an entity with record key fields, else None:
    ``present`` holds when every key field has a value, ``key`` is the record key made of
    them (``key:<field>|<field>...``). The one definition of a record key by its fields."""
    fields = ENTITIES[entity].record_key
    if not fields:
        return None
    values = [f"trim(cast({_q(f)} as varchar))" for f in fields]
    present = " and ".join(f"nullif({v}, '') is not null" for v in values)
    return present, "'key:' || " + " || '|' || ".join(values)


def key_sql(entity: str, occurrence: str) -> str:
    """SQL of a row's ``_record_key`` given its ``_record_hash`` and ``occurrence`` (the
    row's number among rows of the file with that hash)."""
    hashed = f"'hash:' || _record_hash || '#' || cast({occurrence} as varchar)"
    parts = _key_parts(entity)
    if parts is None:
        return hashed
    present, key = parts
    return f"case when {present} then {key} else {hashed} end"


def keyed_table_sql(entity: str, source: str) -> str:
    """SELECT of every row of ``source`` (columns of the raw table, without the record
    columns) with its ``_record_hash`` and ``_record_key``.

    Only rows without their record key fields are numbered among identical rows: rows with
    the same hash have the same key fields, so each hash's rows are all keyed or all not,
    and the window runs over the keyless rows alone (the same numbers as over every row)."""
    hashed = f"(select *, {hash_sql(entity)} as _record_hash from {source})"
    occurrence = "row_number() over (partition by _record_hash order by _source_row)"
    parts = _key_parts(entity)
    if parts is None:
        return f"select *, {key_sql(entity, occurrence)} as _record_key from {hashed} hashed"
    present = parts[0]
    # each branch filters the source before hashing it (no copy of the hashed rows)
    return (
        f"select *, {key_sql(entity, '0')} as _record_key from {hashed} keyed where {present} "
        f"union all select *, {key_sql(entity, occurrence)} as _record_key from {hashed} "
        f"keyless where not ({present})"
    )


def latest_versions_sql(entity: str, where: str) -> str:
    """SELECT of (``_record_key``, ``_record_hash``) of the latest version of every record
    of a raw table's rows matching ``where`` (one file loaded with one profile)."""
    return (
        f"select _record_key, _record_hash from {RAW_SCHEMA}.{entity} "
        f"where {where} and _superseded_at is null"
    )


def repeated_keys_sql(entity: str, source: str) -> str:
    """SELECT of (``_record_key``, ``_last``): each record key taken from the record's fields
    that several rows of ``source`` (rows of one file, keyed or not yet) share, with the
    last of their lines. Only such keys can repeat: a hash key counts occurrences."""
    parts = _key_parts(entity)
    if parts is None:
        return "select cast(null as varchar) as _record_key, 0 as _last where false"
    present, key = parts
    return (
        f"select {key} as _record_key, max(_source_row) as _last from {source} "
        f"where {present} group by 1 having count(*) > 1"
    )


def versioned_rows_sql(rows: str, repeated: str, now_sql: str) -> str:
    """SELECT of ``rows`` (keyed rows of one file) with ``_superseded_at``: ``now_sql`` on a
    line that a later line of the file with the same record key supersedes, else NULL.
    ``repeated``: SELECT of the keys that repeat and their last line
    (:func:`repeated_keys_sql`)."""
    return (
        f"select r.*, case when r._source_row < d._last then {now_sql} end as _superseded_at "
        f"from ({rows}) r left join ({repeated}) d on d._record_key = r._record_key"
    )


def supersede_sql(entity: str, mapping: str, source_file: str, batch: str, now_sql: str) -> str:
    """UPDATE marking superseded the earlier versions (other batches) of the records that
    batch ``batch`` loaded from ``source_file`` with profile ``mapping``."""
    table = f"{RAW_SCHEMA}.{entity}"
    this_file = f"_mapping = {_lit(mapping)} and _source_file = {_lit(source_file)}"
    return (
        f"update {table} set _superseded_at = {now_sql} where {this_file} "
        f"and _superseded_at is null and _batch_id <> {_lit(batch)} and _record_key in "
        f"(select _record_key from {table} where {this_file} and _batch_id = {_lit(batch)})"
    )


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def changed_rows_sql(keyed: str, existing: str) -> str:
    """SELECT of the rows of ``keyed`` to insert: every row of a record whose version in the
    file (its last line) is not the latest version in ``existing``."""
    return (
        f"with in_file as (select _record_key, arg_max(_record_hash, _source_row) as _hash "
        f"from {keyed} group by _record_key), "
        f"changed as (select in_file._record_key from in_file left join {existing} e "
        f"on e._record_key = in_file._record_key "
        f"where e._record_hash is distinct from in_file._hash) "
        f"select k.* from {keyed} k semi join changed on changed._record_key = k._record_key"
    )


def fill_missing_keys(conn: sa.Connection) -> dict[str, int]:
    """Give rows loaded before record keys existed their ``_record_hash`` and ``_record_key``
    (rows per table updated). Identical rows a file's two loads repeated get the same key,
    so staging keeps them once."""
    updated: dict[str, int] = {}
    for entity in ENTITIES:
        table = f"{RAW_SCHEMA}.{entity}"
        missing = conn.execute(
            sa.text(f"select count(*) from {table} where _record_key is null")
        ).scalar()
        if not missing:
            continue
        conn.execute(
            sa.text(
                f"update {table} set _record_hash = {hash_sql(entity)} where _record_hash is null"
            )
        )
        occurrence = "o._occurrence"
        key = key_sql(entity, occurrence)
        conn.execute(
            sa.text(
                f"update {table} set _record_key = {key} from (select _mapping as _m, "
                "_source_file as _f, _batch_id as _b, _source_row as _r, row_number() over ("
                "partition by _mapping, _source_file, _batch_id, _record_hash "
                f"order by _source_row) as _occurrence from {table} "
                "where _record_key is null) o where _record_key is null and _mapping = o._m "
                "and _source_file = o._f and _batch_id = o._b and _source_row = o._r"
            )
        )
        updated[entity] = int(missing)
    return updated


def mark_superseded(conn: sa.Connection, entity: str) -> int:
    """Mark the earlier versions of every record of a raw table loaded before
    ``_superseded_at`` existed (rows marked): each row ranked after the latest version of
    its record in its file and profile."""
    table = f"{RAW_SCHEMA}.{entity}"
    rank = (
        "row_number() over (partition by _mapping, _source_file, _record_key "
        f"order by {VERSION_ORDER})"
    )
    result = conn.execute(
        sa.text(
            f"update {table} set _superseded_at = o._at from (select _mapping as _m, "
            "_source_file as _f, _batch_id as _b, _source_row as _r, _loaded_at as _at "
            f"from (select *, {rank} as _rank from {table} where _record_key is not null) v "
            "where _rank > 1) o where _mapping = o._m and _source_file = o._f "
            "and _batch_id = o._b and _source_row = o._r"
        )
    )
    return int(result.rowcount or 0)

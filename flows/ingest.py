"""Load landing files into the ``raw`` schema: parse, map, validate and quarantine in DuckDB.

Python only decides what to do; DuckDB's readers parse the files, and one SQL statement per
table maps columns, checks every row and splits usable rows from rejected ones. A file is
loaded in one transaction together with its ledger entry, so a file is either loaded whole
or not at all, and a file whose content hash is in the ledger is never loaded twice.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from fnmatch import fnmatch
from pathlib import Path
from typing import Any, Literal

import fsspec
import sqlalchemy as sa

from flows.dialect import (
    CsvDialect,
    DialectError,
    detect_formats,
    effective_profile,
    number_sql,
    read_header,
    stage_records,
)
from flows.entities import ENTITIES, LOAD_LEDGER, QUARANTINE, RAW_SCHEMA, RAW_TABLES, Entity
from flows.mapping import MappingProfile, profiles_for
from flows.privacy import drop_suppressed, suppressed_hashes
from flows.records import (
    changed_rows_sql,
    keyed_table_sql,
    latest_versions_sql,
    repeated_keys_sql,
    supersede_sql,
    versioned_rows_sql,
)
from flows.settings import ConfigurationError, Warehouse
from flows.warehouse import duckdb_connection, duckdb_memory_limit

Status = Literal["loaded", "skipped", "rejected", "unmapped"]
CHUNK = 1 << 20
EMAIL_PATTERN = r"[^@\s]+@[^@\s]+\.[^@\s.]+"
DOMAIN_PATTERN = r"([a-z0-9-]+\.)+[a-z]{2,}"


class FileRejected(Exception):
    """A whole file cannot be loaded (missing column, undecodable bytes, unreadable)."""


@dataclass
class FileResult:
    """What happened to one landing file."""

    source_file: str
    status: Status
    mapping: str | None = None
    entity: str | None = None
    encoding: str | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    # rows of people erased with `leadflow forget` (ops.suppressions): dropped, not stored
    rows_suppressed: int = 0
    # records of a changed file loaded (or quarantined) before: not loaded again
    rows_unchanged: int = 0
    # rows a profile's `values:` mapped to null, and their values (JSON {value: count})
    rows_dropped: int = 0
    dropped_values: str | None = None
    error: str | None = None
    file_hash: str | None = None
    # the CSV dialect read, as JSON (flows/dialect.py)
    dialect: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def new_batch_id() -> str:
    """A batch id that sorts by time: ``20261122T133000Z-1a2b3c4d``."""
    return f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


# --------------------------------------------------------------------------- discovery


def open_landing(landing: str | Path) -> tuple[fsspec.AbstractFileSystem, str]:
    """The filesystem and root path of a landing folder (local path or fsspec URL)."""
    fs, root = fsspec.core.url_to_fs(str(landing))
    if not fs.isdir(root):
        raise FileNotFoundError(f"landing folder {landing} does not exist")
    return fs, root.rstrip("/")


def discover_files(fs: fsspec.AbstractFileSystem, root: str) -> list[str]:
    """Landing-relative paths of all files, sorted; parts starting with ``_`` or ``.`` skipped."""
    found = []
    for path in fs.find(root):
        relative = path[len(root) :].lstrip("/")
        if any(part.startswith(("_", ".")) for part in relative.split("/")):
            continue
        found.append(relative)
    return sorted(found)


@contextmanager
def local_copy(fs: fsspec.AbstractFileSystem, path: str) -> Iterator[Path]:
    """A local path for ``path``: itself on a local filesystem, else a temporary download."""
    if "file" in fs.protocol or "local" in fs.protocol:
        yield Path(path)
        return
    tmp = Path(tempfile.mkdtemp(prefix="leadflow-fetch-"))
    try:
        target = tmp / Path(path).name
        fs.get(path, str(target))
        yield target
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# --------------------------------------------------------------------------- bytes


@dataclass
class FileBytes:
    """Content hash and text encoding of a file, read in one pass."""

    sha256: str
    encoding: str  # utf-8, utf-8-sig, windows-1252, latin-1 or binary (non-text files)


def inspect_bytes(path: Path, declared: str | None, relative: str) -> FileBytes:
    """Hash the file and find its encoding; undecodable text is a :class:`FileRejected`.

    ``declared`` is the profile's encoding for CSV/JSONL (``auto`` tries UTF-8, with or
    without a byte-order mark, then Windows-1252), or ``None`` for binary formats.
    """
    digest = hashlib.sha256()
    candidates = {
        None: [],
        "auto": ["utf-8", "windows-1252"],
        "utf-8": ["utf-8"],
        "windows-1252": ["windows-1252"],
        "latin-1": ["latin-1"],
    }[declared]
    decoders = {name: codecs.getincrementaldecoder(name)("strict") for name in candidates}
    failures: dict[str, str] = {}
    offset = 0
    first = b""
    nul_at = -1
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            if not first:
                first = chunk[:3]
            digest.update(chunk)
            if candidates and nul_at < 0 and b"\x00" in chunk:
                nul_at = offset + chunk.index(b"\x00")
            for name in list(decoders):
                try:
                    decoders[name].decode(chunk, final=False)
                except UnicodeDecodeError as exc:
                    failures[name] = f"byte 0x{chunk[exc.start]:02x} at offset {offset + exc.start}"
                    del decoders[name]
            offset += len(chunk)
    for name in list(decoders):
        try:
            decoders[name].decode(b"", final=True)
        except UnicodeDecodeError:
            failures[name] = "truncated multi-byte character at end of file"
            del decoders[name]
    if declared is None:
        return FileBytes(digest.hexdigest(), "binary")
    if nul_at >= 0:
        raise FileRejected(f"{relative}: undecodable bytes: NUL byte at offset {nul_at}")
    for name in candidates:
        if name in decoders:
            if name == "utf-8" and first.startswith(codecs.BOM_UTF8):
                name = "utf-8-sig"
            return FileBytes(digest.hexdigest(), name)
    tried = "; ".join(f"{name}: {why}" for name, why in failures.items())
    raise FileRejected(f"{relative}: undecodable bytes (tried {tried})")


def utf8_path(path: Path, encoding: str, workdir: Path) -> Path:
    """A UTF-8 version of a text file (the file itself when it already is UTF-8)."""
    if encoding in ("utf-8", "utf-8-sig"):
        return path
    target = workdir / (path.name + ".utf8")
    with (
        path.open("r", encoding=encoding, newline="") as src,
        target.open("w", encoding="utf-8", newline="") as dst,
    ):
        shutil.copyfileobj(src, dst, CHUNK)
    return target


# --------------------------------------------------------------------------- SQL building


def _lit(value: str) -> str:
    """A SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def _ident(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def _timestamp_expr(text: str, profile: MappingProfile) -> str:
    """SQL turning text into a UTC timestamp, NULL when it cannot be parsed."""
    parts = []
    for fmt in profile.timestamp_formats:
        parsed = f"try_strptime({text}, {_lit(fmt)})"
        if "%z" in fmt or "%Z" in fmt:
            parts.append(f"timezone('UTC', {parsed})")
        elif profile.timezone.upper() != "UTC":
            parts.append(f"timezone('UTC', timezone({_lit(profile.timezone)}, {parsed}))")
        else:
            parts.append(parsed)
    # ISO 8601 with an offset or Z is always accepted (JSON exports, Parquet timestamps).
    parts.append(f"timezone('UTC', try_cast({text} as timestamptz))")
    if profile.timezone.upper() == "UTC":
        parts.append(f"try_cast({text} as timestamp)")
    else:
        parts.append(
            f"timezone('UTC', timezone({_lit(profile.timezone)}, try_cast({text} as timestamp)))"
        )
    return f"coalesce({', '.join(parts)})"


def _checks(
    entity: Entity, text: dict[str, str], typed: dict[str, str], profile: MappingProfile
) -> list[tuple[str, str, str]]:
    """(condition, reason SQL, field) triples, in order; the first true condition rejects a row."""
    checks: list[tuple[str, str, str]] = []
    for field in entity.required:
        checks.append((f"{text[field]} is null", _lit(f"missing {field}"), field))
    for group in entity.one_of:
        condition = " and ".join(f"{text[f]} is null" for f in group)
        checks.append((condition, _lit(f"missing {' or '.join(group)}"), group[0]))
    for field in entity.emails:
        cond = f"not regexp_full_match(lower(trim({text[field]})), {_lit(EMAIL_PATTERN)})"
        checks.append((f"{text[field]} is not null and {cond}", _lit(f"malformed {field}"), field))
    for field in entity.domains:
        cond = f"not regexp_full_match(lower(trim({text[field]})), {_lit(DOMAIN_PATTERN)})"
        checks.append((f"{text[field]} is not null and {cond}", _lit(f"malformed {field}"), field))
    for field, other, value in entity.required_when:
        cond = f"{text[field]} is null and lower({text[other]}) = {_lit(value)}"
        reason = _lit(f"missing {field} (required when {other} is {value})")
        checks.append((cond, reason, field))
    for field, allowed in entity.choices.items():
        listed = ", ".join(_lit(v) for v in allowed)
        cond = f"{text[field]} is not null and lower({text[field]}) not in ({listed})"
        checks.append((cond, _lit(f"unknown {field} (allowed: {', '.join(allowed)})"), field))
    for field, built_in in entity.vocabularies.items():
        listed = ", ".join(_lit(v) for v in profile.vocabulary(field, built_in))
        cond = f"{text[field]} is not null and lower({text[field]}) not in ({listed})"
        # the reason names the value: "unknown event_type 'sms_sent' (...)"
        after = f"' (neither built in nor declared in config/scoring.yml {field}s)"
        reason = f"{_lit(f'unknown {field} ' + chr(39))} || {text[field]} || {_lit(after)}"
        checks.append((cond, reason, field))
    for field in entity.timestamps:
        cond = f"{text[field]} is not null and {typed[field]} is null"
        checks.append((cond, _lit(f"unparseable {field}"), field))
    for field in (*entity.integers, *entity.decimals):
        cond = f"{text[field]} is not null and {typed[field]} is null"
        checks.append((cond, _lit(f"non-numeric {field}"), field))
    for name, spec in profile.attributes.items():
        cond = f"{text[name]} is not null and {typed[name]} is null"
        why = "non-numeric" if spec.type == "number" else "unparseable"
        extra = "" if spec.type == "number" else f" ({spec.type})"
        checks.append((cond, _lit(f"{why} {name}{extra}"), name))
    return checks


TRUE_WORDS = ("true", "t", "yes", "y", "1", "x", "checked", "on", "si", "sí", "ja", "oui")
FALSE_WORDS = ("false", "f", "no", "n", "0", "unchecked", "off", "nein", "non")


def _attribute_value(text: str, kind: str, profile: MappingProfile) -> str:
    """SQL giving an attribute's canonical text (numbers with a dot, ``true``/``false``,
    ``YYYY-MM-DD``), NULL when the value does not parse as its type."""
    if kind == "number":
        return f"cast(try_cast({number_sql(text, profile)} as double) as varchar)"
    if kind == "boolean":
        true, false = (", ".join(_lit(w) for w in words) for words in (TRUE_WORDS, FALSE_WORDS))
        return (
            f"(case when lower({text}) in ({true}) then 'true' "
            f"when lower({text}) in ({false}) then 'false' end)"
        )
    if kind == "date":
        # a date has no time zone: parsed as written, not converted to UTC
        parsed = [
            *(
                f"try_cast(try_strptime({text}, {_lit(f)}) as date)"
                for f in profile.timestamp_formats
            ),
            f"try_cast({text} as date)",
            f"try_cast(try_cast({text} as timestamp) as date)",
        ]
        return f"strftime(coalesce({', '.join(parsed)}), '%Y-%m-%d')"
    return text


@dataclass
class _Texts:
    """Layer 1 of :func:`parsed_select`: each value's text, trimmed, blank as NULL and
    mapped (``values:``), named ``_t_<field>`` (``_a<n>`` for attributes)."""

    columns: dict[str, str]  # name -> SQL over the source
    text: dict[str, str]  # field or attribute -> its text's column
    raw_value: dict[str, str]  # field -> its value as exported (blank as NULL, mapped)
    dropped: list[str]  # SQL of the source value a ``values:`` map sent to null


def _text_layer(
    profile: MappingProfile, source_columns: list[str], value_of: dict[str, str]
) -> _Texts:
    entity = ENTITIES[profile.entity]
    layer = _Texts(columns={}, text={}, raw_value={}, dropped=[])
    for field in entity.fields:
        if field in profile.columns and profile.columns[field] in source_columns:
            source_value = value_of[profile.columns[field]]
            trimmed = f"nullif(trim({source_value}), '')"
            raw = f"nullif({source_value}, '')"
        elif field in profile.constants:
            trimmed = raw = _lit(profile.constants[field])
        else:
            trimmed = raw = "cast(null as varchar)"
        mapping = profile.values.get(field)
        if mapping:
            to_null = ", ".join(_lit(k) for k, v in mapping.items() if v is None)
            if to_null:
                layer.dropped.append(f"case when {trimmed} in ({to_null}) then {trimmed} end")
            cases = " ".join(
                f"when {_lit(k)} then {'cast(null as varchar)' if v is None else _lit(v)}"
                for k, v in mapping.items()
            )
            trimmed = raw = f"(case {trimmed} {cases} else {trimmed} end)"
        layer.columns[f"_t_{field}"] = trimmed
        layer.text[field] = _ident(f"_t_{field}")
        # Raw keeps text as exported (only blank becomes NULL; value maps applied)
        if raw != trimmed:
            layer.columns[f"_r_{field}"] = raw
            layer.raw_value[field] = _ident(f"_r_{field}")
        else:
            layer.raw_value[field] = layer.text[field]
    for number, (name, spec) in enumerate(profile.attributes.items()):
        source_value = value_of.get(spec.column)
        layer.columns[f"_a{number}"] = (
            f"nullif(trim({source_value}), '')" if source_value else "cast(null as varchar)"
        )
        layer.text[name] = f"_a{number}"
    return layer


def _typed_layer(
    profile: MappingProfile, text: dict[str, str]
) -> tuple[dict[str, str], dict[str, str]]:
    """Layer 2 of :func:`parsed_select`: the typed value of each timestamp, number and
    attribute (NULL when its text does not parse). Returns (name -> SQL over the texts,
    field or attribute -> its typed column)."""
    entity = ENTITIES[profile.entity]
    typing: dict[str, str] = {}
    typed: dict[str, str] = {}
    for field in entity.timestamps:
        typing[f"_v_{field}"] = _timestamp_expr(text[field], profile)
    for field in entity.integers:
        number = number_sql(text[field], profile)
        typing[f"_v_{field}"] = f"try_cast(try_cast({number} as double) as bigint)"
    for field in entity.decimals:
        typing[f"_v_{field}"] = f"try_cast({number_sql(text[field], profile)} as double)"
    for field in (*entity.timestamps, *entity.integers, *entity.decimals):
        typed[field] = _ident(f"_v_{field}")
    for number, (name, spec) in enumerate(profile.attributes.items()):
        typing[f"_av{number}"] = _attribute_value(text[name], spec.type, profile)
        typed[name] = f"_av{number}"
    return typing, typed


def _check_columns(checks: list[tuple[str, str, str]], text: dict[str, str]) -> dict[str, str]:
    """Layer 3 of :func:`parsed_select`: ``_check``, the number of the first check a row
    fails (SQL over the typed layer), and from it the row's ``_reason``, ``_field`` and
    ``_value`` (SQL over ``_check``)."""
    numbered = list(enumerate(checks))

    def by_check(values: list[str]) -> str:
        return (
            "case _check " + " ".join(f"when {i} then {v}" for i, v in enumerate(values)) + " end"
        )

    return {
        "_check": "case " + " ".join(f"when {c} then {i}" for i, (c, _, _) in numbered) + " end",
        "_reason": by_check([reason for _, reason, _ in checks]),
        "_field": by_check([_lit(field) for _, _, field in checks]),
        "_value": by_check([text[field] for _, _, field in checks]),
    }


def parsed_select(
    profile: MappingProfile,
    source_columns: list[str],
    value_of: dict[str, str],
    carried: dict[str, str],
    source: str,
) -> tuple[str, list[str]]:
    """SELECT from ``source`` mapping source columns to canonical fields plus
    ``_reason/_field/_value`` and ``_dropped`` (the source value a ``values:`` map sent to
    null: the row is dropped), with the ``carried`` columns (name: SQL) first.

    ``value_of`` maps a source column name to the SQL expression of its text value.
    Returns the query and the canonical columns it produces (the fields, then
    ``attributes`` for an entity that has them). The query has layers so that each value
    is trimmed, mapped and parsed once, and each check evaluated once per row: the texts,
    then the typed values, then the number of the first check a row fails.
    """
    entity = ENTITIES[profile.entity]
    texts = _text_layer(profile, source_columns, value_of)
    typing, typed = _typed_layer(profile, texts.text)
    checks = _check_columns(_checks(entity, texts.text, typed, profile), texts.text)
    final = [_ident(name) for name in carried]
    final += [f"{typed.get(f, texts.raw_value[f])} as {_ident(f)}" for f in entity.fields]
    columns = list(entity.fields)
    if entity.attributes:
        pairs = ", ".join(f"{_lit(n)}, {typed[n]}" for n in profile.attributes)
        json = f"cast(json_object({pairs}) as varchar)" if pairs else "cast(null as varchar)"
        final.append(f"{json} as attributes")
        columns.append("attributes")
    final += [f"{checks[name]} as {name}" for name in ("_reason", "_field", "_value")]
    final.append("_dropped")
    dropped = f"coalesce({', '.join(texts.dropped)})" if texts.dropped else "null"
    layer1 = [f"{sql} as {_ident(name)}" for name, sql in carried.items()]
    layer1 += [f"{sql} as {_ident(name)}" for name, sql in texts.columns.items()]
    layer1.append(f"{dropped} as _dropped")
    layer2 = "".join(f", {sql} as {_ident(name)}" for name, sql in typing.items())
    query = (
        f"select {', '.join(final)} from (select *, {checks['_check']} as _check from ("
        f"select *{layer2} from (select {', '.join(layer1)} from {source}) texts) typed) checked"
    )
    return query, columns


# --------------------------------------------------------------------------- loading


@dataclass
class Staged:
    """Temp tables in a DuckDB connection: parsed rows and structurally broken lines."""

    rows_read: int
    columns: list[str]
    dialect: CsvDialect | None = None


# temp views and tables a load creates in its DuckDB connection (views first: they read
# the tables); a view is a step read once, so its rows are never copied
STAGING_VIEWS = ("_new", "_accepted", "_rejected_originals", "_originals")
STAGING_TABLES = (
    "_src", "_broken", "_rej_errors", "_rej_scans", "_rej_lines", "_physical", "_records",
    "_line_map", "_lines_raw", "_parsed", "_keyed", "_changed", "_existing",
    "_existing_quarantine",
    "_quarantined",
)  # fmt: skip


# the staged rows the quarantine keeps
REJECTED_ROWS = (
    "select * from _parsed where (_reason is not null or _json_error is not null) "
    "and _dropped is null"
)


def drop_staging(duck: Any) -> None:
    """Drop a load's temp views and tables."""
    for view in STAGING_VIEWS:
        duck.execute(f"drop view if exists {view}")
    for table in STAGING_TABLES:
        duck.execute(f"drop table if exists {table}")


def stage_file(duck: Any, path: Path, profile: MappingProfile, relative: str) -> Staged:
    """Read ``path`` into temp table ``_parsed`` (+ ``_broken`` lines) in ``duck``."""
    drop_staging(duck)
    dialect = None
    if profile.format == "csv":
        try:
            header, dialect = read_header(duck, path, profile, relative)
        except DialectError as exc:
            raise FileRejected(str(exc)) from None
        if not header:
            raise FileRejected(f"{relative}: empty file or no header row")
        missing = [c for c in profile.required_columns() if c not in header]
        if missing:
            raise FileRejected(
                f"{relative}: missing required column(s) {', '.join(map(repr, missing))} "
                f"for mapping {profile.name!r} (found: {', '.join(map(repr, header))}; "
                + (
                    "no delimiter of , ; tab | gives them)"
                    if "delimiter" in dialect.detected
                    else f"delimiter {dialect.delimiter!r})"
                )
            )
        columns = "{" + ", ".join(f"{_lit(c)}: 'VARCHAR'" for c in header) + "}"
        quote = profile.csv.quote
        duck.execute(
            f"create temp table _src as select * from read_csv({_lit(str(path))}, "
            f"header = true, auto_detect = false, columns = {columns}, "
            f"delim = {_lit(dialect.delimiter)}, quote = {_lit(quote)}, "
            f"escape = {_lit(quote)}, store_rejects = true, rejects_table = '_rej_errors', "
            f"rejects_scan = '_rej_scans', max_line_size = 10000000)"
        )
        entity = ENTITIES[profile.entity]
        mapped = {f: profile.columns[f] for f in entity.fields if profile.columns.get(f) in header}
        detect_formats(
            duck,
            profile,
            dialect,
            [mapped[f] for f in (*entity.integers, *entity.decimals) if f in mapped],
            [mapped[f] for f in entity.timestamps if f in mapped],
        )
        profile = effective_profile(profile, dialect)
        row_expr, source, original = _csv_records(duck, path, dialect)
        value_of = {c: f"_lines.{_ident(c)}" for c in header}
        present = header
    elif profile.format == "jsonl":
        keys = sorted(set(profile.columns.values()))
        paths = "[" + ", ".join(_lit(json_path(k)) for k in keys) + "]"
        # Each line is parsed twice at most (validity, then all fields in one call).
        duck.execute(
            f"create temp table _lines_raw as select * from read_csv({_lit(str(path))}, "
            "header = false, auto_detect = false, columns = {'_line': 'VARCHAR'}, "
            "delim = '\x1f', quote = '', escape = '', max_line_size = 100000000)"
        )
        duck.execute(
            "create temp table _src as select rowid as _r, _line, json_valid(_line) as _ok, "
            f"json_extract_string(case when json_valid(_line) then _line end, {paths}) as _vals "
            "from _lines_raw order by rowid"
        )
        duck.execute("drop table _lines_raw")
        duck.execute("create temp table _broken (_source_row bigint, _why varchar, _line varchar)")
        present_counts = duck.execute(
            "select " + ", ".join(f"count(_vals[{i + 1}])" for i in range(len(keys))) + " from _src"
        ).fetchone()
        present = [k for k, n in zip(keys, present_counts, strict=True) if n]
        missing = [c for c in profile.required_columns() if c not in present]
        if missing:
            raise FileRejected(
                f"{relative}: missing required field(s) {', '.join(map(repr, missing))} "
                f"for mapping {profile.name!r}: no line has them"
            )
        n_src = duck.execute("select count(*) from _src").fetchone()[0]
        row_expr = "_lines._r + 1"
        source = "_src _lines"
        value_of = {k: f"_lines._vals[{keys.index(k) + 1}]" for k in present}
        original = "_lines._line"
    else:  # parquet
        try:
            described = duck.execute(
                f"describe select * from read_parquet({_lit(str(path))})"
            ).fetchall()
        except Exception as exc:
            raise FileRejected(f"{relative}: not a readable Parquet file: {exc}") from None
        present = [row[0] for row in described]
        missing = [c for c in profile.required_columns() if c not in present]
        if missing:
            raise FileRejected(
                f"{relative}: missing required column(s) {', '.join(map(repr, missing))} "
                f"for mapping {profile.name!r} (found: {', '.join(map(repr, present))})"
            )
        duck.execute("create temp table _broken (_source_row bigint, _why varchar, _line varchar)")
        # read where it is used (a Parquet file is columnar and typed: no staging copy)
        source = f"read_parquet({_lit(str(path))}, file_row_number = true) _lines"
        n_src = duck.execute(f"select count(*) from {source}").fetchone()[0]
        row_expr = "_lines.file_row_number + 1"
        value_of = {c: f"cast(_lines.{_ident(c)} as varchar)" for c in present}
        original = (
            "to_json(struct_pack("
            + ", ".join(f"{_ident(c)} := _lines.{_ident(c)}" for c in present)
            + "))"
        )
    carried = {"_source_row": row_expr}
    if profile.format == "jsonl":
        carried["_json_error"] = "case when not _lines._ok then 'invalid JSON line' end"
    else:
        carried["_json_error"] = "cast(null as varchar)"
    query, fields = parsed_select(profile, present, value_of, carried, source)
    duck.execute(f"create temp table _parsed as {query}")
    # The original text is built only for the rows that need it, not carried through the
    # staged copies of every row: every row's (searched for a suppressed address), and the
    # rejected rows' (quarantined), filtered before their text is built.
    originals = f"select {row_expr} as _source_row, cast({original} as varchar) as _original"
    duck.execute(f"create temp view _originals as {originals} from {source}")
    duck.execute(
        f"create temp view _rejected_originals as {originals} from {source} "
        f"where {row_expr} in (select _source_row from ({REJECTED_ROWS}) rejected)"
    )
    if profile.format == "csv":
        n_src = duck.execute("select count(*) from _src").fetchone()[0]
    n_broken = duck.execute("select count(*) from _broken").fetchone()[0]
    return Staged(rows_read=n_src + n_broken, columns=fields, dialect=dialect)


def _csv_records(duck: Any, path: Path, dialect: CsvDialect) -> tuple[str, str, str]:
    """Temp table ``_broken`` (rows DuckDB's reader rejected, each problem named once) and
    the row number, FROM source and original text of the rows it read (``_src``).

    Row numbers are the physical lines where records start and the original text is the
    record's exact text (``_records``), unless quote parity and the reader disagree on the
    number of records (a stray quote): then the reader's record numbers and the row as JSON.
    """
    # DuckDB reports some problems once per column (TOO MANY COLUMNS: one per extra column):
    # each kind of problem is named once, with its message at the last column it reached
    duck.execute(
        "create temp table _rej_lines as with problems as (select line, error_type, "
        "arg_max(error_message, column_idx) as message, min(column_idx) as first_column, "
        "any_value(csv_line) as csv_line from _rej_errors group by line, error_type) "
        "select line as ordinal, string_agg(error_type || coalesce(': ' || message, ''), "
        "'; ' order by first_column, error_type) as _why, any_value(csv_line) as _line "
        "from problems group by line"
    )
    stage_records(duck, path, dialect)
    n_src = duck.execute("select count(*) from _src").fetchone()[0]
    header_at, n_data = duck.execute(
        "with header as (select min(ordinal) as ordinal from _records where not is_blank) "
        "select header.ordinal, count(r.ordinal) from header left join _records r "
        "on r.ordinal > header.ordinal and not r.is_blank group by header.ordinal"
    ).fetchone()
    n_rejected = duck.execute("select count(*) from _rej_lines").fetchone()[0]
    if header_at is not None and n_data == n_src + n_rejected:
        duck.execute(
            "create temp table _broken as select r.start_line as _source_row, b._why, "
            "r.text as _line from _rej_lines b join _records r on r.ordinal = b.ordinal"
        )
        duck.execute(
            "create temp table _line_map as select start_line, text, row_number() over "
            f"(order by ordinal) - 1 as k from _records where ordinal > {int(header_at)} and "
            "not is_blank and ordinal not in (select ordinal from _rej_lines)"
        )
        source = (
            "(select s.*, g.start_line as _line_no, g.text as _text from _src s "
            "join _line_map g on g.k = s.rowid) _lines"
        )
        row_expr, original = "_lines._line_no", "_lines._text"
    else:
        duck.execute(
            "create temp table _broken as select ordinal as _source_row, _why, "
            "trim(_line, chr(13) || chr(10)) as _line from _rej_lines"
        )
        duck.execute(
            "create temp table _line_map as select ordinal, row_number() over (order by "
            f"ordinal) - 1 as k from range(2, {n_src + n_rejected + 2}) r(ordinal) "
            "anti join _rej_lines b on b.ordinal = r.ordinal"
        )
        source = "(select s.*, g.ordinal from _src s join _line_map g on g.k = s.rowid) _lines"
        columns = [r[0] for r in duck.execute("describe _src").fetchall()]
        row_expr = "_lines.ordinal"
        original = (
            "to_json(struct_pack("
            + ", ".join(f"{_ident(c)} := _lines.{_ident(c)}" for c in columns)
            + "))"
        )
    duck.execute("drop table _rej_lines")
    return row_expr, source, original


def json_path(key: str) -> str:
    """A JSON path: ``key`` itself when it starts with ``$`` (nested fields such as
    ``$.properties.url``), else the quoted top-level key."""
    if key.startswith("$"):
        return key
    return '$."' + key.replace('"', '\\"') + '"'


def _quarantine_select(profile: MappingProfile, relative: str, batch: str, now: str) -> str:
    reason = "coalesce(_json_error, _reason)"
    return (
        f"select {_lit(batch)}, {_lit(relative)}, r._source_row, {_lit(profile.name)}, "
        f"{_lit(profile.entity)}, {reason}, case when _json_error is null then _field end, "
        f"case when _json_error is null then _value end, o._original, {now} "
        f"from ({REJECTED_ROWS}) r join _rejected_originals o on o._source_row = r._source_row "
        f"union all select {_lit(batch)}, {_lit(relative)}, _source_row, "
        f"{_lit(profile.name)}, "
        f"{_lit(profile.entity)}, 'malformed row: ' || _why, null, null, "
        f"coalesce(_line, ''), {now} from _broken"
    )


def _accepted_select(
    profile: MappingProfile, fields: list[str], relative: str, batch: str, now: str
) -> str:
    source_detail = f"coalesce(source_detail, {_lit(Path(relative).stem)})"
    cols = [source_detail if f == "source_detail" else _ident(f) for f in fields]
    return (
        f"select {', '.join(cols)}, {_lit(relative)}, _source_row, {_lit(profile.name)}, "
        f"{_lit(profile.source_type)}, {_lit(batch)}, {now} from _parsed "
        f"where _reason is null and _json_error is null and _dropped is null"
    )


def _counts(duck: Any) -> tuple[int, int]:
    loaded, quarantined = duck.execute(
        "select count(*) filter (where _reason is null and _json_error is null), "
        "count(*) filter (where _reason is not null or _json_error is not null) from _parsed "
        "where _dropped is null"
    ).fetchone()
    broken = duck.execute("select count(*) from _broken").fetchone()[0]
    return int(loaded), int(quarantined) + int(broken)


RECORD_COLUMNS = ("_record_key", "_record_hash", "_superseded_at")
# A quarantined row is the same as one quarantined before when its reason and text are.
QUARANTINE_ROW_HASH = "md5(reason || '|' || original_row)"


def _dropped(duck: Any) -> tuple[int, str | None]:
    """Rows a ``values:`` map sent to null, and their source values as JSON {value: count}."""
    rows = duck.execute(
        "select _dropped, count(*) from _parsed where _dropped is not null group by 1 order by 1"
    ).fetchall()
    counts = {value: int(n) for value, n in rows}
    return sum(counts.values()), json.dumps(counts, ensure_ascii=False) if counts else None


def _ledger_values(result: FileResult, uri: str, batch: str, now: datetime) -> dict[str, Any]:
    return {
        "file_hash": result.file_hash,
        "source_uri": uri,
        "source_file": result.source_file,
        "mapping": result.mapping,
        "entity": result.entity,
        "batch_id": batch,
        "status": result.status,
        "encoding": result.encoding,
        "rows_read": result.rows_read,
        "rows_loaded": result.rows_loaded,
        "rows_quarantined": result.rows_quarantined,
        "rows_suppressed": result.rows_suppressed,
        "rows_unchanged": result.rows_unchanged,
        "dialect": result.dialect,
        "rows_dropped": result.rows_dropped,
        "dropped_values": result.dropped_values,
        "error": result.error,
        "loaded_at": now,
    }


def already_loaded(engine: sa.Engine, file_hash: str, mapping: str, relative: str) -> str | None:
    """The file a content hash was loaded from with this mapping profile, if it was and
    loading it again would change nothing: from another file, or as this file's latest
    content (content this file had before and changed since is compared row by row)."""
    ledger = LOAD_LEDGER.c
    loaded = sa.and_(ledger.mapping == mapping, ledger.status == "loaded")
    with engine.connect() as conn:
        files = set(
            conn.execute(
                sa.select(ledger.source_file).where(loaded, ledger.file_hash == file_hash)
            ).scalars()
        )
        if not files:
            return None
        if relative not in files:
            return sorted(files)[0]
        latest = conn.execute(
            sa.select(ledger.file_hash)
            .where(loaded, ledger.source_file == relative)
            .order_by(ledger.loaded_at.desc(), ledger.batch_id.desc())
            .limit(1)
        ).scalar()
    return relative if latest == file_hash else None


def loaded_before(engine: sa.Engine, relative: str, mapping: str) -> bool:
    """Whether some content of this file was loaded with this profile (and not replaced)."""
    with engine.connect() as conn:
        return (
            conn.execute(
                sa.select(LOAD_LEDGER.c.batch_id)
                .where(
                    LOAD_LEDGER.c.source_file == relative,
                    LOAD_LEDGER.c.mapping == mapping,
                    LOAD_LEDGER.c.status == "loaded",
                )
                .limit(1)
            ).scalar()
            is not None
        )


def record_rejection(engine: sa.Engine, result: FileResult, uri: str, batch: str) -> None:
    """Write a ledger row for a file rejected whole (it will be tried again next run)."""
    with engine.begin() as conn:
        conn.execute(LOAD_LEDGER.insert().values(**_ledger_values(result, uri, batch, _utcnow())))


def load_file(
    engine: sa.Engine,
    warehouse: Warehouse,
    fs: fsspec.AbstractFileSystem,
    root: str,
    relative: str,
    profile: MappingProfile,
    batch_id: str,
    replace: bool = False,
) -> FileResult:
    """Load one landing file with its profile; never raises for bad data, only for I/O.

    Content already loaded with this profile is skipped. Of a changed file only the records
    not loaded before are loaded (flows/records.py). With ``replace`` (``leadflow reload``)
    the file is read again whatever its hash, and its rows from this profile (raw and
    quarantine) are replaced by the new load in one transaction, the ledger marking the
    earlier loads ``reprocessed``; a rejected reload leaves the earlier rows in place.
    """
    uri = fs.unstrip_protocol(f"{root}/{relative}")
    result = FileResult(
        source_file=relative, status="loaded", mapping=profile.name, entity=profile.entity
    )
    with (
        local_copy(fs, f"{root}/{relative}") as path,
        tempfile.TemporaryDirectory(prefix="leadflow-") as workdir,
    ):
        declared = profile.csv.encoding if profile.format == "csv" else None
        if profile.format == "jsonl":
            declared = "utf-8"
        try:
            info = inspect_bytes(path, declared, relative)
        except FileRejected as exc:
            result.file_hash = _sha256(path)
            return _reject(engine, result, uri, batch_id, str(exc))
        result.file_hash, result.encoding = info.sha256, info.encoding
        earlier = None if replace else already_loaded(engine, info.sha256, profile.name, relative)
        if earlier is not None:
            result.status = "skipped"
            result.error = None if earlier == relative else f"same content as {earlier}"
            return result
        readable = utf8_path(path, info.encoding, Path(workdir)) if declared else path
        load = Load(
            engine=engine,
            profile=profile,
            relative=relative,
            batch=batch_id,
            result=result,
            uri=uri,
            suppressed=suppressed_hashes(engine),
            changed=not replace and loaded_before(engine, relative, profile.name),
            replace=replace,
        )
        if warehouse.backend == "duckdb":
            return _load_into_duckdb(load, readable)
        return _load_into_postgres(load, readable, Path(workdir))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _reject(engine: sa.Engine, result: FileResult, uri: str, batch: str, why: str) -> FileResult:
    result.status = "rejected"
    result.error = why
    record_rejection(engine, result, uri, batch)
    return result


@dataclass
class Load:
    """One file's load with one profile: where it goes and what it replaces."""

    engine: sa.Engine
    profile: MappingProfile
    relative: str
    batch: str
    result: FileResult
    uri: str
    suppressed: dict[str, set[str]]
    # some content of the file was loaded before: compare records with what is loaded
    changed: bool = False
    # replace the file's rows from this profile (leadflow reload)
    replace: bool = False

    def earlier_rows(self) -> tuple[str, str]:
        """SELECTs of the latest record versions and the quarantined rows' hashes loaded
        from this file with this profile."""
        where = f"_mapping = {_lit(self.profile.name)} and _source_file = {_lit(self.relative)}"
        records = latest_versions_sql(self.profile.entity, where)
        quarantined = (
            f"select distinct {QUARANTINE_ROW_HASH} as _q from {RAW_SCHEMA}.quarantine "
            f"where {where}"
        )
        return records, quarantined

    def supersede_statement(self, now_sql: str) -> str:
        """SQL marking superseded the earlier versions of the records this load inserted."""
        profile = self.profile
        return supersede_sql(profile.entity, profile.name, self.relative, self.batch, now_sql)

    def replace_statements(self) -> list[str]:
        """SQL deleting the file's rows from this profile and marking its loads replaced."""
        if not self.replace:
            return []
        where = f"_mapping = {_lit(self.profile.name)} and _source_file = {_lit(self.relative)}"
        return [
            f"delete from {RAW_SCHEMA}.{self.profile.entity} where {where}",
            f"delete from {RAW_SCHEMA}.quarantine where {where}",
            f"update {RAW_SCHEMA}.load_ledger set status = 'reprocessed' "
            f"where mapping = {_lit(self.profile.name)} "
            f"and source_file = {_lit(self.relative)} and status = 'loaded'",
        ]


def _stage_or_reject(duck: Any, path: Path, load: Load) -> Staged | None:
    """Stage the file in ``duck``, drop suppressed people's rows and count rows; None, with
    ``result`` rejected, if unreadable."""
    profile, relative, result = load.profile, load.relative, load.result
    try:
        staged = stage_file(duck, path, profile, relative)
    except FileRejected as exc:
        result.status, result.error = "rejected", str(exc)
        return None
    except Exception as exc:  # a reader error means the file is unreadable as declared
        result.status = "rejected"
        result.error = f"{relative}: cannot be read as {profile.format}: {exc}"
        return None
    result.rows_read = staged.rows_read
    result.dialect = staged.dialect.as_json() if staged.dialect else None
    result.rows_suppressed = drop_suppressed(duck, ENTITIES[profile.entity].fields, load.suppressed)
    result.rows_loaded, result.rows_quarantined = _counts(duck)
    result.rows_dropped, result.dropped_values = _dropped(duck)
    return staged


def _select_new_rows(duck: Any, staged: Staged, load: Load, now_sql: str) -> None:
    """Temp view ``_new`` (raw rows to insert, with their record key and hash) and table
    ``_quarantined`` (quarantine rows to insert): of a changed file only what was not loaded
    before. Needs ``_existing`` and ``_existing_quarantine`` when ``load.changed``."""
    profile = load.profile
    table = RAW_TABLES[profile.entity]
    names = [c.name for c in table.columns if c.name not in RECORD_COLUMNS]
    accepted = _accepted_select(profile, staged.columns, load.relative, load.batch, now_sql)
    duck.execute(
        f"create temp view _accepted as select * from ({accepted}) "
        f"accepted({', '.join(_ident(n) for n in names)})"
    )
    q_names = ", ".join(_ident(c.name) for c in QUARANTINE.columns)
    quarantine = _quarantine_select(profile, load.relative, load.batch, now_sql)
    quarantined = f"select * from ({quarantine}) q({q_names})"
    keyed = keyed_table_sql(profile.entity, "_accepted")
    if load.changed:
        # each read twice below (their rows, and their records or repeated keys): computed once
        duck.execute(f"create temp table _keyed as {keyed}")
        duck.execute(f"create temp table _changed as {changed_rows_sql('_keyed', '_existing')}")
        rows, fields = "select * from _changed", "_changed"
        quarantined += f" where {QUARANTINE_ROW_HASH} not in (select _q from _existing_quarantine)"
    else:
        # a new file's rows are hashed and keyed as they are inserted, not copied first
        rows, fields = keyed, "_accepted"
    # the keys that repeat come from the records' fields (only those keys can repeat)
    repeated = repeated_keys_sql(profile.entity, fields)
    duck.execute(f"create temp view _new as {versioned_rows_sql(rows, repeated, now_sql)}")
    duck.execute(f"create temp table _quarantined as {quarantined}")


def _count_new_rows(duck: Any, result: FileResult, loaded: int) -> None:
    """Set the load's counts from the rows inserted (``loaded``) and ``_quarantined``:
    what a changed file repeats from earlier loads counts as ``rows_unchanged``."""
    kept = duck.execute("select count(*) from _quarantined").fetchone()[0]
    result.rows_unchanged = (result.rows_loaded - loaded) + (result.rows_quarantined - kept)
    result.rows_loaded, result.rows_quarantined = int(loaded), int(kept)


def _raw_columns(entity: str) -> str:
    return ", ".join(_ident(c.name) for c in RAW_TABLES[entity].columns)


def _load_into_duckdb(load: Load, path: Path) -> FileResult:
    now = _utcnow()
    now_sql = f"timestamp '{now.isoformat(sep=' ')}'"
    profile, result = load.profile, load.result
    with duckdb_connection(load.engine) as duck:
        staged = _stage_or_reject(duck, path, load)
        if staged is None:
            return _reject(load.engine, result, load.uri, load.batch, result.error or "")
        try:
            if load.changed:
                records, quarantined = load.earlier_rows()
                duck.execute(f"create temp table _existing as {records}")
                duck.execute(f"create temp table _existing_quarantine as {quarantined}")
            _select_new_rows(duck, staged, load, now_sql)
            target_cols = _raw_columns(profile.entity)
            q_cols = ", ".join(_ident(c.name) for c in QUARANTINE.columns)
            duck.execute("begin transaction")
            try:
                for statement in load.replace_statements():
                    duck.execute(statement)
                inserted = duck.execute(
                    f"insert into {RAW_SCHEMA}.{profile.entity} ({target_cols}) "
                    f"select {target_cols} from _new"
                ).fetchone()[0]
                _count_new_rows(duck, result, inserted)
                ledger = _ledger_values(result, load.uri, load.batch, now)
                if load.changed:
                    duck.execute(load.supersede_statement(now_sql))
                duck.execute(
                    f"insert into {RAW_SCHEMA}.quarantine ({q_cols}) "
                    f"select {q_cols} from _quarantined"
                )
                duck.execute(
                    f"insert into {RAW_SCHEMA}.load_ledger ({', '.join(ledger)}) values "
                    f"({', '.join('?' for _ in ledger)})",
                    list(ledger.values()),
                )
                duck.execute("commit")
            except BaseException:
                duck.execute("rollback")
                raise
        finally:
            drop_staging(duck)
    return result


def _fetch_into(duck: Any, engine: sa.Engine, name: str, select: str, workdir: Path) -> None:
    """Copy a query's result from the warehouse into DuckDB temp table ``name`` (through a
    Parquet file in ``workdir``)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    with engine.connect() as conn:
        result = conn.execute(sa.text(select))
        columns = list(result.keys())
        rows = result.fetchall()
    path = workdir / f"{name}.parquet"
    pq.write_table(
        pa.table({c: pa.array([r[i] for r in rows], pa.string()) for i, c in enumerate(columns)}),
        path,
    )
    duck.execute(f"create temp table {name} as select * from read_parquet({_lit(str(path))})")


def _load_into_postgres(load: Load, path: Path, workdir: Path) -> FileResult:
    """Parse in an in-memory DuckDB, then COPY both outputs into PostgreSQL in one transaction."""
    import duckdb

    now = _utcnow()
    now_sql = f"timestamp '{now.isoformat(sep=' ')}'"
    profile, result = load.profile, load.result
    table = RAW_TABLES[profile.entity]
    accepted_csv, quarantine_csv = workdir / "accepted.csv", workdir / "quarantine.csv"
    duck = duckdb.connect(config={"memory_limit": duckdb_memory_limit()})
    try:
        staged = _stage_or_reject(duck, path, load)
        if staged is None:
            return _reject(load.engine, result, load.uri, load.batch, result.error or "")
        if load.changed:
            records, quarantined = load.earlier_rows()
            _fetch_into(duck, load.engine, "_existing", records, workdir)
            _fetch_into(duck, load.engine, "_existing_quarantine", quarantined, workdir)
        _select_new_rows(duck, staged, load, now_sql)
        columns = _raw_columns(profile.entity)
        written = duck.execute(
            f"copy (select {columns} from _new) to {_lit(str(accepted_csv))} (header false)"
        ).fetchone()[0]
        _count_new_rows(duck, result, written)
        duck.execute(f"copy _quarantined to {_lit(str(quarantine_csv))} (header false)")
    finally:
        duck.close()
    ledger = _ledger_values(result, load.uri, load.batch, now)
    raw = load.engine.raw_connection()
    try:
        cursor = raw.driver_connection.cursor()
        for statement in load.replace_statements():
            cursor.execute(statement)
        for target, cols, file in (
            (f"{RAW_SCHEMA}.{profile.entity}", [c.name for c in table.columns], accepted_csv),
            (f"{RAW_SCHEMA}.quarantine", [c.name for c in QUARANTINE.columns], quarantine_csv),
        ):
            names = ", ".join(_ident(c) for c in cols)
            statement = f"copy {target} ({names}) from stdin (format csv)"
            with cursor.copy(statement) as copy, file.open("rb") as handle:
                while chunk := handle.read(CHUNK):
                    copy.write(chunk)
        if load.changed:
            cursor.execute(load.supersede_statement(now_sql))
        cursor.execute(
            f"insert into {RAW_SCHEMA}.load_ledger ({', '.join(ledger)}) values "
            f"({', '.join('%s' for _ in ledger)})",
            list(ledger.values()),
        )
        raw.commit()
    except BaseException:
        raw.rollback()
        raise
    finally:
        raw.close()
    return result


def plan_files(
    fs: fsspec.AbstractFileSystem, root: str, profiles: list[MappingProfile]
) -> tuple[list[tuple[str, MappingProfile]], list[FileResult]]:
    """Pair each landing file with its profile; files no profile matches are reported."""
    planned, unmapped = [], []
    for relative in discover_files(fs, root):
        matched = profiles_for(relative, profiles)
        if not matched:
            unmapped.append(
                FileResult(relative, "unmapped", error="no mapping profile matches this path")
            )
        planned.extend((relative, profile) for profile in matched)
    return planned, unmapped


# --------------------------------------------------------------------------- reload


def files_to_reload(
    engine: sa.Engine,
    root: str,
    planned: list[str],
    paths: list[str],
    since: datetime | None = None,
) -> list[str]:
    """The landing files ``leadflow reload`` reprocesses: those ``paths`` name (a file or
    folder, inside the landing folder or relative to it, or a glob pattern), narrowed to the
    files loaded on or after ``since`` when given. A path naming no landing file with a
    mapping profile is a :class:`ConfigurationError`."""
    selected: list[str] = []
    for given in paths:
        pattern = given.rstrip("/")
        local = Path(given)
        if local.exists() and local.resolve().is_relative_to(Path(root).resolve()):
            pattern = local.resolve().relative_to(Path(root).resolve()).as_posix()
        matched = [
            f
            for f in planned
            if pattern in ("", ".") or fnmatch(f, pattern) or f.startswith(pattern + "/")
        ]
        if not matched:
            raise ConfigurationError(
                f"reload {given}: no landing file with a mapping profile there "
                f"(landing folder {root})"
            )
        selected += [f for f in matched if f not in selected]
    if not paths:
        selected = list(planned)
    if since is not None:
        with engine.connect() as conn:
            recent = set(
                conn.execute(
                    sa.select(LOAD_LEDGER.c.source_file)
                    .where(LOAD_LEDGER.c.loaded_at >= since, LOAD_LEDGER.c.status == "loaded")
                    .distinct()
                ).scalars()
            )
        selected = [f for f in selected if f in recent]
    return sorted(selected)


# --------------------------------------------------------------------------- backfill


def files_dated_between(engine: sa.Engine, since: datetime, until: datetime) -> list[str]:
    """Landing-relative paths of loaded files holding a record dated in ``[since, until)``.

    A record's date is its entity's first timestamp field (captured_at, as_of, occurred_at,
    decided_at, answered_at, created_at).
    """
    found: set[str] = set()
    with engine.connect() as conn:
        for name, entity in ENTITIES.items():
            column = RAW_TABLES[name].c[entity.timestamps[0]]
            table = RAW_TABLES[name]
            rows = conn.execute(
                sa.select(table.c._source_file).where(column >= since, column < until).distinct()
            )
            found.update(r[0] for r in rows)
    return sorted(found)


def forget_files(engine: sa.Engine, files: list[str]) -> dict[str, int]:
    """Delete the rows loaded from ``files`` (raw tables, quarantine) and mark their ledger
    rows ``reprocessed``, in one transaction.

    The files are then loaded again by the next ingest, as if new; the ledger keeps the
    history of both loads. Rows deleted (or ledger rows marked) per table.
    """
    if not files:
        return {}
    deleted: dict[str, int] = {}
    with engine.begin() as conn:
        for name, table in [*RAW_TABLES.items(), ("quarantine", QUARANTINE)]:
            result = conn.execute(sa.delete(table).where(table.c._source_file.in_(files)))
            deleted[name] = int(result.rowcount or 0)
        result = conn.execute(
            sa.update(LOAD_LEDGER)
            .where(LOAD_LEDGER.c.source_file.in_(files), LOAD_LEDGER.c.status == "loaded")
            .values(status="reprocessed")
        )
        deleted["load_ledger"] = int(result.rowcount or 0)
    return deleted

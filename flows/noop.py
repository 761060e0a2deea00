"""A run with nothing to do: is anything new since the last published build?

A ``qualify`` run has nothing to do when, compared with the last build it published:

- every landing file is settled: for each profile matching it, its content hash is in the
  load ledger as ``loaded`` with that profile, or was ``rejected`` with it by the published
  run itself (the same bytes and mapping would be rejected again);
- the raw tables are as they were: the ledger's loads (batch and status) and the
  suppressions (``leadflow forget``) have not changed;
- the inputs of the build are the same files: every file of the configuration folder, the
  mapping folder, the dbt project and the GX project, and the versions of leadflow, dbt
  and DuckDB (:func:`build_inputs`, stored per file in ``ops.published_builds``).

A file's content hash is the truth; ``ops.landing_files`` keeps each file's size,
modification time and inode with its hash, so an unchanged file is not read again (the
rule ``make`` and ``rsync`` use). When only inputs changed, the run builds and names the
files that changed; :func:`demotions` then counts the leads the new build moves down.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata as package_metadata
from pathlib import Path
from typing import Any

import fsspec
import sqlalchemy as sa

from flows.entities import LOAD_LEDGER, RAW_SCHEMA, RAW_TABLES
from flows.ingest import FileResult
from flows.mapping import MappingProfile
from flows.settings import DBT_PROJECT_DIR, EXPECTATIONS_DIR

OPS_SCHEMA = "ops"
_ops = sa.MetaData(schema=OPS_SCHEMA)

PUBLISHED_BUILDS = sa.Table(
    "published_builds",
    _ops,
    sa.Column("batch_id", sa.Text(), nullable=False),
    sa.Column("published_at", sa.DateTime(), nullable=False),
    sa.Column("inputs_fingerprint", sa.Text(), nullable=False),
    sa.Column("inputs", sa.Text(), nullable=False),
    sa.Column("raw_state", sa.Text(), nullable=False),
    comment="One row per published build: the SHA-256 of each configuration, mapping, dbt "
    "and GX file it was built with (JSON), and a digest of the load ledger and suppressions.",
)
LANDING_FILES = sa.Table(
    "landing_files",
    _ops,
    sa.Column("source_uri", sa.Text(), nullable=False),
    sa.Column("size", sa.BigInteger(), nullable=False),
    sa.Column("modified", sa.Text(), nullable=False),
    sa.Column("file_hash", sa.Text(), nullable=False),
    sa.Column("checked_at", sa.DateTime(), nullable=False),
    comment="Content hash of each landing file seen, with the size, modification time and "
    "inode it had: a file whose three are unchanged is not hashed again.",
)

# Folders of the dbt and GX projects that are outputs or tooling, not inputs of a build.
NOT_INPUTS = {"target", "logs", "dbt_packages", "uncommitted", "lint", "__pycache__"}
VERSIONED = ("leadflow", "dbt-core", "duckdb")


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _file_hash(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _hash_tree(root: Path, prefix: str, out: dict[str, str]) -> None:
    for path in sorted(root.rglob("*")):
        parts = path.relative_to(root).parts
        if any(p.startswith(".") or p in NOT_INPUTS for p in parts) or not path.is_file():
            continue
        out[f"{prefix}/{'/'.join(parts)}"] = _file_hash(path)


def build_inputs(
    config: Path,
    mappings: Path,
    dbt_project: Path = DBT_PROJECT_DIR,
    expectations: Path = EXPECTATIONS_DIR,
) -> dict[str, str]:
    """What a build is made from: ``{name: sha256}`` for each file of the configuration,
    mapping, dbt and GX folders (named by role and relative path), and the tools' versions."""
    inputs: dict[str, str] = {}
    for root, prefix in (
        (config, "config"),
        (mappings, "mappings"),
        (dbt_project, "dbt_project"),
        (expectations, "expectations"),
    ):
        _hash_tree(root, prefix, inputs)
    for name in VERSIONED:
        try:
            inputs[f"version/{name}"] = package_metadata.version(name)
        except package_metadata.PackageNotFoundError:
            inputs[f"version/{name}"] = "not installed"
    return inputs


def changed_inputs(before: dict[str, str], after: dict[str, str]) -> list[str]:
    """Names of the inputs added, removed or changed, each with what happened, sorted."""
    out = []
    for name in sorted(set(before) | set(after)):
        if name not in before:
            out.append(f"{name} (added)")
        elif name not in after:
            out.append(f"{name} (removed)")
        elif before[name] != after[name]:
            out.append(name)
    return out


def _fingerprint(inputs: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()


def ensure_ops_tables(engine: sa.Engine) -> None:
    """Create ``ops.published_builds`` and ``ops.landing_files`` if missing."""
    with engine.begin() as conn:
        conn.execute(sa.text(f"create schema if not exists {OPS_SCHEMA}"))
        _ops.create_all(conn, checkfirst=True)


def raw_state(engine: sa.Engine) -> str:
    """A digest of what the raw tables were loaded from: the load ledger's entries per batch
    and status (rejections aside: they load nothing) and the suppressions."""
    with engine.connect() as conn:
        loads = conn.execute(
            sa.select(LOAD_LEDGER.c.batch_id, LOAD_LEDGER.c.status, sa.func.count())
            .where(LOAD_LEDGER.c.status != "rejected")
            .group_by(LOAD_LEDGER.c.batch_id, LOAD_LEDGER.c.status)
            .order_by(LOAD_LEDGER.c.batch_id, LOAD_LEDGER.c.status)
        ).all()
        suppressed = 0
        if sa.inspect(conn).has_table("suppressions", schema=OPS_SCHEMA):
            suppressed = conn.execute(
                sa.text(f"select count(*) from {OPS_SCHEMA}.suppressions")
            ).scalar_one()
    state = {"loads": [list(map(str, row)) for row in loads], "suppressions": int(suppressed)}
    return hashlib.sha256(json.dumps(state).encode()).hexdigest()


def record_published(engine: sa.Engine, batch_id: str, inputs: dict[str, str]) -> None:
    """Remember that ``batch_id`` published a build of ``inputs`` on the raw tables as now."""
    ensure_ops_tables(engine)
    state = raw_state(engine)
    with engine.begin() as conn:
        conn.execute(
            PUBLISHED_BUILDS.insert().values(
                batch_id=batch_id,
                published_at=_utcnow(),
                inputs_fingerprint=_fingerprint(inputs),
                inputs=json.dumps(inputs, sort_keys=True),
                raw_state=state,
            )
        )


@dataclass
class LastBuild:
    """The last published build."""

    batch_id: str
    published_at: datetime
    inputs: dict[str, str]
    raw_state: str


def last_published(engine: sa.Engine) -> LastBuild | None:
    """The last build published on this warehouse, if any was recorded."""
    if not sa.inspect(engine).has_table(PUBLISHED_BUILDS.name, schema=OPS_SCHEMA):
        return None
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(PUBLISHED_BUILDS).order_by(PUBLISHED_BUILDS.c.published_at.desc()).limit(1)
        ).first()
    if row is None:
        return None
    return LastBuild(row.batch_id, row.published_at, json.loads(row.inputs), row.raw_state)


class LandingHashes:
    """Content hashes of landing files, read again only when size, mtime or inode changed."""

    def __init__(self, engine: sa.Engine, fs: fsspec.AbstractFileSystem, root: str):
        self.engine, self.fs, self.root = engine, fs, root
        with engine.connect() as conn:
            rows = conn.execute(sa.select(LANDING_FILES)).all()
        self.known = {r.source_uri: (r.size, r.modified, r.file_hash) for r in rows}
        self.fresh: dict[str, tuple[int, str, str]] = {}

    def _stat(self, path: str) -> tuple[int, str]:
        if "file" in self.fs.protocol or "local" in self.fs.protocol:
            st = os.stat(path)
            return st.st_size, f"{st.st_mtime_ns}:{st.st_ino}"
        info = self.fs.info(path)
        modified = info.get("mtime") or info.get("LastModified") or info.get("ETag") or ""
        return int(info.get("size") or 0), str(modified)

    def of(self, relative: str) -> str:
        """The SHA-256 of a landing file's bytes (what the load ledger records)."""
        path = f"{self.root}/{relative}"
        uri = self.fs.unstrip_protocol(path)
        size, modified = self._stat(path)
        known = self.known.get(uri)
        if known and known[:2] == (size, modified) and modified:
            return known[2]
        with self.fs.open(path, "rb") as handle:
            digest = hashlib.file_digest(handle, "sha256").hexdigest()
        self.fresh[uri] = (size, modified, digest)
        return digest

    def save(self) -> None:
        """Store the hashes computed now (one transaction)."""
        if not self.fresh:
            return
        now = _utcnow()
        with self.engine.begin() as conn:
            conn.execute(sa.delete(LANDING_FILES).where(LANDING_FILES.c.source_uri.in_(self.fresh)))
            conn.execute(
                LANDING_FILES.insert(),
                [
                    {"source_uri": u, "size": s, "modified": m, "file_hash": h, "checked_at": now}
                    for u, (s, m, h) in self.fresh.items()
                ],
            )
        self.known.update(self.fresh)
        self.fresh = {}


@dataclass
class Decision:
    """Whether a run has something to do, and why."""

    last: LastBuild | None
    build: bool
    reason: str
    # inputs changed since the last published build (configuration, mappings, models)
    changed: list[str] = field(default_factory=list)
    # the landing files and the raw tables are as the last published build had them
    data_unchanged: bool = False
    # each landing file as the ledger has it (a no-op run reports them)
    files: list[FileResult] = field(default_factory=list)

    @property
    def inputs_only(self) -> bool:
        """Only configuration, mappings or models changed: the build's effect is theirs."""
        return self.build and self.data_unchanged and bool(self.changed)

    def message(self) -> str:
        """``nothing new since batch X published at T``, or what makes the run build."""
        if not self.build and self.last is not None:
            return (
                f"nothing new since batch {self.last.batch_id} published at "
                f"{self.last.published_at:%Y-%m-%d %H:%M:%S} UTC"
            )
        return self.reason


def _ledger_entries(engine: sa.Engine, hashes: set[str]) -> dict[tuple[str, str], list[Any]]:
    out: dict[tuple[str, str], list[Any]] = {}
    if not hashes:
        return out
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(
                LOAD_LEDGER.c.file_hash,
                LOAD_LEDGER.c.mapping,
                LOAD_LEDGER.c.status,
                LOAD_LEDGER.c.batch_id,
                LOAD_LEDGER.c.source_file,
                LOAD_LEDGER.c.error,
                LOAD_LEDGER.c.entity,
                LOAD_LEDGER.c.encoding,
            ).where(LOAD_LEDGER.c.file_hash.in_(sorted(hashes)))
        ).all()
    for row in rows:
        out.setdefault((row.file_hash, row.mapping), []).append(row)
    return out


def _settled(
    entries: list[Any], relative: str, profile: MappingProfile, digest: str, published: str
) -> FileResult | None:
    """How the ledger has one (file, profile): skipped if loaded, rejected if the published
    run rejected these bytes with this profile; None when the run must ingest it."""
    result = FileResult(relative, "skipped", mapping=profile.name, entity=profile.entity)
    result.file_hash = digest
    loaded = [e for e in entries if e.status == "loaded"]
    if loaded:
        earlier = loaded[0].source_file
        result.encoding = loaded[0].encoding
        result.error = None if earlier == relative else f"same content as {earlier}"
        return result
    rejected = [e for e in entries if e.status == "rejected" and e.batch_id == published]
    if rejected:
        result.status, result.error = "rejected", rejected[-1].error
        return result
    return None


def decide(
    engine: sa.Engine,
    fs: fsspec.AbstractFileSystem,
    root: str,
    planned: list[tuple[str, MappingProfile]],
    inputs: dict[str, str],
) -> Decision:
    """Whether the run has anything to do (see the module's docstring); the cheap checks
    first, landing files hashed only when their size, mtime or inode changed."""
    ensure_ops_tables(engine)
    last = last_published(engine)
    if last is None:
        return Decision(None, True, "no build was published on this warehouse yet")
    changed = changed_inputs(last.inputs, inputs)
    if raw_state(engine) != last.raw_state:
        return Decision(last, True, "raw tables changed since the last published build", changed)
    hashes = LandingHashes(engine, fs, root)
    digests = {relative: hashes.of(relative) for relative in dict.fromkeys(r for r, _ in planned)}
    hashes.save()
    ledger = _ledger_entries(engine, set(digests.values()))
    files: list[FileResult] = []
    for relative, profile in planned:
        digest = digests[relative]
        entries = ledger.get((digest, profile.name), [])
        result = _settled(entries, relative, profile, digest, last.batch_id)
        if result is None:
            return Decision(last, True, f"new or changed landing file {relative}", changed)
        files.append(result)
    if changed:
        reason = "changed since the last published build: " + ", ".join(changed)
        return Decision(last, True, reason, changed, data_unchanged=True, files=files)
    return Decision(last, False, "", [], data_unchanged=True, files=files)


# Funnel rank of each tier: a lead moved to a lower rank is demoted.
TIER_RANK = {
    "disqualified": 0,
    "nurture": 0,
    "name": 1,
    "profiled": 2,
    "mql": 3,
    "sal": 4,
    "sql": 5,
}


@dataclass
class Demotions:
    """Leads a build moves down, compared with the published marts."""

    sql_leads: int = 0
    open_opportunity_leads: int = 0
    # (from tier, to tier): leads; "(gone)" when the lead is no longer built
    moves: dict[tuple[str, str], int] = field(default_factory=dict)

    def warning(self) -> str | None:
        """One line for the run summary, or None when no SQL lead or open opportunity moves
        down."""
        if not (self.sql_leads or self.open_opportunity_leads):
            return None
        moves = ", ".join(f"{a} -> {b}: {n:,}" for (a, b), n in sorted(self.moves.items()))
        return (
            f"this change demotes {self.sql_leads:,} SQL lead(s) and "
            f"{self.open_opportunity_leads:,} lead(s) with open opportunities ({moves})"
        )


def demotions(engine: sa.Engine) -> Demotions:
    """Compare the tiers just built (``audit.leads``) with the published ones
    (``marts.leads``): SQL leads and leads with an open opportunity that move down."""
    out = Demotions()
    inspector = sa.inspect(engine)
    if not inspector.has_table("leads", schema="marts"):
        return out
    open_opps = "select cast(null as varchar(1)) as lead_id where 1 = 0"
    if inspector.has_table("sql_opportunities", schema="marts"):
        open_opps = "select distinct lead_id from marts.sql_opportunities where not is_closed"
    query = sa.text(
        "with open_opps as (" + open_opps + ") "
        "select published.tier, coalesce(built.tier, '(gone)') as built_tier, "
        "count(*) as leads, count(open_opps.lead_id) as with_open "
        "from marts.leads as published "
        "left join audit.leads as built on published.lead_id = built.lead_id "
        "left join open_opps on published.lead_id = open_opps.lead_id "
        "where built.tier is null or built.tier <> published.tier "
        "group by published.tier, coalesce(built.tier, '(gone)')"
    )
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    for old, new, leads, with_open in rows:
        if TIER_RANK.get(new, -1) >= TIER_RANK.get(old, -1):
            continue
        out.moves[(old, new)] = int(leads)
        if old == "sql":
            out.sql_leads += int(leads)
        out.open_opportunity_leads += int(with_open)
    return out


def changed_sources(engine: sa.Engine, last: LastBuild) -> list[str] | None:
    """The raw tables with rows loaded or superseded since the last published build, for a
    build of only what they feed (dbt's ``source:raw.<table>+``); None when the whole
    project must be built: a person was erased since (``leadflow forget`` deletes rows
    from every table)."""
    since = {"since": last.published_at}
    with engine.connect() as conn:
        if sa.inspect(conn).has_table("suppressions", schema=OPS_SCHEMA):
            erased = conn.execute(
                sa.text(
                    f"select count(*) from {OPS_SCHEMA}.suppressions where suppressed_at > :since"
                ),
                since,
            ).scalar_one()
            if erased:
                return None
        # a raw table gains or supersedes rows only by a load, which the ledger records with
        # the time its rows carry (_loaded_at; the versions it supersedes are its records')
        loaded = set(
            conn.execute(
                sa.text(
                    f"select distinct entity from {RAW_SCHEMA}.load_ledger "
                    "where loaded_at > :since and rows_loaded > 0"
                ),
                since,
            ).scalars()
        )
        return [table for table in RAW_TABLES if table in loaded]

"""A helper for ingestion tests: load every file of a landing folder as a run does."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from flows import ingest
from flows.mapping import load_profiles
from flows.settings import Warehouse
from flows.warehouse import ensure_raw_schema, make_engine


def load_landing(
    engine: sa.Engine,
    warehouse: Warehouse,
    landing: Path,
    mappings: Path,
    replace: tuple[str, ...] = (),
) -> dict[str, ingest.FileResult]:
    """Load each landing file with its profiles in one batch (``replace``: files reloaded);
    the result per landing-relative path."""
    fs, root = ingest.open_landing(landing)
    planned, _ = ingest.plan_files(fs, root, load_profiles(mappings))
    batch = ingest.new_batch_id()
    return {
        relative: ingest.load_file(
            engine, warehouse, fs, root, relative, profile, batch, replace=relative in replace
        )
        for relative, profile in planned
    }


def warehouse_with_profiles(
    folder: Path, url: str, profiles: dict[str, str]
) -> tuple[Warehouse, sa.Engine, Path]:
    """A warehouse at ``url`` with its raw schema, and a mappings folder in ``folder`` holding
    ``profiles`` (file stem -> YAML text)."""
    mappings = folder / "maps"
    mappings.mkdir()
    for name, text in profiles.items():
        (mappings / f"{name}.yml").write_text(text, encoding="utf-8")
    warehouse = Warehouse.from_env(url)
    engine = make_engine(warehouse)
    ensure_raw_schema(engine)
    return warehouse, engine, mappings

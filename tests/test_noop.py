"""A run with nothing to do: real landing files, the real load ledger, real dbt builds.

The decision (:mod:`flows.noop`) is tested on a DuckDB file with files loaded by the real
loader; the runs on a three-month copy of the sample: a second run says "nothing new" and
builds nothing, a touched file is hashed again and still nothing is new, a changed
configuration file builds and is named (with the SQL leads it demotes), a new landing file
builds, and ``full_refresh`` always builds.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

from flows import noop
from flows.cli import main
from flows.ingest import load_file, new_batch_id, open_landing, plan_files
from flows.mapping import load_profiles
from flows.qualify import nothing_new, qualify
from flows.settings import (
    DBT_PROJECT_DIR,
    DEFAULT_CONFIG_DIR,
    MAPPINGS_DIR,
    SAMPLE_SOURCES_DIR,
    Warehouse,
)
from flows.warehouse import ensure_raw_schema, make_engine
from tests.conftest import SAMPLE_SUBSET, copy_sample, duckdb_url, query
from tests.test_ops import LockHolder

FORMS = "forms/web_form_submissions_2026-01.csv"


def _config_copy(tmp_path: Path) -> Path:
    config = tmp_path / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, config)
    return config


# --------------------------------------------------------------------------- the decision


def test_inputs_are_named_by_role_and_a_changed_file_is_named(tmp_path):
    config = _config_copy(tmp_path)
    before = noop.build_inputs(config, MAPPINGS_DIR)
    assert before == noop.build_inputs(DEFAULT_CONFIG_DIR, MAPPINGS_DIR)  # content, not place
    assert {"config/scoring.yml", "mappings/web_forms.yml", "dbt_project/dbt_project.yml"} <= set(
        before
    )
    assert "expectations/gx/great_expectations.yml" in before
    assert before["version/leadflow"]
    assert not [name for name in before if "/target/" in name or "/uncommitted/" in name]
    with (config / "funnel.yml").open("a", encoding="utf-8") as handle:
        handle.write("\n# reviewed\n")
    (config / "notes.txt").write_text("new", encoding="utf-8")
    after = noop.build_inputs(config, MAPPINGS_DIR)
    assert noop.changed_inputs(before, after) == ["config/funnel.yml", "config/notes.txt (added)"]
    assert noop.changed_inputs(after, before) == [
        "config/funnel.yml",
        "config/notes.txt (removed)",
    ]


def _load_all(engine, warehouse, landing: Path, batch: str) -> list[str]:
    fs, root = open_landing(landing)
    planned, _ = plan_files(fs, root, load_profiles(MAPPINGS_DIR))
    return [
        load_file(engine, warehouse, fs, root, relative, profile, batch).status
        for relative, profile in planned
    ]


def _decide(engine, landing: Path, inputs: dict[str, str]) -> noop.Decision:
    fs, root = open_landing(landing)
    planned, _ = plan_files(fs, root, load_profiles(MAPPINGS_DIR))
    return noop.decide(engine, fs, root, planned, inputs)


def _hashed(engine) -> dict[str, object]:
    with engine.connect() as conn:
        rows = conn.execute(sa.text("select source_uri, checked_at from ops.landing_files"))
        return {uri.rsplit("/", 2)[-2] + "/" + uri.rsplit("/", 1)[-1]: at for uri, at in rows}


def test_the_decision_follows_the_ledger_the_inputs_and_the_landing_bytes(tmp_path):
    landing = copy_sample([FORMS, "email/email_engagement_2026-01.csv"], tmp_path / "landing")
    warehouse = Warehouse.from_env(duckdb_url(tmp_path / "wh.duckdb"))
    engine = make_engine(warehouse)
    ensure_raw_schema(engine)
    inputs = noop.build_inputs(DEFAULT_CONFIG_DIR, MAPPINGS_DIR)

    first = _decide(engine, landing, inputs)
    assert first.build and first.reason == "no build was published on this warehouse yet"
    batch = new_batch_id()
    assert _load_all(engine, warehouse, landing, batch) == ["loaded"] * 3  # forms feed two
    noop.record_published(engine, batch, inputs)

    idle = _decide(engine, landing, inputs)
    assert not idle.build
    assert idle.message().startswith(f"nothing new since batch {batch} published at ")
    assert sorted((f.source_file, f.mapping, f.status) for f in idle.files) == [
        ("email/email_engagement_2026-01.csv", "email_engagement", "skipped"),
        (FORMS, "form_events", "skipped"),
        (FORMS, "web_forms", "skipped"),
    ]
    hashed = _hashed(engine)
    assert set(hashed) == {FORMS, "email/email_engagement_2026-01.csv"}
    # the command's check before Prefect starts says the same, unless another run holds
    # the lock (then the flow waits for it and reports)
    said = nothing_new(sources=str(landing), warehouse_url=duckdb_url(tmp_path / "wh.duckdb"))
    assert said is not None and said.nothing_new == idle.message()
    assert {f["status"] for f in said.files} == {"skipped"} and len(said.files) == 3
    other = LockHolder(str(warehouse.url))  # another process's run holds the lock
    try:
        assert nothing_new(sources=str(landing), warehouse_url=str(warehouse.url)) is None
    finally:
        other.kill()
        for stream in (other.proc.stdin, other.proc.stdout, other.proc.stderr):
            stream.close()

    # touched, same bytes: hashed again (the stat changed), still nothing new
    os.utime(landing / FORMS, ns=(1_700_000_000_000_000_000, 1_700_000_000_000_000_000))
    assert not _decide(engine, landing, inputs).build
    again = _hashed(engine)
    assert again[FORMS] > hashed[FORMS]
    assert (
        again["email/email_engagement_2026-01.csv"] == hashed["email/email_engagement_2026-01.csv"]
    )

    # an input changed: build, naming it; the data are as published
    changed = dict(inputs, **{"config/icp.yml": "0" * 64})
    decision = _decide(engine, landing, changed)
    assert decision.build and decision.inputs_only and decision.changed == ["config/icp.yml"]

    # new bytes under the same name: build, naming the file
    with (landing / FORMS).open("a", encoding="utf-8") as handle:
        handle.write('"x-1","2026-01-31 10:00:00","Contact us"\n')
    decision = _decide(engine, landing, inputs)
    assert decision.build and not decision.inputs_only
    assert decision.reason == f"new or changed landing file {FORMS}"

    # the ledger moved on since the publish (a load whose build was not published): build
    shutil.copy(SAMPLE_SOURCES_DIR / FORMS, landing / FORMS)
    copy_sample(["email/email_engagement_2026-02.csv"], landing)
    _load_all(engine, warehouse, landing, new_batch_id())
    decision = _decide(engine, landing, inputs)
    assert decision.build and decision.reason.startswith("raw tables changed")
    engine.dispose()


# --------------------------------------------------------------------------- real runs


def _dbt_invocation() -> str:
    results = json.loads((DBT_PROJECT_DIR / "target" / "run_results.json").read_text())
    return results["metadata"]["invocation_id"]


@pytest.mark.integration
def test_a_run_with_nothing_new_builds_nothing_and_a_changed_input_builds(
    tmp_path, prefect_harness, capsys
):
    landing = copy_sample(SAMPLE_SUBSET, tmp_path / "landing")
    config = _config_copy(tmp_path)
    path = tmp_path / "wh.duckdb"
    url = duckdb_url(path)
    first = qualify(sources=str(landing), warehouse_url=url, config=str(config))
    assert first.published and first.nothing_new is None
    built_by = _dbt_invocation()
    published = query(path, "select batch_id from ops.published_builds")
    assert published == [(first.batch_id,)]
    leads = query(path, "select lead_id, tier from marts.leads order by 1")

    # ---- nothing new: the CLI says so, and nothing is loaded, built, gated or published
    code = main(["run", "--sources", str(landing), "--warehouse-url", url,
                 "--config", str(config), "--quiet"])  # fmt: skip
    assert code == 0
    out = capsys.readouterr().out
    assert f"nothing new since batch {first.batch_id} published at " in out
    assert "nothing loaded, built or published" in out
    assert _dbt_invocation() == built_by  # dbt was not invoked
    assert query(path, "select batch_id from ops.published_builds") == published
    assert query(path, "select count(distinct batch_id) from raw.load_ledger") == [(1,)]
    assert query(path, "select count(distinct run_id) from ops.gate_results") == [(1,)]
    assert query(path, "select lead_id, tier from marts.leads order by 1") == leads

    # ---- a configuration file changed: builds, names it, warns about demoted SQL leads
    qualification = yaml.safe_load((config / "qualification.yml").read_text(encoding="utf-8"))
    for criterion in qualification["frameworks"]["bant"]["criteria"]:
        if criterion["name"] == "timeline":
            criterion["within_months"] = 1
    (config / "qualification.yml").write_text(yaml.safe_dump(qualification), encoding="utf-8")
    sql_before = query(path, "select count(*) from marts.leads where tier = 'sql'")[0][0]
    stricter = qualify(sources=str(landing), warehouse_url=url, config=str(config))
    assert stricter.nothing_new is None and stricter.published
    assert stricter.changed_inputs == ["config/qualification.yml"]
    assert _dbt_invocation() != built_by
    sql_after = query(path, "select count(*) from marts.leads where tier = 'sql'")[0][0]
    assert sql_after < sql_before
    assert stricter.demotion_warning is not None
    assert stricter.demotion_warning.startswith(
        f"this change demotes {sql_before - sql_after} SQL lead(s) and "
    )
    assert "sql -> sal: " in stricter.demotion_warning
    assert [f["status"] for f in stricter.files if f["status"] == "loaded"] == []

    # ---- then nothing new again; a new landing file builds
    assert qualify(sources=str(landing), warehouse_url=url, config=str(config)).nothing_new
    copy_sample(["forms/web_form_submissions_2026-04.csv"], landing)
    grown = qualify(sources=str(landing), warehouse_url=url, config=str(config))
    assert grown.nothing_new is None and grown.published
    assert {f["status"] for f in grown.files if "2026-04" in f["source_file"]} == {"loaded"}
    assert grown.demotion_warning is None  # new data: the warning is about inputs only

    # ---- full refresh always builds
    built_by = _dbt_invocation()
    forced = qualify(sources=str(landing), warehouse_url=url, config=str(config), full_refresh=True)
    assert forced.nothing_new is None and forced.published
    assert _dbt_invocation() != built_by

"""Run dbt through its programmatic runner, pointed at the warehouse and the configuration."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flows.settings import DBT_PROJECT_DIR, Warehouse


class DbtError(RuntimeError):
    """A dbt command failed; the message lists the failed nodes."""


@dataclass
class DbtOutcome:
    """What a dbt command did: counts per status and the nodes that failed."""

    command: list[str]
    success: bool
    statuses: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    # failed data tests: what they test and the SQL that returns the failing rows
    failed_tests: list[FailedTest] = field(default_factory=list)


@dataclass
class FailedTest:
    """A dbt data test that failed: which test, on which model and column, how many rows."""

    unique_id: str
    test: str
    model: str
    column: str | None
    failing_rows: int | None
    sql: str | None
    samples: list[dict[str, Any]] = field(default_factory=list)

    def describe(self) -> str:
        """``unique on stg_x.email: 3 failing rows, e.g. {'email': 'a@b.c', 'n': 2}``."""
        target = f"{self.model}.{self.column}" if self.column else self.model
        count = "" if self.failing_rows is None else f"{self.failing_rows:,} "
        rows = f"{count}failing rows"
        line = f"test {self.test} on {target}: {rows}"
        if self.samples:
            line += ", e.g. " + "; ".join(str(sample) for sample in self.samples)
        return f"{line} ({self.unique_id})"


def _failed_test(node_result: Any) -> FailedTest | None:
    """What a failed data test tested, from dbt's result (None for models, unit tests)."""
    node = getattr(node_result, "node", None)
    if getattr(node, "resource_type", None) != "test" or not hasattr(node, "test_metadata"):
        return None
    metadata = getattr(node, "test_metadata", None)
    attached = getattr(node, "attached_node", None)  # the model's unique id; None on a source
    sources = [".".join(source) for source in getattr(node, "sources", None) or []]
    model = attached.rsplit(".", 1)[-1] if attached else ", ".join(sources) or "?"
    return FailedTest(
        unique_id=node.unique_id,
        test=getattr(metadata, "name", None) or node.name,
        model=model,
        column=getattr(node, "column_name", None),
        failing_rows=getattr(node_result, "failures", None),
        sql=getattr(node, "compiled_code", None),
    )


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


@contextmanager
def _argv_of_dbt(args: list[str]) -> Iterator[None]:
    """dbt records ``sys.argv`` as its ``invocation_command`` (logs/dbt.log, every artifact
    in target/): while dbt runs it is dbt's own command, never leadflow's, which may hold a
    password (``--warehouse-url``) or the address given to ``leadflow forget``."""
    saved = sys.argv
    sys.argv = [saved[0] if saved else "dbt", *args]
    try:
        yield
    finally:
        sys.argv = saved


def run_dbt(
    args: list[str],
    warehouse: Warehouse,
    variables: dict[str, Any],
    raise_on_failure: bool = True,
    project_dir: Path = DBT_PROJECT_DIR,
    on_node_finished: Callable[[], None] | None = None,
) -> DbtOutcome:
    """Run ``dbt <args>`` on the warehouse with ``variables`` passed as ``--vars``.

    ``project_dir`` is the dbt project (and profiles) folder, the project's own by default;
    ``on_node_finished`` is called each time dbt finishes a node (model, test, seed).
    """
    outcome = invoke_dbt(
        args,
        warehouse.dbt_env(),
        variables,
        False,
        project_dir,
        on_node_finished=on_node_finished,
    )
    if raise_on_failure and not outcome.success:
        add_samples(outcome, warehouse)
        raise DbtError(failure_message(outcome))
    return outcome


def invoke_dbt(
    args: list[str],
    profile_env: dict[str, str],
    variables: dict[str, Any],
    raise_on_failure: bool = True,
    project_dir: Path = DBT_PROJECT_DIR,
    on_node_finished: Callable[[], None] | None = None,
) -> DbtOutcome:
    """Run ``dbt <args>`` with ``profile_env`` set (the variables ``profiles.yml`` reads).

    The command line dbt logs is ``dbt <args>``, whatever leadflow was started with;
    ``on_node_finished`` is called each time dbt finishes a node.
    """
    from dbt.cli.main import dbtRunner

    env = {
        **profile_env,
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DO_NOT_TRACK": "1",
    }
    command = [
        *args,
        "--project-dir",
        str(project_dir),
        "--profiles-dir",
        str(project_dir),
        "--vars",
        json.dumps(variables),
    ]
    with _environment(env), _argv_of_dbt(args):
        callbacks = []
        if on_node_finished is not None:
            callbacks.append(
                lambda event: on_node_finished() if event.info.name == "NodeFinished" else None
            )
        result = dbtRunner(callbacks=callbacks).invoke(command)
    outcome = DbtOutcome(command=args, success=bool(result.success))
    results = getattr(result.result, "results", None) or []
    for node_result in results:
        status = str(getattr(node_result, "status", "unknown"))
        outcome.statuses[status] = outcome.statuses.get(status, 0) + 1
        if status in ("error", "fail", "runtime error"):
            failed_test = _failed_test(node_result) if status == "fail" else None
            if failed_test is not None:
                outcome.failed_tests.append(failed_test)
                continue
            node = getattr(node_result, "node", None)
            name = getattr(node, "unique_id", "?")
            message = getattr(node_result, "message", "") or ""
            outcome.failures.append(f"{name}: {status}: {message}".strip())
    if result.exception is not None:
        outcome.success = False
        outcome.failures.append(f"dbt raised: {result.exception}")
    if raise_on_failure and not outcome.success:
        raise DbtError(failure_message(outcome))
    return outcome


def failure_message(outcome: DbtOutcome) -> str:
    """What failed, one line per node: each failed test with its model, column, failing row
    count and sample rows, then any other failure."""
    lines = [t.describe() for t in outcome.failed_tests] + outcome.failures
    if any("Out of Memory Error" in line for line in lines):
        from flows.warehouse import duckdb_memory_limit

        lines.append(
            "DuckDB ran out of the memory it may use (LEADFLOW_DUCKDB_MEMORY_LIMIT, now "
            f"{duckdb_memory_limit()}): set it higher for this warehouse, e.g. "
            "LEADFLOW_DUCKDB_MEMORY_LIMIT=10GB on a 24 GiB machine"
        )
    detail = "\n  ".join(lines) or "see the dbt log above"
    return f"dbt {' '.join(outcome.command)} failed:\n  {detail}"


SAMPLE_ROWS = 3


def add_samples(outcome: DbtOutcome, warehouse: Warehouse) -> None:
    """Fetch a few of each failed test's failing rows (the test's own compiled SQL)."""
    import sqlalchemy as sa

    from flows.warehouse import make_engine

    tests = [t for t in outcome.failed_tests if t.sql]
    if not tests:
        return
    engine = make_engine(warehouse)
    try:
        for test in tests:
            query = f"select * from ({test.sql}) as failing limit {SAMPLE_ROWS}"
            try:
                with engine.connect() as conn:
                    rows = conn.execute(sa.text(query.replace(":", "\\:"))).mappings().all()
            except sa.exc.DBAPIError:
                continue  # samples are a courtesy: the count and the test still say it
            test.samples = [dict(row) for row in rows]
    finally:
        engine.dispose()


def scoring_changed(engine: Any, fingerprint: str) -> bool:
    """Whether the scored events were built with other scoring rules than ``fingerprint``."""
    import sqlalchemy as sa

    if not sa.inspect(engine).has_table("int_events_scored", schema="intermediate"):
        return False
    with engine.connect() as conn:
        other = conn.execute(
            sa.text(
                "select 1 from intermediate.int_events_scored "
                "where scoring_fingerprint is distinct from :fingerprint limit 1"
            ),
            {"fingerprint": fingerprint},
        ).first()
    return other is not None


def scored_events_changed(engine: Any) -> bool:
    """Whether an event scored by an earlier build has a newer version since: a changed
    landing file loaded it again with other values, marking the scored version superseded
    (flows/records.py). The incremental ``int_events_scored`` appends new events and keeps
    the first of each event id, so it would keep the old version: it must be rebuilt."""
    import sqlalchemy as sa

    if not sa.inspect(engine).has_table("int_events_scored", schema="intermediate"):
        return False
    with engine.connect() as conn:
        superseded = conn.execute(
            sa.text(
                "select 1 from raw.events, (select max(loaded_at) as built "
                "from intermediate.int_events_scored) scored "
                "where _loaded_at <= scored.built and _superseded_at > scored.built limit 1"
            )
        ).first()
    return superseded is not None

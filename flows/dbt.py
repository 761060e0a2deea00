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
    return invoke_dbt(
        args,
        warehouse.dbt_env(),
        variables,
        raise_on_failure,
        project_dir,
        on_node_finished=on_node_finished,
    )


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
            node = getattr(node_result, "node", None)
            name = getattr(node, "unique_id", "?")
            message = getattr(node_result, "message", "") or ""
            outcome.failures.append(f"{name}: {status}: {message}".strip())
    if result.exception is not None:
        outcome.success = False
        outcome.failures.append(f"dbt raised: {result.exception}")
    if raise_on_failure and not outcome.success:
        detail = "\n  ".join(outcome.failures) or "see the dbt log above"
        raise DbtError(f"dbt {' '.join(args)} failed:\n  {detail}")
    return outcome


def scoring_changed(engine: Any, fingerprint: str) -> bool:
    """Whether the scored events were built with other scoring rules than ``fingerprint``."""
    import sqlalchemy as sa

    if not sa.inspect(engine).has_table("int_events_scored", schema="intermediate"):
        return False
    with engine.connect() as conn:
        found = (
            conn.execute(
                sa.text("select distinct scoring_fingerprint from intermediate.int_events_scored")
            )
            .scalars()
            .all()
        )
    return any(f != fingerprint for f in found)

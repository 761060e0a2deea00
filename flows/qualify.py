"""The ``qualify`` flow: ingest landing files, build the tiers with dbt, gate, publish.

Run it with ``leadflow run`` or ``python flows/qualify.py``.
"""

from __future__ import annotations

import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from flows import gate as gates
from flows import noop, progress
from flows.config import (
    AccessConfig,
    dbt_variables,
    load_access,
    load_icp,
    load_qualification,
    load_scoring,
)
from flows.dbt import run_dbt, scored_events_changed, scoring_changed
from flows.handoff.config import HandoffConfig, load_handoff
from flows.handoff.run import choose_channel, hand_off_locked
from flows.ingest import (
    FileResult,
    files_dated_between,
    files_to_reload,
    forget_files,
    load_file,
    new_batch_id,
    open_landing,
    plan_files,
)
from flows.lock import WarehouseBusy, warehouse_lock
from flows.mapping import MappingProfile, attribute_types, load_profiles
from flows.notify import failure_payload, send
from flows.publish import mart_tables, publish, tier_counts
from flows.settings import (
    MAPPINGS_DIR,
    SAMPLE_SOURCES_DIR,
    ConfigurationError,
    Warehouse,
    config_dir,
)
from flows.warehouse import (
    WarehouseUnavailable,
    check_connection,
    ensure_raw_schema,
    kept_open,
    make_engine,
    retry_delays,
)


@dataclass
class RunSummary:
    """What one ``qualify`` run did."""

    batch_id: str
    warehouse: str
    files: list[dict[str, Any]] = field(default_factory=list)
    gates: list[dict[str, Any]] = field(default_factory=list)
    published: dict[str, int] = field(default_factory=dict)
    tiers: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    tiers_before: dict[str, int] = field(default_factory=dict)
    reprocessed: list[str] = field(default_factory=list)
    # files `leadflow reload` replaced
    reloaded: list[str] = field(default_factory=list)
    data_docs: str | None = None
    handoff: dict[str, Any] | None = None
    # set when the run had nothing to do: "nothing new since batch X published at T"
    nothing_new: str | None = None
    # configuration, mapping, dbt or GX files changed since the last published build
    changed_inputs: list[str] = field(default_factory=list)
    # dbt selectors of a build of only what changed (None: the whole project was built)
    build_selection: list[str] | None = None
    # when only those changed: "this change demotes N SQL lead(s) ..." (None if none)
    demotion_warning: str | None = None

    def tier_changes(self) -> dict[str, int]:
        """Leads per tier gained (+) or lost (-) by this run, in the published marts."""
        tiers = set(self.tiers) | set(self.tiers_before)
        changes = {t: self.tiers.get(t, 0) - self.tiers_before.get(t, 0) for t in tiers}
        return {t: n for t, n in sorted(changes.items()) if n}

    def rejected_files(self) -> list[dict[str, Any]]:
        """The results of the files rejected in this run."""
        return [f for f in self.files if f["status"] == "rejected"]

    def per_file(self) -> dict[str, dict[str, Any]]:
        """One entry per landing file (a file read by several profiles counts once): its
        status (rejected, loaded, skipped or unmapped, the first that any profile gave) and
        the profiles that read it."""
        order = ("rejected", "loaded", "skipped", "unmapped")
        out: dict[str, dict[str, Any]] = {}
        for f in self.files:
            entry = out.setdefault(f["source_file"], {"status": f["status"], "mappings": []})
            if order.index(f["status"]) < order.index(entry["status"]):
                entry["status"] = f["status"]
            if f.get("mapping"):
                entry["mappings"].append(f["mapping"])
        return out

    def totals(self) -> dict[str, int]:
        """Files per status and rows loaded / quarantined."""
        out: dict[str, int] = {}
        for f in self.files:
            out[f"files_{f['status']}"] = out.get(f"files_{f['status']}", 0) + 1
            out["rows_loaded"] = out.get("rows_loaded", 0) + f["rows_loaded"]
            out["rows_quarantined"] = out.get("rows_quarantined", 0) + f["rows_quarantined"]
            out["rows_suppressed"] = out.get("rows_suppressed", 0) + f.get("rows_suppressed", 0)
            out["rows_unchanged"] = out.get("rows_unchanged", 0) + f.get("rows_unchanged", 0)
            out["rows_dropped"] = out.get("rows_dropped", 0) + f.get("rows_dropped", 0)
        return out


# Errors that retrying cannot fix: the file is not there or not ours to read.
PERMANENT_IO_ERRORS = (FileNotFoundError, PermissionError, IsADirectoryError, NotADirectoryError)


class RejectedFiles(RuntimeError):
    """Landing files were rejected and the run was asked to be strict about it."""

    def __init__(self, summary: RunSummary):
        self.summary = summary
        rejected = summary.rejected_files()
        super().__init__(
            f"{len(rejected)} landing file(s) rejected: "
            + "; ".join(f["error"] or f["source_file"] for f in rejected)
        )


class LandingFileUnreadable(OSError):
    """A landing file is missing or not readable: retrying will not help."""


def retry_on_transient_io(task: Any, task_run: Any, state: Any) -> bool:
    """Retry only transient I/O errors (connection, timeout, other OSErrors)."""
    exc = state.data if isinstance(state.data, BaseException) else None
    if exc is None:
        try:
            exc = state.result(raise_on_failure=False)
        except Exception:
            return False
    if isinstance(exc, (LandingFileUnreadable, *PERMANENT_IO_ERRORS)):
        return False
    return isinstance(exc, ConnectionError | TimeoutError | OSError)


@task(
    retries=3,
    retry_delay_seconds=[2, 5, 15],
    retry_condition_fn=retry_on_transient_io,
    cache_policy=NO_CACHE,
)
def ingest_file(
    warehouse: Warehouse,
    landing: str,
    relative: str,
    profile: MappingProfile,
    batch_id: str,
    replace: bool = False,
) -> FileResult:
    """Load one landing file into ``raw`` (retried on transient I/O errors only); with
    ``replace``, its rows from this profile are replaced (``leadflow reload``)."""
    fs, root = open_landing(landing)
    engine = make_engine(warehouse)
    try:
        result = load_file(engine, warehouse, fs, root, relative, profile, batch_id, replace)
    except PERMANENT_IO_ERRORS as exc:
        raise LandingFileUnreadable(
            f"landing file {relative} cannot be read ({type(exc).__name__}: {exc})"
        ) from exc
    logger = get_run_logger()
    if result.status == "rejected":
        logger.warning("batch %s: rejected %s", batch_id, result.error)
    else:
        logger.info(
            "batch %s: %s %s: %d rows loaded, %d quarantined",
            batch_id,
            result.status,
            relative,
            result.rows_loaded,
            result.rows_quarantined,
        )
    return result


def retry_on_unavailable_warehouse(task: Any, task_run: Any, state: Any) -> bool:
    """Retry a refused connection only when the reason may pass (see ``check_connection``)."""
    try:
        state.result(raise_on_failure=True)
    except WarehouseUnavailable:
        return True
    except Exception:
        return False
    return False


@task(
    retries=3,
    retry_delay_seconds=[2, 5, 15],
    retry_condition_fn=retry_on_unavailable_warehouse,
    cache_policy=NO_CACHE,
)
def connect_warehouse(warehouse: Warehouse) -> None:
    """Check the warehouse answers before the run starts; retried while it is locked by
    another process, starting, full or unreachable, failing at once on anything else."""
    check_connection(warehouse)


@task(cache_policy=NO_CACHE)
def build_models(
    warehouse: Warehouse,
    variables: dict[str, Any],
    full_refresh: bool,
    select: list[str] | None = None,
) -> dict[str, int]:
    """``dbt build``: staging, intermediate and the tier tables in ``audit``, with dbt tests;
    with ``select``, only those nodes (dbt selectors) and their data tests: the unit tests
    check the models' logic on fixed rows, and the models are the files the last published
    build passed them with (see :func:`build_selection`)."""
    args = ["build", "--full-refresh"] if full_refresh else ["build"]
    if select:
        args += ["--select", *select, "--exclude-resource-type", "unit_test"]
    return run_dbt(args, warehouse, variables, on_node_finished=progress.advance).statuses


@task(cache_policy=NO_CACHE)
def validate_gate(
    warehouse: Warehouse, name: str, parameters: dict[str, Any], batch_id: str
) -> gates.GateResult:
    """Run one GX gate on its table in ``audit``."""
    result = gates.run_gate(warehouse, name, parameters=parameters, run_name=batch_id)
    get_run_logger().info(result.report())
    return result


@task(cache_policy=NO_CACHE)
def render_data_docs(batch_id: str) -> str | None:
    """Build the GX Data Docs pages of this run's gates; the index URL (None if it failed).

    The pages are a view of results already recorded in ``ops.gate_results``: a problem
    rendering them is logged, and does not fail the run.
    """
    try:
        url = gates.build_data_docs(batch_id)
    except Exception as exc:
        get_run_logger().warning("batch %s: GX Data Docs not built: %s", batch_id, exc)
        return None
    get_run_logger().info("batch %s: GX Data Docs: %s", batch_id, url)
    return url


@task(cache_policy=NO_CACHE)
def publish_marts(warehouse: Warehouse, access: AccessConfig) -> dict[str, int]:
    """Copy every validated tier table from ``audit`` to ``marts`` in one transaction
    (with the reader roles' grants on PostgreSQL)."""
    return publish(make_engine(warehouse), mart_tables(), access)


@task(cache_policy=NO_CACHE)
def hand_off_mqls(
    warehouse: Warehouse, settings: HandoffConfig, secret: bytes | None
) -> dict[str, Any]:
    """Hand the new MQL cycles to sales on the channel of ``handoff.yml`` (see
    :mod:`flows.handoff.run`); what it did."""
    from dataclasses import asdict

    channel, destination = choose_channel(settings, None, None, None)
    engine = make_engine(warehouse)
    result = hand_off_locked(engine, settings, channel, destination, datetime(1900, 1, 1), secret)
    if result.dead:
        get_run_logger().warning(
            "hand-off: %d dead letters (see ops.handoffs; retried by the next hand-off)",
            result.dead,
        )
    return asdict(result)


def run_report_markdown(summary: RunSummary, published: bool) -> str:
    """The run's summary as Markdown: files, rows, gate results and tier counts."""
    totals = summary.totals()
    lines = [
        f"# qualify run {summary.batch_id}",
        "",
        f"Warehouse: `{summary.warehouse}`. Published: **{'yes' if published else 'no'}**.",
        "",
        "| files loaded | already loaded | rejected | unmapped | rows loaded | rows quarantined |",
        "|---:|---:|---:|---:|---:|---:|",
        f"| {totals.get('files_loaded', 0)} | {totals.get('files_skipped', 0)} "
        f"| {totals.get('files_rejected', 0)} | {totals.get('files_unmapped', 0)} "
        f"| {totals.get('rows_loaded', 0):,} | {totals.get('rows_quarantined', 0):,} |",
        "",
        "## Gates",
        "",
        "| gate | table | result | expectations held |",
        "|---|---|---|---:|",
    ]
    for g in summary.gates:
        held = g["evaluated"] - len(g["failed"])
        result = "passed" if g["success"] else "**blocked**"
        lines.append(f"| {g['gate']} | {g['table']} | {result} | {held}/{g['evaluated']} |")
    for g in summary.gates:
        for f in g["failed"]:
            what = f["description"] or f["expectation"]
            lines.append(f"- `{g['gate']}`: {what}: {f['unexpected_count']} unexpected")
    if summary.data_docs:
        lines += ["", f"Validation details: [GX Data Docs]({summary.data_docs})"]
    if summary.tiers:
        lines += ["", "## Leads per tier", "", "| tier | leads |", "|---|---:|"]
        lines += [f"| {tier} | {count:,} |" for tier, count in sorted(summary.tiers.items())]
    rejected = [f for f in summary.files if f["status"] == "rejected"]
    if rejected:
        lines += ["", "## Rejected files", ""] + [f"- {f['error']}" for f in rejected]
    return "\n".join(lines) + "\n"


def publish_run_artifact(summary: RunSummary, published: bool) -> None:
    """Attach the run summary to the flow run as a Prefect Markdown artifact."""
    create_markdown_artifact(
        key="qualify-run",
        markdown=run_report_markdown(summary, published),
        description=f"qualify run {summary.batch_id}",
    )


def notify_failure(summary: RunSummary, warehouse: Warehouse | None, error: Exception) -> None:
    """POST the failed run's summary to the webhook, if one is set; never raises."""
    from prefect.runtime import flow_run

    logger = get_run_logger()
    try:
        payload = failure_payload(
            flow_run={"id": str(flow_run.id), "name": flow_run.name, "flow": "qualify"},
            batch_id=summary.batch_id,
            warehouse=warehouse,
            error=error,
            gates=summary.gates,
            files=summary.totals(),
        )
        send(payload, logger=logger)
    except Exception as exc:  # a notification problem must not hide the run's own error
        logger.warning("failure notification not sent: %s", type(exc).__name__)


@flow(name="qualify", log_prints=True)
def qualify(
    sources: str | None = None,
    warehouse_url: str | None = None,
    config: str | None = None,
    mappings: str | None = None,
    full_refresh: bool = False,
    lock_timeout: float = 0,
    backfill_since: str | None = None,
    backfill_until: str | None = None,
    reload: list[str] | None = None,
    reload_since: str | None = None,
    strict: bool = False,
) -> RunSummary:
    """Qualify leads end to end, one run per warehouse at a time.

    Steps:
    0. lock and connect: take the warehouse's run lock, waiting up to ``lock_timeout``
       seconds (the lock never opens the warehouse itself: a run that waits or is refused
       cannot disturb the one that holds it), then check the warehouse answers (retried
       while the reason may pass: the DuckDB file held by a process outside leadflow, a
       server down or starting);
    1. ingest: load each new landing file into ``raw`` (a task per file; ledger, quarantine);
    2. build: ``dbt build`` of staging, intermediate and the tier tables in ``audit``;
       incremental models score only new events, unless ``full_refresh`` is set or the
       scoring rules changed since the last build;
    3. gate: validate each tier table with its GX suite (results in ``ops.gate_results``);
    4. publish: copy the tier tables to ``marts`` in one transaction, only if every gate passed.

    Nothing to do: before step 1, when every landing file is in the ledger, the raw tables
    are as the last published build had them and the configuration, mappings and models are
    the files it was built with (:mod:`flows.noop`), the run says so and stops. When only
    those files changed, the summary names them and, before publishing, warns if the build
    moves SQL leads or leads with open opportunities down. ``full_refresh`` and backfills
    always build.

    Backfill: with ``backfill_since`` / ``backfill_until`` (ISO dates, the end excluded), the
    loaded files holding a record dated in the window and still in the landing folder are
    forgotten (raw rows, quarantine, ledger) and loaded again, and every model is rebuilt.

    Reload (``leadflow reload``): with ``reload`` (landing paths, folders or glob patterns;
    ``[]`` for every file) and/or ``reload_since`` (ISO date: files loaded since), those files
    are read again with the current mapping profiles, each replacing its earlier rows in one
    transaction, and every model is rebuilt.

    ``strict``: a rejected landing file fails the run (:class:`RejectedFiles`) once the other
    files are loaded and published as usual.

    A failed run POSTs a JSON summary to ``LEADFLOW_NOTIFY_WEBHOOK_URL`` when it is set.
    """
    begun = time.perf_counter()
    warehouse: Warehouse | None = None
    summary = RunSummary(batch_id=new_batch_id(), warehouse="")
    try:
        warehouse = Warehouse.from_env(warehouse_url)
        summary.warehouse = warehouse.display_url
        with warehouse_lock(warehouse, timeout=lock_timeout):
            connect_warehouse.with_options(retry_delay_seconds=retry_delays())(warehouse)
            window = _window(backfill_since, backfill_until)
            reloading = _reload_request(reload, reload_since)
            summary = _qualify_locked(
                summary, warehouse, sources, config, mappings, full_refresh, window, reloading,
                begun,
            )  # fmt: skip
        if strict and summary.rejected_files():
            raise RejectedFiles(summary)
        return summary
    except Exception as exc:
        progress.finish()
        notify_failure(summary, warehouse, exc)
        raise


def _qualify_locked(
    summary: RunSummary,
    warehouse: Warehouse,
    sources: str | None,
    config: str | None,
    mappings: str | None,
    full_refresh: bool,
    window: tuple[datetime, datetime] | None = None,
    reloading: tuple[list[str], datetime | None] | None = None,
    begun: float | None = None,
) -> RunSummary:
    """The steps of :func:`qualify`, run while holding the warehouse lock; ``begun``: when
    the flow began (the ``prepare`` step: lock, connection, configuration, raw schema)."""
    landing = str(sources or SAMPLE_SOURCES_DIR)
    folder = config_dir(config)
    # every configuration file is read and validated before anything is loaded; the mapping
    # profiles first: the configuration may use the attributes they define
    profiles = load_profiles(Path(mappings) if mappings else MAPPINGS_DIR)
    attributes = attribute_types(profiles)
    variables = dbt_variables(folder, attributes)
    scoring, qualification = load_scoring(folder, attributes), load_qualification(folder)
    profiles = [p.declare("event_type", scoring.event_types) for p in profiles]
    access = load_access(folder)
    handoff = load_handoff(folder, attributes)
    if handoff.enabled:  # the channel and its secret are checked before anything is loaded
        choose_channel(handoff, None, None, None)
        handoff_secret = handoff.secret() if handoff.channel == "webhook" else None
    engine = make_engine(warehouse)
    ensure_raw_schema(engine)
    logger = get_run_logger()
    logger.info("batch %s: warehouse %s, landing %s", summary.batch_id, summary.warehouse, landing)

    started = time.perf_counter()
    summary.timings["prepare"] = started - (begun or started)
    fs, root = open_landing(landing)
    planned, unmapped = plan_files(fs, root, profiles)
    summary.tiers_before = tier_counts(engine)
    inputs = noop.build_inputs(folder, Path(mappings) if mappings else MAPPINGS_DIR)
    decision = None
    if not full_refresh and window is None and reloading is None:
        decision = noop.decide(engine, fs, root, planned, inputs)
        summary.changed_inputs = decision.changed
        if not decision.build:
            _nothing_to_do(summary, decision, unmapped, started)
            logger.info("batch %s: %s", summary.batch_id, summary.nothing_new)
            return summary
        logger.info("batch %s: building: %s", summary.batch_id, decision.reason)
    if window is not None:
        present = {relative for relative, _ in planned}
        dated = files_dated_between(engine, *window)
        summary.reprocessed = [f for f in dated if f in present]
        for missing in sorted(set(dated) - present):
            logger.warning(
                "batch %s: backfill keeps %s as loaded: the file is no longer in the landing",
                summary.batch_id,
                missing,
            )
        deleted = forget_files(engine, summary.reprocessed)
        logger.info(
            "batch %s: backfill %s .. %s: reprocessing %d files (rows forgotten: %s)",
            summary.batch_id,
            window[0].date(),
            window[1].date(),
            len(summary.reprocessed),
            deleted,
        )
        full_refresh = True
    if reloading is not None:
        summary.reloaded = files_to_reload(
            engine, root, sorted({relative for relative, _ in planned}), *reloading
        )
        logger.info(
            "batch %s: reloading %d files: %s",
            summary.batch_id,
            len(summary.reloaded),
            ", ".join(summary.reloaded),
        )
        full_refresh = True
    for result in unmapped:
        logger.warning(
            "batch %s: skipped %s: %s", summary.batch_id, result.source_file, result.error
        )
    ingest = ingest_file.with_options(retry_delay_seconds=retry_delays())
    progress.step("ingest", total=len(planned), unit="files")
    results = []
    with kept_open(engine):
        for relative, profile in planned:
            replace = relative in summary.reloaded
            result = ingest(warehouse, landing, relative, profile, summary.batch_id, replace)
            progress.advance(
                rows_loaded=result.rows_loaded, rows_quarantined=result.rows_quarantined
            )
            results.append(result)
    summary.files = [r.as_dict() for r in [*results, *unmapped]]
    summary.timings["ingest"] = time.perf_counter() - started

    started = time.perf_counter()
    fingerprint = scoring.fingerprint()
    rebuild = full_refresh
    if not rebuild and scoring_changed(engine, fingerprint):
        logger.info("batch %s: scoring rules changed: rebuilding scored events", summary.batch_id)
        rebuild = True
    elif not rebuild and scored_events_changed(engine):
        logger.info(
            "batch %s: events scored before were changed by a landing file: rebuilding "
            "scored events",
            summary.batch_id,
        )
        rebuild = True
    summary.build_selection = build_selection(engine, decision)
    if summary.build_selection is not None:
        logger.info(
            "batch %s: building what the changed raw tables feed: %s",
            summary.batch_id,
            " ".join(summary.build_selection),
        )
    progress.step("build", unit="dbt nodes")
    build_models(warehouse, variables, rebuild, summary.build_selection)
    summary.timings["dbt"] = time.perf_counter() - started

    started = time.perf_counter()
    parameters = gates.gate_parameters(qualification, load_icp(folder, attributes))
    progress.step("gate", total=len(gates.GATES), unit="gates")
    outcomes = []
    for name, _ in gates.GATES:
        outcomes.append(validate_gate(warehouse, name, parameters, summary.batch_id))
        progress.advance(expectations_failed=len(outcomes[-1].failed))
    gates.record_results(engine, summary.batch_id, outcomes)
    summary.gates = [o.as_dict() for o in outcomes]
    summary.data_docs = render_data_docs(summary.batch_id)
    summary.timings["gate"] = time.perf_counter() - started
    if not all(o.success for o in outcomes):
        publish_run_artifact(summary, published=False)
        raise gates.GateFailed(outcomes)

    if decision is not None and decision.inputs_only:
        summary.demotion_warning = noop.demotions(engine).warning()
        if summary.demotion_warning:
            logger.warning("batch %s: %s", summary.batch_id, summary.demotion_warning)

    started = time.perf_counter()
    progress.step("publish", unit="tables")
    summary.published = publish_marts(warehouse, access)
    noop.record_published(engine, summary.batch_id, inputs)
    progress.advance(len(summary.published), rows=sum(summary.published.values()))
    progress.finish()
    summary.timings["publish"] = time.perf_counter() - started
    started = time.perf_counter()
    summary.tiers = tier_counts(engine)
    publish_run_artifact(summary, published=True)
    logger.info(
        "batch %s: published %s; tiers %s", summary.batch_id, summary.published, summary.tiers
    )
    summary.timings["report"] = time.perf_counter() - started
    if handoff.enabled:
        started = time.perf_counter()
        summary.handoff = hand_off_mqls(warehouse, handoff, handoff_secret)
        summary.timings["handoff"] = time.perf_counter() - started
    return summary


def build_selection(engine: sa.Engine, decision: noop.Decision | None) -> list[str] | None:
    """The dbt selectors of a build of only what changed since the last published build:
    the models the raw tables with new or superseded rows feed, and those of the
    operational tables (hand-offs change after every build). None (build everything) on a
    first build, a full refresh, backfill or reload (no decision was made), when the
    configuration, mappings, models or tools changed, or after an erasure. The models left
    out read only unchanged tables, so their tables from the earlier build stand."""
    if decision is None or decision.last is None or decision.changed:
        return None
    tables = noop.changed_sources(engine, decision.last)
    if tables is None:
        return None
    return [f"source:raw.{table}+" for table in tables] + ["source:ops+"]


def _reload_request(
    paths: list[str] | None, since: str | None
) -> tuple[list[str], datetime | None] | None:
    """What ``leadflow reload`` asked for: landing paths and files loaded since a date."""
    if paths is None and since is None:
        return None
    start = None
    if since is not None:
        try:
            start = datetime.fromisoformat(since)
        except ValueError as exc:
            raise ConfigurationError(f"reload --since: {exc} (expected YYYY-MM-DD)") from None
    return list(paths or []), start


def _nothing_to_do(
    summary: RunSummary,
    decision: noop.Decision,
    unmapped: list[FileResult],
    started: float,
) -> RunSummary:
    """The summary of a run that had nothing to do: files as the ledger has them, the
    published tiers; nothing is loaded, built or published."""
    summary.nothing_new = decision.message()
    summary.files = [r.as_dict() for r in [*decision.files, *unmapped]]
    summary.tiers = dict(summary.tiers_before)
    summary.timings["check"] = time.perf_counter() - started
    progress.finish()
    return summary


def nothing_new(
    sources: str | None = None,
    warehouse_url: str | None = None,
    config: str | None = None,
    mappings: str | None = None,
) -> RunSummary | None:
    """The summary of a run with nothing to do, found without starting Prefect (its
    temporary server takes seconds); None when there is something to do, another run holds
    the lock or the warehouse cannot be read now: then run the ``qualify`` flow, which
    waits for the lock, reports a refusal and checks again.

    Holds the warehouse lock while it reads (taken only if free at once). Any error (a
    configuration file, the landing folder, the warehouse) also gives None: the flow meets
    it again and reports it as a run does.
    """
    warehouse = Warehouse.from_env(warehouse_url)
    summary = RunSummary(batch_id=new_batch_id(), warehouse=warehouse.display_url)
    started = time.perf_counter()
    with ExitStack() as held:
        try:
            held.enter_context(warehouse_lock(warehouse, timeout=0))
        except WarehouseBusy:
            return None
        engine = make_engine(warehouse)
        held.callback(engine.dispose)
        try:
            folder = config_dir(config)
            mapping_dir = Path(mappings) if mappings else MAPPINGS_DIR
            profiles = load_profiles(mapping_dir)
            dbt_variables(folder, attribute_types(profiles))
            load_access(folder)
            fs, root = open_landing(str(sources or SAMPLE_SOURCES_DIR))
            planned, unmapped = plan_files(fs, root, profiles)
            if not noop.last_published(engine):
                return None
            inputs = noop.build_inputs(folder, mapping_dir)
            decision = noop.decide(engine, fs, root, planned, inputs)
            if decision.build:
                return None
            summary.tiers_before = tier_counts(engine)
        except (ConfigurationError, sa.exc.DBAPIError, OSError):
            return None  # the flow reports it, retrying what may pass
    return _nothing_to_do(summary, decision, unmapped, started)


def _window(since: str | None, until: str | None) -> tuple[datetime, datetime] | None:
    """The backfill window from ISO dates; both or neither must be given, since < until."""
    if since is None and until is None:
        return None
    if since is None or until is None:
        raise ConfigurationError("a backfill needs both --since and --until")
    try:
        start, end = datetime.fromisoformat(since), datetime.fromisoformat(until)
    except ValueError as exc:
        raise ConfigurationError(f"backfill window: {exc} (expected YYYY-MM-DD)") from None
    if start >= end:
        raise ConfigurationError(f"backfill window: --since {since} is not before --until {until}")
    return start, end


if __name__ == "__main__":
    qualify()

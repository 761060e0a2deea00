"""The ``leadflow`` command."""

from __future__ import annotations

import argparse
import atexit
import contextlib
import json
import logging
import os
import sys
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

WAREHOUSE_ENV = "LEADFLOW_WAREHOUSE_URL"
TIER_ORDER = ("name", "profiled", "mql", "sal", "sql", "nurture", "disqualified")


def _quiet_defaults() -> None:
    # No internet here: telemetry would only fill the log with connection errors.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")


def _print_summary(summary: object) -> None:
    from flows.qualify import RunSummary

    assert isinstance(summary, RunSummary)
    totals = summary.totals()
    print()
    print(f"batch {summary.batch_id} on {summary.warehouse}")
    if summary.nothing_new:
        print(f"{summary.nothing_new}: nothing loaded, built or published")
    elif summary.changed_inputs:
        print("changed since the last published build: " + ", ".join(summary.changed_inputs))
    if summary.demotion_warning:
        print(f"WARNING: {summary.demotion_warning}")
    per_file = summary.per_file()
    statuses = [f["status"] for f in per_file.values()]
    shared = [f["mappings"] for f in per_file.values() if len(f["mappings"]) > 1]
    print(
        f"files: {len(per_file)}: {statuses.count('loaded')} loaded, "
        f"{statuses.count('skipped')} already loaded, {statuses.count('rejected')} rejected, "
        f"{statuses.count('unmapped')} without a mapping"
    )
    if shared:
        pairs = sorted({" + ".join(m) for m in shared})
        print(f"       {len(shared)} read by more than one profile ({'; '.join(pairs)})")
    print(
        f"rows:  {totals.get('rows_loaded', 0):,} loaded, "
        f"{totals.get('rows_quarantined', 0):,} quarantined (see raw.quarantine)"
    )
    if totals.get("rows_unchanged"):
        print(f"       {totals['rows_unchanged']:,} unchanged: loaded before from changed files")
    if totals.get("rows_suppressed"):
        print(f"       {totals['rows_suppressed']:,} dropped: erased people (ops.suppressions)")
    if totals.get("rows_dropped"):
        print(
            f"       {totals['rows_dropped']:,} dropped: values a mapping sends to null "
            "(raw.load_ledger.dropped_values)"
        )
    for f in summary.files:
        if f["status"] in ("rejected", "unmapped"):
            print(f"  {f['status'].upper()}: {f['error'] or f['source_file']}")
    if summary.reprocessed:
        print(f"backfill: {len(summary.reprocessed)} files forgotten and loaded again")
    if summary.reloaded:
        print(f"reload: {len(summary.reloaded)} files read again, their earlier rows replaced")
    for g in summary.gates:
        print(f"gate {g['gate']}: {'passed' if g['success'] else 'BLOCKED'}")
    if summary.data_docs:
        print(f"gate details (GX Data Docs): {summary.data_docs}")
    if summary.timings:
        print("time:  " + ", ".join(f"{k} {v:.1f} s" for k, v in summary.timings.items()))
    if summary.handoff:
        h = summary.handoff
        print(
            f"hand-off via {h['channel']}: {h['handed_off']:,} handed off now, "
            f"{h['already_handed_off']:,} before, {h['dead']:,} dead letters"
        )
    changes = summary.tier_changes()
    print(
        "tier changes: "
        + (", ".join(f"{t} {n:+,}" for t, n in changes.items()) if changes else "none")
    )
    print()
    print("tier summary (marts.leads)")
    total = sum(summary.tiers.values())
    tiers = sorted(
        summary.tiers.items(),
        key=lambda kv: TIER_ORDER.index(kv[0]) if kv[0] in TIER_ORDER else 99,
    )
    for tier, count in tiers:
        share = f"{100 * count / total:5.1f} %" if total else ""
        print(f"  {tier:<14}{count:>10,}  {share}")
    print(f"  {'total':<14}{total:>10,}")


def _quiet_logs(force: bool = True) -> None:
    # Before Prefect and dbt are imported: only warnings from Prefect, no dbt event log;
    # without ``force`` a level the environment sets is kept (--json: stdout holds the JSON,
    # the log on stderr is the caller's choice).
    if force:
        os.environ["PREFECT_LOGGING_LEVEL"] = "WARNING"
    else:
        os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ["DBT_QUIET"] = "true"


def _progress_listener(args: argparse.Namespace) -> object | None:
    """How the run's progress is shown: a live status line on a terminal (the log then
    shows warnings only, unless --verbose), a line per step otherwise, none for scripts."""
    from flows import progress

    if args.quiet or args.json:
        return None
    if sys.stderr.isatty() and not args.verbose:
        _quiet_logs()
        return progress.StatusLine(sys.stderr)
    return progress.StepLines(sys.stderr)


@contextlib.contextmanager
def _warehouse_from_args(args: argparse.Namespace) -> Iterator[None]:
    """Hand --warehouse-url to the flow through the environment, not as a flow parameter:
    Prefect stores a run's parameters (and shows them in its UI), and the URL may hold a
    password."""
    url = getattr(args, "warehouse_url", None)
    if hasattr(args, "warehouse_url"):
        args.warehouse_url = None
    saved = os.environ.get(WAREHOUSE_ENV)
    if url:
        os.environ[WAREHOUSE_ENV] = url
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop(WAREHOUSE_ENV, None)
        else:
            os.environ[WAREHOUSE_ENV] = saved


def cmd_run(args: argparse.Namespace) -> int:
    """Run the qualify flow."""
    if args.quiet or args.json:  # --json: stdout holds only the JSON document
        _quiet_logs(force=args.quiet)
    from flows.prefect_server import start_early

    # Prefect's temporary server boots on the other core while the checks and imports run
    server = start_early()
    try:
        return _run(args, server)
    finally:
        if server is not None:
            server.stop()


def _run(args: argparse.Namespace, server: Any) -> int:
    listener = _progress_listener(args)
    from flows import progress
    from flows.qualify import nothing_new, qualify

    summary = None
    rebuild = args.full_refresh or getattr(args, "since", None) is not None
    reloading = getattr(args, "paths", None) is not None or getattr(args, "reload_since", None)
    if not rebuild and not reloading:
        # nothing new: said without the flow, and without waiting for Prefect's server
        summary = nothing_new(args.sources, args.warehouse_url, args.config, args.mappings)
    serving = server.serving() if server is not None and not summary else contextlib.nullcontext()
    watching = progress.watching(listener) if listener and not summary else contextlib.nullcontext()
    with serving, watching:
        summary = summary or qualify(
            sources=args.sources,
            warehouse_url=args.warehouse_url,
            config=args.config,
            mappings=args.mappings,
            full_refresh=args.full_refresh,
            lock_timeout=args.lock_timeout,
            backfill_since=getattr(args, "since", None),
            backfill_until=getattr(args, "until", None),
            reload=getattr(args, "paths", None),
            reload_since=getattr(args, "reload_since", None),
            strict=getattr(args, "strict", False),
        )
    _print_run_summary(args, summary)
    return 0


def _print_run_summary(args: argparse.Namespace, summary: object) -> None:
    if args.json:
        from dataclasses import asdict

        print(json.dumps(asdict(summary), default=str, indent=2))
    else:
        _print_summary(summary)


def cmd_reload(args: argparse.Namespace) -> int:
    """Read landing files again with the current mapping profiles, replacing their rows."""
    if not args.paths and args.reload_since is None:
        print("leadflow reload: name the files (PATH...) or --since DATE", file=sys.stderr)
        return 2
    return cmd_run(args)


def cmd_generate(args: argparse.Namespace) -> int:
    """Write generated landing files."""
    from flows.generate import EXAMPLES, generate, generate_example

    if args.example:
        if args.example not in EXAMPLES:
            known = ", ".join(sorted(EXAMPLES))
            print(f"leadflow generate: no example {args.example!r} (examples: {known})",
                  file=sys.stderr)  # fmt: skip
            return 2
        if args.follow_up or args.crm != "salesforce":
            print(
                "leadflow generate: --follow-up and --crm apply to the sample only",
                file=sys.stderr,
            )
            return 2
        summary = generate_example(args.example, leads=args.leads, seed=args.seed, out=args.out)
    else:
        summary = generate(
            leads=args.leads,
            seed=args.seed,
            out=Path(args.out),
            follow_up=args.follow_up,
            crm=args.crm,
        )
    print(json.dumps(summary, default=str, indent=2))
    return 0


def cmd_sql(args: argparse.Namespace) -> int:
    """Run one query on the warehouse (read-only on DuckDB) and print the result."""
    from flows.settings import Warehouse

    warehouse = Warehouse.from_env(args.warehouse_url)
    if warehouse.backend == "duckdb":
        import duckdb

        if not warehouse.duckdb_path.is_file():
            print(f"leadflow sql: {warehouse.duckdb_path} does not exist yet", file=sys.stderr)
            return 2
        con = duckdb.connect(str(warehouse.duckdb_path), read_only=True)
        try:
            try:
                relation = con.sql(args.query)
            except duckdb.Error as exc:  # the user's query: DuckDB's message says it all
                if args.verbose:
                    raise
                print(f"leadflow sql: {exc}", file=sys.stderr)
                return 2
            if relation is not None and args.csv:
                rows = (
                    relation.fetchall()
                    if args.max_rows is None
                    else relation.fetchmany(args.max_rows)
                )
                _print_csv(relation.columns, rows)
            elif relation is not None:
                relation.show(max_rows=args.max_rows or 40, max_width=args.max_width)
        finally:
            con.close()
        return 0
    import sqlalchemy as sa

    engine = sa.create_engine(warehouse.sqlalchemy_url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        try:
            result = conn.execute(sa.text(args.query))
        except sa.exc.ProgrammingError as exc:  # the user's query: the server's message
            if args.verbose:
                raise
            print(f"leadflow sql: {str(exc.orig).strip()}", file=sys.stderr)
            return 2
        if result.returns_rows and args.csv:
            rows = result.fetchall() if args.max_rows is None else result.fetchmany(args.max_rows)
            _print_csv(list(result.keys()), rows)
        elif result.returns_rows:
            print("\t".join(result.keys()))
            for row in result.fetchmany(args.max_rows or 40):
                print("\t".join("" if v is None else str(v) for v in row))
    return 0


def _print_csv(columns: list[str], rows: list) -> None:
    """Rows as CSV on stdout, spreadsheet formulas neutralised (see flows/export.py)."""
    from flows.export import write_csv

    write_csv(sys.stdout, columns, rows)


def cmd_report(args: argparse.Namespace) -> int:
    """Write the funnel report (one self-contained HTML file)."""
    from flows.report import render_report

    try:
        out = render_report(
            args.warehouse_url, Path(args.out), config=args.config, shareable=args.shareable
        )
    except FileNotFoundError as exc:
        print(f"leadflow report: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {out}")
    return 0


def cmd_spark(args: argparse.Namespace) -> int:
    """Build the models on a local Spark from the warehouse's raw data and compare."""
    import tempfile

    from flows.settings import Warehouse, config_dir
    from flows.spark import run_on_spark

    warehouse = Warehouse.from_env(args.warehouse_url)
    folder = config_dir(args.config)
    options = {"select": args.select, "leads_table": args.compare}
    if args.work_dir:
        result = run_on_spark(warehouse, folder, Path(args.work_dir), **options)
    else:
        with tempfile.TemporaryDirectory(prefix="leadflow-spark-") as work_dir:
            result = run_on_spark(warehouse, folder, Path(work_dir), **options)
    if not result.outcome.success:
        print("dbt build on Spark failed:", file=sys.stderr)
        for test in result.outcome.failed_tests:
            print(f"  {test.describe()}", file=sys.stderr)
        for failure in result.outcome.failures:
            print(f"  {failure}", file=sys.stderr)
        return 1
    print(f"dbt build on Spark: {result.outcome.statuses}")
    print(f"{'tier':<14}{warehouse.backend:>10}{'spark':>10}")
    for tier in sorted(set(result.tiers_warehouse) | set(result.tiers_spark), key=_tier_rank):
        print(
            f"{tier:<14}{result.tiers_warehouse.get(tier, 0):>10,}"
            f"{result.tiers_spark.get(tier, 0):>10,}"
        )
    for lead, ours, theirs in result.lead_differences[:20]:
        print(f"lead {lead}: {warehouse.backend} {ours}, spark {theirs}")
    for table, (ours, theirs) in result.table_differences().items():
        print(f"{table}: {warehouse.backend} {ours} rows, spark {theirs} rows")
    print(f"row counts compared: {len(result.rows_spark)} models")
    print("same results" if result.matches else "DIFFERENT results")
    return 0 if result.matches else 1


def _tier_rank(tier: str) -> int:
    return TIER_ORDER.index(tier) if tier in TIER_ORDER else len(TIER_ORDER)


def cmd_recycle(args: argparse.Namespace) -> int:
    """List the nurture leads whose recycle date has come."""
    from dataclasses import asdict

    from flows.recycle import RECYCLE_TABLE, recycle_nurture

    summary = recycle_nurture(
        warehouse_url=args.warehouse_url,
        config=args.config,
        as_of=args.as_of,
        lock_timeout=args.lock_timeout,
    )
    if args.json:
        print(json.dumps(asdict(summary), default=str, indent=2))
        return 0
    print(f"\nnurture leads due for recycling as of {summary.as_of:%Y-%m-%d %H:%M}: ", end="")
    print(f"{summary.due:,}")
    for reason, n in summary.by_reason.items():
        print(f"  {n:>8,}  {reason}")
    print(
        f"listed in marts.{RECYCLE_TABLE}; "
        f"at the cycle limit, not listed: {summary.at_max_cycles:,}"
    )
    return 0


def cmd_forget(args: argparse.Namespace) -> int:
    """Erase one person from the warehouse, keep them out of later loads, rebuild."""
    if args.quiet:
        _quiet_logs()
    from flows.forget import forget
    from flows.gate import GateFailed

    try:
        result = forget(
            email=args.email,
            reason=args.reason,
            warehouse_url=args.warehouse_url,
            config=args.config,
            mappings=args.mappings,
            lock_timeout=args.lock_timeout,
        )
    except GateFailed as exc:
        print(
            "\nleadflow forget: the person was erased and suppressed, but the rebuild was "
            f"blocked, so metrics still count them until the next run: {exc}",
            file=sys.stderr,
        )
        return 1
    erasure = result.erasure
    if args.json:
        from dataclasses import asdict

        print(json.dumps(asdict(result), default=str, indent=2))
        return 0
    print(f"\nforgot sha256:{erasure.email_hash} on {result.warehouse}")
    print(f"leads: {erasure.leads}, visitor ids: {erasure.visitor_ids}")
    for table, n in sorted(erasure.deleted.items()):
        print(f"  deleted {n:>8,}  {table}")
    for table, n in sorted(erasure.redacted.items()):
        print(f"  redacted {n:>7,}  {table}")
    print(f"rebuilt and published {len(result.published)} tables; later loads drop this person")
    for path in result.purged:
        print(f"  purged  {path}")
    print(result.compacted)
    return 0


def cmd_calibrate(args: argparse.Namespace) -> int:
    """Learn the points from outcomes; write a suggested configuration and its report."""
    from flows.calibrate import CalibrationSettings, calibrate

    settings = CalibrationSettings(
        feature_days=args.feature_days,
        horizon_days=args.horizon_days,
        outcome=args.outcome,
        evaluation_share=args.evaluation_share,
        split_at=args.split_date,
        allow_negative=args.allow_negative,
    )
    result = calibrate(
        args.warehouse_url, args.config, args.out, settings, getattr(args, "mappings", None)
    )
    ev, s = result.evaluation, result.settings
    for note in ev["notes"]:
        print(f"note: {note}")
    print(
        f"cut-off {s.feature_days} days after capture, horizon {s.horizon_days} days, "
        f"split {ev['split_at'][:10]}"
    )
    print(f"wrote {result.out}/icp.yml, scoring.yml, calibration.md, calibration.json")
    print(
        f"training {ev['training_leads']:,} leads ({ev['training_outcomes']:,} outcomes), "
        f"evaluation {ev['evaluation_leads']:,} ({ev['evaluation_outcomes']:,})"
    )
    for name, key in (
        ("calibrated points", "auc_calibrated_points"),
        ("in use", "auc_points_in_use"),
    ):
        value = ev[key]
        print(f"AUC {name}: {'n/a' if value is None else f'{value:.3f}'}")
    for name, key in (("in use", "mql_in_use"), ("suggested", "mql_suggested")):
        m = ev[key]
        precision = "n/a" if m["precision"] is None else f"{100 * m['precision']:.1f} %"
        print(f"MQLs at the cut-off, {name}: {m['mqls']:,}, precision {precision}")
    return 0


def cmd_backtest(args: argparse.Namespace) -> int:
    """Replay the tiering with a candidate configuration and compare it with marts."""
    if args.quiet:
        _quiet_logs()
    from flows.backtest import backtest, format_result

    result = backtest(
        args.config,
        args.warehouse_url,
        args.base_config,
        args.lock_timeout,
        match_volume=args.match_mql_volume,
        since=args.since,
        horizon_days=args.horizon_days,
        mappings=args.mappings,
    )
    print(format_result(result))
    return 0


def cmd_handoff(args: argparse.Namespace) -> int:
    """Hand the MQL cycles not handed off yet to sales (webhook or CRM import file)."""
    from dataclasses import asdict

    from flows.handoff.run import hand_off
    from flows.lock import WarehouseBusy

    try:
        summary = hand_off(
            warehouse_url=args.warehouse_url,
            config=args.config,
            webhook_url=args.webhook_url,
            crm=args.crm,
            out=args.out,
            since=args.since,
            lock_timeout=args.lock_timeout,
            mappings=args.mappings,
        )
    except WarehouseBusy as exc:
        print(f"\nleadflow handoff refused: {exc}", file=sys.stderr)
        return 3
    if args.json:
        print(json.dumps(asdict(summary), default=str, indent=2))
    else:
        where = summary.file or summary.destination
        print(f"hand-off via {summary.channel} to {where}")
        print(
            f"MQL cycles: {summary.mqls:,}; handed off now: {summary.handed_off:,}; "
            f"before: {summary.already_handed_off:,}; dead letters: {summary.dead:,}"
        )
        if summary.channel == "webhook":
            print(f"requests: {summary.requests:,} in {summary.attempts:,} attempts")
        for dead in summary.dead_letters:
            answer = dead["response_status"] or "no answer"
            print(
                f"  DEAD {dead['idempotency_key']}: {dead['attempts']} attempts, last: "
                f"{answer} {(dead['response'] or '')[:120]}"
            )
        if summary.dead:
            print("dead letters are retried by the next `leadflow handoff` (see ops.handoffs)")
    return 1 if summary.dead else 0


def _add_warehouse_options(
    parser: argparse.ArgumentParser,
    config: str | None = "configuration folder",
    lock: bool = False,
    mappings: bool = False,
) -> None:
    """The options commands share: the warehouse, and as asked the configuration folder
    (``config``: its help, None for none), the column mappings and the lock wait. main()
    hands --warehouse-url to the command through the environment."""
    parser.add_argument(
        "--warehouse-url",
        help="SQLAlchemy URL of the warehouse (default: $LEADFLOW_WAREHOUSE_URL, "
        "else duckdb:///warehouse/leadflow.duckdb)",
    )
    if config:
        parser.add_argument(
            "--config", help=f"{config} (default: $LEADFLOW_CONFIG_DIR, else config/)"
        )
    if mappings:
        parser.add_argument(
            "--mappings", help="column-mapping profiles folder (default: sources/mappings)"
        )
    if lock:
        parser.add_argument(
            "--lock-timeout",
            type=float,
            default=0,
            metavar="SECONDS",
            help="wait this long for another run on the same warehouse to finish "
            "(default 0: refuse at once, exit code 3)",
        )


def _add_run_options(parser: argparse.ArgumentParser) -> None:
    """The options ``run`` and ``backfill`` share."""
    parser.add_argument(
        "--sources",
        help="landing folder: a local path or an fsspec URL (default: sources/sample)",
    )
    _add_warehouse_options(parser, lock=True, mappings=True)
    parser.add_argument(
        "--full-refresh",
        action="store_true",
        help="rebuild every incremental dbt model from raw (already loaded files stay loaded)",
    )
    parser.add_argument("--json", action="store_true", help="print the run summary as JSON")
    parser.add_argument(
        "--quiet", action="store_true", help="print only the final summary (and warnings)"
    )
    parser.add_argument(
        "--verbose",
        action="store_true",
        help="on a terminal, show the log (INFO) instead of the live status line; "
        "show the traceback of a failure",
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="exit with code 4 when a landing file was rejected (the other files are "
        "loaded and published as usual)",
    )
    parser.set_defaults(lock="exclusive", check=("config", "mappings"))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="leadflow",
        description="Lead-qualification pipeline: ingest names, profile against the ICP, "
        "gate and publish the tiers.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser(
        "run",
        help="ingest the landing folder, build the tiers, gate and publish",
        description="Run the qualify flow: ingest -> dbt build -> GX gates -> publish to marts.",
    )
    _add_run_options(run)
    run.set_defaults(func=cmd_run)

    backfill = sub.add_parser(
        "backfill",
        help="re-process the files holding records dated in a window, then rebuild everything",
        description="Forget what was loaded from the landing files that hold a record dated "
        "in [--since, --until) and are still in the landing folder, load them again, rebuild "
        "every model, gate and publish.",
    )
    backfill.add_argument("--since", required=True, help="first day of the window (YYYY-MM-DD)")
    backfill.add_argument(
        "--until", required=True, help="day after the window (YYYY-MM-DD, excluded)"
    )
    _add_run_options(backfill)
    backfill.set_defaults(func=cmd_run)

    reload = sub.add_parser(
        "reload",
        help="read landing files again after a mapping change, replacing their rows",
        description="Read the named landing files again with the current mapping profiles: "
        "each file's rows (raw tables and quarantine) are replaced by the new load in one "
        "transaction, the ledger keeping both loads (the earlier marked reprocessed). Then "
        "rebuild every model, gate and publish, as a run does.",
    )
    reload.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="a landing file or folder (a path inside the landing folder, or relative to "
        "it), or a glob pattern such as 'crm/*.csv'",
    )
    reload.add_argument(
        "--since",
        dest="reload_since",
        metavar="DATE",
        help="only files loaded on or after DATE (YYYY-MM-DD); without PATH: all of them",
    )
    _add_run_options(reload)
    reload.set_defaults(func=cmd_reload)

    sql = sub.add_parser(
        "sql",
        help="run a query on the warehouse and print the result",
        description="Run one SQL query on the warehouse (DuckDB is opened read-only).",
    )
    sql.add_argument(
        "query", help='the SQL to run, e.g. "select tier, count(*) from marts.leads group by 1"'
    )
    _add_warehouse_options(sql, config=None, lock=True)
    sql.add_argument("--max-rows", type=int, help="rows to print (default 40; with --csv: all)")
    sql.add_argument(
        "--csv",
        action="store_true",
        help="print CSV (header, then rows) for a spreadsheet; text cells starting with "
        "= + - @ tab or CR get a leading single quote so they are never run as formulas",
    )
    sql.add_argument("--max-width", type=int, default=160, help="table width (DuckDB)")
    sql.set_defaults(func=cmd_sql, lock="shared")

    recycle = sub.add_parser(
        "recycle",
        help="list the nurture leads whose recycle date has come (marts.nurture_recycle_due)",
        description="Replace marts.nurture_recycle_due with the leads in nurture whose "
        "recycle_after has come, that may be contacted and have cycles left.",
    )
    recycle.add_argument("--as-of", help="the day the list is for (YYYY-MM-DD; default: now)")
    _add_warehouse_options(recycle, lock=True)
    recycle.set_defaults(lock="exclusive", check=("config",))
    recycle.add_argument("--json", action="store_true", help="print the summary as JSON")
    recycle.set_defaults(func=cmd_recycle)

    forget = sub.add_parser(
        "forget",
        help="erase a person (by e-mail) from every table and keep them out of later loads",
        description="Delete everything the warehouse holds about EMAIL (raw, quarantine, "
        "every model, history and metrics), record its SHA-256 in ops.suppressions so "
        "re-loading old files does not bring it back, then rebuild, gate and publish.",
    )
    forget.add_argument("email", help="the person's e-mail address (any case, spaces trimmed)")
    forget.add_argument(
        "--reason", default="erasure request", help="why (kept in ops.suppressions)"
    )
    _add_warehouse_options(forget, lock=True, mappings=True)
    forget.set_defaults(lock="exclusive", check=("config", "mappings"))
    forget.add_argument("--json", action="store_true", help="print what was erased as JSON")
    forget.add_argument("--quiet", action="store_true", help="print only the final summary")
    forget.set_defaults(func=cmd_forget)

    gen = sub.add_parser(
        "generate",
        help="write realistic landing files for N leads",
        description="Write a deterministic landing folder (same layout as sources/sample).",
    )
    gen.add_argument(
        "--example", metavar="NAME",
        help="write the landing data of the example business configured in examples/NAME/ "
        "(online-education) instead of the sample's",
    )  # fmt: skip
    gen.add_argument("--leads", type=int, default=2500, help="distinct people (default 2500)")
    gen.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    gen.add_argument("--out", required=True, help="folder to write")
    gen.add_argument(
        "--follow-up", type=float, default=0.0, metavar="SHARE",
        help="share of the leads without a hand-raise that sales development also calls and "
        "decides on (0..1, default 0: sales works the hand-raisers only, as in the sample)",
    )  # fmt: skip
    gen.add_argument(
        "--crm",
        choices=("salesforce", "zoho"),
        default="salesforce",
        help="the CRM whose opportunity exports are written: salesforce "
        "(salesforce/Opportunity_*.csv, as in the sample) or zoho (the same opportunities as "
        "Zoho CRM's zoho/Deals_*.csv)",
    )
    gen.set_defaults(func=cmd_generate)

    report = sub.add_parser(
        "report",
        help="write the funnel report as one self-contained HTML file",
        description="Write the funnel report (charts and tables, opens offline) from marts: "
        "the rules in use at the top, then funnel, conversion, durations, bottlenecks by "
        "stage and owner, forecast in money, SLA, what holds leads back. The internal edition "
        "names people and companies; --shareable writes aggregates only.",
    )
    _add_warehouse_options(report, config="configuration whose rules the report shows", lock=True)
    report.set_defaults(lock="shared")
    report.add_argument(
        "--shareable",
        action="store_true",
        help="aggregates only: no person or company named (for sharing outside sales)",
    )
    report.add_argument(
        "--out", default="reports/funnel.html", help="file to write (default reports/funnel.html)"
    )
    report.set_defaults(func=cmd_report)

    handoff = sub.add_parser(
        "handoff",
        help="hand the MQLs not handed off yet to sales (webhook or CRM import file)",
        description="Send every lead and cycle that reached MQL and was not handed off yet "
        "to its owner (routing in config/handoff.yml): a JSON POST per lead with an "
        "Idempotency-Key to --webhook-url, or one CSV for a CRM's import tool with --crm. "
        "Delivery is recorded in ops.handoffs; a killed or failed hand-off resumes where it "
        "stopped. Exit code 1 when dead letters remain.",
    )
    handoff.add_argument(
        "--webhook-url",
        help="receiver (default: $LEADFLOW_HANDOFF_WEBHOOK_URL, else webhook.url of handoff.yml)",
    )
    handoff.add_argument(
        "--crm",
        choices=("hubspot", "salesforce", "zoho"),
        help="write an import file for this CRM instead of calling a webhook",
    )
    handoff.add_argument("--out", help="folder of the CRM import files (default: crm_out)")
    handoff.add_argument(
        "--since",
        help="hand off only MQLs from this day on (YYYY-MM-DD; default: the whole backlog)",
    )
    _add_warehouse_options(handoff, lock=True, mappings=True)
    handoff.add_argument("--json", action="store_true", help="print the summary as JSON")
    handoff.set_defaults(func=cmd_handoff, lock="exclusive", check=("config", "mappings"))

    spark = sub.add_parser(
        "spark",
        help="build the models on a local Spark from the warehouse's raw data and compare",
        description="Copy the DuckDB warehouse's raw tables to Parquet, run dbt build on a "
        "local Spark (dbt-spark, method session) and compare leads per tier, every lead's "
        "tier (audit.leads by default) and every model's row count with the warehouse. "
        "Exit code 1 when the build fails or the results differ.",
    )
    _add_warehouse_options(spark)
    spark.set_defaults(check=("config",))
    spark.add_argument(
        "--work-dir",
        help="folder for the Parquet copy and Spark's tables (default: a temporary one)",
    )
    spark.add_argument("--select", help="dbt selection to build (default: the whole project)")
    spark.add_argument(
        "--compare",
        default="audit.leads",
        metavar="SCHEMA.TABLE",
        help="table with lead_id and tier to compare lead by lead (default audit.leads); "
        "row counts are compared for every model Spark built",
    )
    spark.set_defaults(func=cmd_spark)

    cal = sub.add_parser(
        "calibrate",
        help="learn ICP and engagement points from outcomes; write a suggested configuration",
        description="Fit a logistic regression on leads whose outcome is known (older cohorts), "
        "check it on newer ones, and write icp.yml, scoring.yml and a report to --out.",
    )
    _add_warehouse_options(cal, config="configuration in use", lock=True, mappings=True)
    cal.set_defaults(lock="exclusive", check=("config",))  # it opens the file read-write
    cal.add_argument("--out", help="folder to write (default: <config>/suggested)")
    cal.add_argument(
        "--feature-days", type=int, default=None,
        help="cut-off: days after capture (default 7, shorter when the data spans little time)",
    )  # fmt: skip
    cal.add_argument(
        "--horizon-days", type=int, default=None,
        help="outcome within days of the cut-off (default 60, shorter on a short data span)",
    )  # fmt: skip
    cal.add_argument(
        "--outcome", choices=("auto", "outcome", "sql", "won"), default="auto",
        help="outcome: won or converted (outcomes exports, closed opportunities); sql: a "
        "qualifying opportunity; won: a won opportunity; auto (default): outcome when an "
        "outcomes export is loaded, else sql",
    )  # fmt: skip
    cal.add_argument(
        "--split-date", help="ISO date: leads captured before train, after evaluate "
        "(default: the newest --evaluation-share of leads evaluate)",
    )  # fmt: skip
    cal.add_argument(
        "--allow-negative", action="store_true",
        help="let a rule's points change sign (default: the sign in use is kept)",
    )  # fmt: skip
    cal.add_argument(
        "--evaluation-share",
        type=float,
        default=0.3,
        help="newest share of the leads kept for evaluation (default 0.3)",
    )
    cal.set_defaults(func=cmd_calibrate)

    bt = sub.add_parser(
        "backtest",
        help="replay the tiering with another configuration and compare it with marts",
        description="Rebuild the tiers from raw with --config into backtest_* schemas, compare "
        "with the published marts, write backtest.comparison, backtest.mql_monthly and "
        "backtest.tier_changes. marts are not touched.",
    )
    bt.add_argument(
        "--config",
        required=True,
        help="candidate: a configuration folder, or one of icp.yml / scoring.yml / "
        "qualification.yml / funnel.yml (the other files come from the configuration in use)",
    )
    bt.add_argument(
        "--base-config", help="configuration in use (default: $LEADFLOW_CONFIG_DIR, else config/)"
    )
    _add_warehouse_options(bt, config=None, lock=True, mappings=True)
    bt.set_defaults(lock="exclusive", check=("base_config",))
    bt.add_argument(
        "--match-mql-volume",
        action="store_true",
        help="use the candidate MQL threshold that gives as many MQLs as the configuration in "
        "use (compares precision at equal volume; the threshold used is printed)",
    )
    bt.add_argument(
        "--since", help="held-out period for the outcome metrics: leads captured from this ISO "
        "date (default: the candidate's calibration split date, else every lead)",
    )  # fmt: skip
    bt.add_argument(
        "--horizon-days", type=int, default=60,
        help="an MQL counts as won when its win or conversion came within these days (60)",
    )  # fmt: skip
    bt.add_argument("--quiet", action="store_true", help="no dbt log")
    bt.set_defaults(func=cmd_backtest)
    for command in sub.choices.values():
        if "--verbose" not in command._option_string_actions:
            command.add_argument(
                "--verbose", action="store_true", help="show the traceback of a failure"
            )
    return parser


# Exit codes (docs/cli.md): 0 ok; 1 run failed, gate blocked, dbt test failed; 2 usage or
# configuration error (argparse exits 2 too); 3 lock refused; 4 rejected files under --strict.
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_LOCKED, EXIT_REJECTED = 0, 1, 2, 3, 4

# Failures a user can cause or meet, by (module, class): a short message and an exit code,
# no traceback (unless --verbose). A class counts only once its module is imported: an
# exception cannot be an instance of a class never loaded, and the check imports nothing.
EXPECTED_FAILURES = (
    ("flows.settings", "ConfigurationError", EXIT_USAGE),
    ("flows.lock", "WarehouseBusy", EXIT_LOCKED),
    ("flows.qualify", "RejectedFiles", EXIT_REJECTED),
    ("flows.gate", "GateFailed", EXIT_FAILED),
    ("flows.dbt", "DbtError", EXIT_FAILED),
    ("flows.warehouse", "WarehouseUnavailable", EXIT_FAILED),
    ("flows.warehouse", "WarehouseUnreachable", EXIT_FAILED),
)


def expected_exit_code(exc: BaseException) -> int | None:
    """The exit code of an expected failure, None for anything else (a bug: traceback)."""
    for module, name, code in EXPECTED_FAILURES:
        cls = getattr(sys.modules.get(module), name, None)
        if isinstance(cls, type) and isinstance(exc, cls):
            return code
    return None


def _no_colour_unless_terminal() -> None:
    """dbt's and Prefect's console colours only when stdout is a terminal; never in files."""
    os.environ.setdefault("DBT_USE_COLORS_FILE", "false")
    if not sys.stdout.isatty():
        os.environ.setdefault("DBT_USE_COLORS", "false")
        os.environ.setdefault("PREFECT_LOGGING_COLORS", "false")
        os.environ.setdefault("NO_COLOR", "1")


@contextlib.contextmanager
def _log_expected_failures_without_traceback() -> Iterator[None]:
    """Prefect logs a failed flow's exception with its traceback (to the console and to its
    API); for an expected failure the message says it all, so the record keeps the message
    and drops the traceback (``--verbose`` keeps it)."""
    make_record = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        exc = record.exc_info[1] if record.exc_info else None
        if exc is not None and expected_exit_code(exc) is not None:
            record.exc_info = None
        return record

    logging.setLogRecordFactory(factory)
    try:
        yield
    finally:
        logging.setLogRecordFactory(make_record)


def _check_inputs(args: argparse.Namespace) -> None:
    """Validate the configuration and mapping files a command reads, before Prefect, dbt or
    GX are imported: a mistake is reported within a second, naming file, line and key."""
    from flows.config import dbt_variables, load_access
    from flows.mapping import attribute_types, load_profiles
    from flows.settings import MAPPINGS_DIR, config_dir

    # the mapping profiles first: the configuration may use the attributes they define
    mappings = getattr(args, "mappings", None)
    profiles = load_profiles(Path(mappings) if mappings else MAPPINGS_DIR)
    attributes = attribute_types(profiles)
    for option in getattr(args, "check", ()):
        value = getattr(args, option, None)
        if option != "mappings":
            folder = config_dir(value)
            dbt_variables(folder, attributes)
            load_access(folder)


def _command_lock(args: argparse.Namespace) -> contextlib.AbstractContextManager:
    """The warehouse lock a command holds from start to end, taken before anything opens
    the warehouse or starts Prefect (``lock`` in the sub-parser's defaults: ``exclusive`` for
    commands that write, ``shared`` for readers). The flows re-enter it."""
    mode = getattr(args, "lock", None)
    if mode is None:
        return contextlib.nullcontext()
    from flows.lock import warehouse_lock
    from flows.settings import Warehouse

    warehouse = Warehouse.from_env(None)  # --warehouse-url is in the environment by now
    if mode == "shared" and warehouse.backend == "duckdb" and not warehouse.duckdb_path.exists():
        return contextlib.nullcontext()  # nothing to read: the command says so itself
    timeout = getattr(args, "lock_timeout", 0) or 0
    return warehouse_lock(warehouse, timeout=timeout, shared=mode == "shared")


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``leadflow`` console command (exit codes: docs/cli.md)."""
    _quiet_defaults()
    _no_colour_unless_terminal()
    args = build_parser().parse_args(argv)
    verbose = bool(getattr(args, "verbose", False))
    try:
        with _warehouse_from_args(args):
            _check_inputs(args)
            with _command_lock(args):
                if verbose:
                    return args.func(args)
                with _log_expected_failures_without_traceback():
                    return args.func(args)
    except Exception as exc:
        code = expected_exit_code(exc)
        if code is None:
            raise
        if verbose:
            traceback.print_exception(exc, file=sys.stderr)
        _drop_tracebacks(exc)
        _print_failure(args, exc, code)
        if code == EXIT_LOCKED and args.command in ("run", "backfill"):
            _notify_refusal(exc)
        return code


def _drop_tracebacks(exc: BaseException | None) -> None:
    """Let go of a handled failure's frames. Prefect keeps a failed flow run's exception (in
    its state) until the process ends, and the traceback's frames hold whatever the failing
    code had in hand: DuckDB connections and results, dbt's adapter. Kept to the end, they
    outlive the interpreter's teardown and DuckDB's bindings report them as leaked."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        exc.__traceback__ = None
        if exc.__cause__ is not None:
            _drop_tracebacks(exc.__cause__)
        exc = exc.__context__


def _notify_refusal(exc: BaseException) -> None:
    """A scheduled run refused by the lock is a failed run for whoever watches the webhook
    (``LEADFLOW_NOTIFY_WEBHOOK_URL``); it never became a flow run, so it has no flow run id."""
    from flows.notify import failure_payload, send, webhook_url
    from flows.settings import Warehouse

    if webhook_url():
        warehouse = Warehouse.from_env(None)
        flow_run = {"id": None, "name": None, "flow": "qualify"}
        payload = failure_payload(
            flow_run=flow_run, batch_id=None, warehouse=warehouse, error=exc, gates=[], files={}
        )
        send(payload)


def _print_failure(args: argparse.Namespace, exc: BaseException, code: int) -> None:
    what = {
        EXIT_USAGE: "configuration error",
        EXIT_LOCKED: "refused",
        EXIT_REJECTED: "failed (--strict)",
    }.get(code, "failed")
    message = str(exc).strip()
    if code == EXIT_REJECTED:  # the run itself went through: its summary, then the failure
        _print_run_summary(args, exc.summary)  # type: ignore[attr-defined]
    print(f"leadflow {args.command} {what}: {message}", file=sys.stderr)


def console() -> None:
    """The ``leadflow`` command: :func:`main`, then an exit without the interpreter's
    teardown. Freeing dbt's, GX's and Prefect's objects one by one takes 1-2 s after the
    work is done; by then every warehouse connection is closed. The exit handlers still run
    (they stop a Prefect server Prefect started itself), and the output is flushed."""
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    logging.shutdown()
    atexit._run_exitfuncs()  # what the interpreter would run at exit, in the same order
    os._exit(code)


if __name__ == "__main__":
    console()

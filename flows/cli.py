"""The ``leadflow`` command."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from flows.settings import ConfigurationError

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
    print(
        f"files: {totals.get('files_loaded', 0)} loaded, {totals.get('files_skipped', 0)} "
        f"already loaded, {totals.get('files_rejected', 0)} rejected, "
        f"{totals.get('files_unmapped', 0)} without a mapping"
    )
    print(
        f"rows:  {totals.get('rows_loaded', 0):,} loaded, "
        f"{totals.get('rows_quarantined', 0):,} quarantined (see raw.quarantine)"
    )
    if totals.get("rows_suppressed"):
        print(f"       {totals['rows_suppressed']:,} dropped: erased people (ops.suppressions)")
    for f in summary.files:
        if f["status"] in ("rejected", "unmapped"):
            print(f"  {f['status'].upper()}: {f['error'] or f['source_file']}")
    if summary.reprocessed:
        print(f"backfill: {len(summary.reprocessed)} files forgotten and loaded again")
    for g in summary.gates:
        print(f"gate {g['gate']}: {'passed' if g['success'] else 'BLOCKED'}")
    if summary.data_docs:
        print(f"gate details (GX Data Docs): {summary.data_docs}")
    if summary.timings:
        print("time:  " + ", ".join(f"{k} {v:.1f} s" for k, v in summary.timings.items()))
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


def _quiet_logs() -> None:
    # Before Prefect and dbt are imported: only warnings from Prefect, no dbt event log.
    os.environ["PREFECT_LOGGING_LEVEL"] = "WARNING"
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
        _quiet_logs()
    listener = _progress_listener(args)
    from flows import progress
    from flows.gate import GateFailed
    from flows.lock import WarehouseBusy
    from flows.qualify import nothing_new, qualify

    try:
        summary = None
        if not args.full_refresh and getattr(args, "since", None) is None:
            # nothing new: said without starting Prefect's temporary server
            summary = nothing_new(args.sources, args.warehouse_url, args.config, args.mappings)
        with progress.watching(listener) if listener and not summary else contextlib.nullcontext():
            summary = summary or qualify(
                sources=args.sources,
                warehouse_url=args.warehouse_url,
                config=args.config,
                mappings=args.mappings,
                full_refresh=args.full_refresh,
                lock_timeout=args.lock_timeout,
                backfill_since=getattr(args, "since", None),
                backfill_until=getattr(args, "until", None),
            )
    except GateFailed as exc:
        print(f"\nleadflow run failed: {exc}", file=sys.stderr)
        return 1
    except WarehouseBusy as exc:
        print(f"\nleadflow run refused: {exc}", file=sys.stderr)
        return 3
    if args.json:
        from dataclasses import asdict

        print(json.dumps(asdict(summary), default=str, indent=2))
    else:
        _print_summary(summary)
    return 0


def cmd_generate(args: argparse.Namespace) -> int:
    """Write generated landing files."""
    from flows.generate import generate

    summary = generate(
        leads=args.leads, seed=args.seed, out=Path(args.out), follow_up=args.follow_up
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
            relation = con.sql(args.query)
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
        result = conn.execute(sa.text(args.query))
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
        out = render_report(args.warehouse_url, Path(args.out))
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

    from flows.lock import WarehouseBusy
    from flows.recycle import RECYCLE_TABLE, recycle_nurture

    try:
        summary = recycle_nurture(
            warehouse_url=args.warehouse_url,
            config=args.config,
            as_of=args.as_of,
            lock_timeout=args.lock_timeout,
        )
    except WarehouseBusy as exc:
        print(f"\nleadflow recycle refused: {exc}", file=sys.stderr)
        return 3
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
    from flows.lock import WarehouseBusy

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
    except WarehouseBusy as exc:
        print(f"\nleadflow forget refused: {exc}", file=sys.stderr)
        return 3
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
    )
    result = calibrate(args.warehouse_url, args.config, args.out, settings)
    ev = result.evaluation
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
    from flows.lock import WarehouseBusy

    try:
        result = backtest(
            args.config,
            args.warehouse_url,
            args.base_config,
            args.lock_timeout,
            match_volume=args.match_mql_volume,
        )
    except WarehouseBusy as exc:
        print(f"\nleadflow backtest refused: {exc}", file=sys.stderr)
        return 3
    print(format_result(result))
    return 0


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
        help="on a terminal, show the log (INFO) instead of the live status line",
    )


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

    sql = sub.add_parser(
        "sql",
        help="run a query on the warehouse and print the result",
        description="Run one SQL query on the warehouse (DuckDB is opened read-only).",
    )
    sql.add_argument(
        "query", help='the SQL to run, e.g. "select tier, count(*) from marts.leads group by 1"'
    )
    _add_warehouse_options(sql, config=None)
    sql.add_argument("--max-rows", type=int, help="rows to print (default 40; with --csv: all)")
    sql.add_argument(
        "--csv",
        action="store_true",
        help="print CSV (header, then rows) for a spreadsheet; text cells starting with "
        "= + - @ tab or CR get a leading single quote so they are never run as formulas",
    )
    sql.add_argument("--max-width", type=int, default=160, help="table width (DuckDB)")
    sql.set_defaults(func=cmd_sql)

    recycle = sub.add_parser(
        "recycle",
        help="list the nurture leads whose recycle date has come (marts.nurture_recycle_due)",
        description="Replace marts.nurture_recycle_due with the leads in nurture whose "
        "recycle_after has come, that may be contacted and have cycles left.",
    )
    recycle.add_argument("--as-of", help="the day the list is for (YYYY-MM-DD; default: now)")
    _add_warehouse_options(recycle, lock=True)
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
    forget.add_argument("--json", action="store_true", help="print what was erased as JSON")
    forget.add_argument("--quiet", action="store_true", help="print only the final summary")
    forget.set_defaults(func=cmd_forget)

    gen = sub.add_parser(
        "generate",
        help="write realistic landing files for N leads",
        description="Write a deterministic landing folder (same layout as sources/sample).",
    )
    gen.add_argument("--leads", type=int, default=2500, help="distinct people (default 2500)")
    gen.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    gen.add_argument("--out", required=True, help="folder to write")
    gen.add_argument(
        "--follow-up", type=float, default=0.0, metavar="SHARE",
        help="share of the leads without a hand-raise that sales development also calls and "
        "decides on (0..1, default 0: sales works the hand-raisers only, as in the sample)",
    )  # fmt: skip
    gen.set_defaults(func=cmd_generate)

    report = sub.add_parser(
        "report",
        help="write the funnel report as one self-contained HTML file",
        description="Write the funnel report (charts and tables, opens offline) from marts.",
    )
    _add_warehouse_options(report, config=None)
    report.add_argument(
        "--out", default="reports/funnel.html", help="file to write (default reports/funnel.html)"
    )
    report.set_defaults(func=cmd_report)

    spark = sub.add_parser(
        "spark",
        help="build the models on a local Spark from the warehouse's raw data and compare",
        description="Copy the DuckDB warehouse's raw tables to Parquet, run dbt build on a "
        "local Spark (dbt-spark, method session) and compare leads per tier, every lead's "
        "tier (audit.leads by default) and every model's row count with the warehouse. "
        "Exit code 1 when the build fails or the results differ.",
    )
    _add_warehouse_options(spark)
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
    _add_warehouse_options(cal, config="configuration in use")
    cal.add_argument("--out", help="folder to write (default: <config>/suggested)")
    cal.add_argument(
        "--feature-days", type=int, default=7, help="cut-off: days after capture (default 7)"
    )
    cal.add_argument(
        "--horizon-days", type=int, default=60, help="outcome within days of capture (default 60)"
    )
    cal.add_argument(
        "--outcome", choices=("sql", "won"), default="sql",
        help="sql: a qualifying opportunity (amount and close date); won: a won one (default sql)",
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
    _add_warehouse_options(bt, config=None, lock=True)
    bt.add_argument(
        "--match-mql-volume",
        action="store_true",
        help="use the candidate MQL threshold that gives as many MQLs as the configuration in "
        "use (compares precision at equal volume; the threshold used is printed)",
    )
    bt.add_argument("--quiet", action="store_true", help="no dbt log")
    bt.set_defaults(func=cmd_backtest)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``leadflow`` console command."""
    _quiet_defaults()
    args = build_parser().parse_args(argv)
    try:
        with _warehouse_from_args(args):
            return args.func(args)
    except ConfigurationError as exc:
        print(f"leadflow: configuration error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

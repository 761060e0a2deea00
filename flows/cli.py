"""The ``leadflow`` command."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from flows.settings import ConfigurationError

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
    print(
        f"files: {totals.get('files_loaded', 0)} loaded, {totals.get('files_skipped', 0)} "
        f"already loaded, {totals.get('files_rejected', 0)} rejected, "
        f"{totals.get('files_unmapped', 0)} without a mapping"
    )
    print(
        f"rows:  {totals.get('rows_loaded', 0):,} loaded, "
        f"{totals.get('rows_quarantined', 0):,} quarantined (see raw.quarantine)"
    )
    for f in summary.files:
        if f["status"] in ("rejected", "unmapped"):
            print(f"  {f['status'].upper()}: {f['error'] or f['source_file']}")
    if summary.reprocessed:
        print(f"backfill: {len(summary.reprocessed)} files forgotten and loaded again")
    for g in summary.gates:
        print(f"gate {g['gate']}: {'passed' if g['success'] else 'BLOCKED'}")
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


def cmd_run(args: argparse.Namespace) -> int:
    """Run the qualify flow."""
    if args.quiet:
        _quiet_logs()
    from flows.gate import GateFailed
    from flows.lock import WarehouseBusy
    from flows.qualify import qualify

    try:
        summary = qualify(
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

    summary = generate(leads=args.leads, seed=args.seed, out=Path(args.out))
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
            if relation is not None:
                relation.show(max_rows=args.max_rows, max_width=args.max_width)
        finally:
            con.close()
        return 0
    import sqlalchemy as sa

    engine = sa.create_engine(warehouse.sqlalchemy_url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        result = conn.execute(sa.text(args.query))
        if result.returns_rows:
            print("\t".join(result.keys()))
            for row in result.fetchmany(args.max_rows):
                print("\t".join("" if v is None else str(v) for v in row))
    return 0


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
        print(f"audit.{table}: {warehouse.backend} {ours} rows, spark {theirs} rows")
    print("same results" if result.matches else "DIFFERENT results")
    return 0 if result.matches else 1


def _tier_rank(tier: str) -> int:
    return TIER_ORDER.index(tier) if tier in TIER_ORDER else len(TIER_ORDER)


def _add_run_options(parser: argparse.ArgumentParser) -> None:
    """The options ``run`` and ``backfill`` share."""
    parser.add_argument(
        "--sources",
        help="landing folder: a local path or an fsspec URL (default: sources/sample)",
    )
    parser.add_argument(
        "--warehouse-url",
        help="SQLAlchemy URL of the warehouse (default: $LEADFLOW_WAREHOUSE_URL, "
        "else duckdb:///warehouse/leadflow.duckdb)",
    )
    parser.add_argument(
        "--config", help="configuration folder (default: $LEADFLOW_CONFIG_DIR, else config/)"
    )
    parser.add_argument(
        "--mappings", help="column-mapping profiles folder (default: sources/mappings)"
    )
    parser.add_argument(
        "--full-refresh",
        action="store_true",
        help="rebuild every incremental dbt model from raw (already loaded files stay loaded)",
    )
    parser.add_argument(
        "--lock-timeout",
        type=float,
        default=0,
        metavar="SECONDS",
        help="wait this long for another run on the same warehouse to finish "
        "(default 0: refuse at once, exit code 3)",
    )
    parser.add_argument("--json", action="store_true", help="print the run summary as JSON")
    parser.add_argument(
        "--quiet", action="store_true", help="print only the final summary (and warnings)"
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
    sql.add_argument("--warehouse-url", help="SQLAlchemy URL (default: $LEADFLOW_WAREHOUSE_URL)")
    sql.add_argument("--max-rows", type=int, default=40, help="rows to print (default 40)")
    sql.add_argument("--max-width", type=int, default=160, help="table width (DuckDB)")
    sql.set_defaults(func=cmd_sql)

    gen = sub.add_parser(
        "generate",
        help="write realistic landing files for N leads",
        description="Write a deterministic landing folder (same layout as sources/sample).",
    )
    gen.add_argument("--leads", type=int, default=2500, help="distinct people (default 2500)")
    gen.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    gen.add_argument("--out", required=True, help="folder to write")
    gen.set_defaults(func=cmd_generate)

    report = sub.add_parser(
        "report",
        help="write the funnel report as one self-contained HTML file",
        description="Write the funnel report (charts and tables, opens offline) from marts.",
    )
    report.add_argument("--warehouse-url", help="SQLAlchemy URL (default: $LEADFLOW_WAREHOUSE_URL)")
    report.add_argument(
        "--out", default="reports/funnel.html", help="file to write (default reports/funnel.html)"
    )
    report.set_defaults(func=cmd_report)

    spark = sub.add_parser(
        "spark",
        help="build the models on a local Spark from the warehouse's raw data and compare",
        description="Copy the DuckDB warehouse's raw tables to Parquet, run dbt build on a "
        "local Spark (dbt-spark, method session) and compare leads per tier, every lead's "
        "tier and every model's row count with the warehouse (audit schema by default). "
        "Exit code 1 when the build fails or the results differ.",
    )
    spark.add_argument("--warehouse-url", help="SQLAlchemy URL (default: $LEADFLOW_WAREHOUSE_URL)")
    spark.add_argument(
        "--config", help="configuration folder (default: $LEADFLOW_CONFIG_DIR, else config/)"
    )
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
        "row counts are compared for every table Spark built in its schema",
    )
    spark.set_defaults(func=cmd_spark)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``leadflow`` console command."""
    _quiet_defaults()
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ConfigurationError as exc:
        print(f"leadflow: configuration error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

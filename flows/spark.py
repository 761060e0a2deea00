"""The same dbt models on Spark: build them with dbt-spark and compare with the warehouse.

Ingestion stays on SQLAlchemy. This module lands what a ``qualify`` run loaded into a DuckDB
warehouse in a local Spark session and builds the dbt project there:

1. export: every table of the warehouse's ``raw`` schema to a Parquet file (DuckDB ``COPY``);
2. load: a Spark table per file in the Spark database ``raw`` (Parquet, no copy);
3. build: ``dbt build`` with the ``spark`` profile output (dbt-spark, ``method: session``,
   which uses the active SparkSession) and the same ``--vars`` as the pipeline;
4. compare: leads per tier, every lead's tier (``audit.leads``) and every model's row count
   with the warehouse.

Spark runs in local mode on the machine's Java (``LEADFLOW_SPARK_MASTER``, default
``local[2]``; ``LEADFLOW_SPARK_DRIVER_MEMORY``, default ``2g``).
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flows.config import dbt_variables
from flows.dbt import DbtOutcome, invoke_dbt
from flows.lock import warehouse_lock
from flows.settings import DBT_PROJECT_DIR, ConfigurationError, Warehouse

RAW_SCHEMA = "raw"
AUDIT_SCHEMA = "audit"
# the schemas the dbt project builds (seeds in reference; marts in audit until published)
MODEL_SCHEMAS = ("reference", "staging", "intermediate", AUDIT_SCHEMA)


@dataclass
class SparkComparison:
    """A Spark build of the models and how its results compare with the warehouse's."""

    outcome: DbtOutcome
    seconds: dict[str, float] = field(default_factory=dict)
    raw_rows: dict[str, int] = field(default_factory=dict)
    tiers_warehouse: dict[str, int] = field(default_factory=dict)
    tiers_spark: dict[str, int] = field(default_factory=dict)
    lead_differences: list[tuple[str, str | None, str | None]] = field(default_factory=list)
    rows_warehouse: dict[str, int] = field(default_factory=dict)
    rows_spark: dict[str, int] = field(default_factory=dict)

    def table_differences(self) -> dict[str, tuple[int | None, int | None]]:
        """Models whose row counts differ: ``schema.name`` -> (warehouse rows, Spark rows)."""
        names = set(self.rows_warehouse) | set(self.rows_spark)
        return {
            name: (self.rows_warehouse.get(name), self.rows_spark.get(name))
            for name in sorted(names)
            if self.rows_warehouse.get(name) != self.rows_spark.get(name)
        }

    @property
    def matches(self) -> bool:
        """Whether the build passed and tiers, leads and row counts are the same."""
        return (
            self.outcome.success
            and self.tiers_spark == self.tiers_warehouse
            and not self.lead_differences
            and not self.table_differences()
        )


def export_raw(warehouse: Warehouse, out_dir: Path) -> dict[str, Path]:
    """Copy each table of the warehouse's ``raw`` schema to ``out_dir/<table>/<table>.parquet``.

    Holds the warehouse lock while reading, so the copy is one run's consistent state.
    Returns table name -> its folder.
    """
    import duckdb

    if warehouse.backend != "duckdb":
        raise ConfigurationError(
            "the Spark build reads raw data from a DuckDB warehouse; "
            f"{warehouse.display_url} is {warehouse.backend}"
        )
    if not warehouse.duckdb_path.is_file():
        raise ConfigurationError(
            f"{warehouse.duckdb_path} does not exist: run `leadflow run` on it first"
        )
    folders: dict[str, Path] = {}
    with warehouse_lock(warehouse, shared=True):
        con = duckdb.connect(str(warehouse.duckdb_path), read_only=True)
        try:
            tables = [
                name
                for (name,) in con.execute(
                    "select table_name from information_schema.tables "
                    "where table_schema = ? and table_type = 'BASE TABLE' order by 1",
                    [RAW_SCHEMA],
                ).fetchall()
            ]
            if not tables:
                raise ConfigurationError(f"{warehouse.duckdb_path} has no tables in schema raw")
            for table in tables:
                folder = out_dir / table
                shutil.rmtree(folder, ignore_errors=True)
                folder.mkdir(parents=True)
                target = str(folder / f"{table}.parquet").replace("'", "''")
                con.execute(f"copy {RAW_SCHEMA}.{table} to '{target}' (format parquet)")
                folders[table] = folder
        finally:
            con.close()
    return folders


def start_spark(work_dir: Path) -> Any:
    """A local SparkSession with its warehouse and scratch space in ``work_dir``.

    Timestamps are UTC (as in the warehouse), tables are Parquet in an in-memory catalog,
    and memory stays modest: the driver gets ``LEADFLOW_SPARK_DRIVER_MEMORY`` (default 2g).
    """
    from pyspark.sql import SparkSession

    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        raise ConfigurationError("Spark needs Java 17 or later: no `java` on PATH, no JAVA_HOME")
    (work_dir / "tmp").mkdir(parents=True, exist_ok=True)
    settings = {
        "spark.driver.memory": os.environ.get("LEADFLOW_SPARK_DRIVER_MEMORY", "2g"),
        "spark.sql.shuffle.partitions": "4",
        "spark.default.parallelism": "2",
        "spark.sql.session.timeZone": "UTC",
        "spark.driver.extraJavaOptions": "-Duser.timezone=UTC",
        "spark.sql.catalogImplementation": "in-memory",
        "spark.sql.warehouse.dir": str(work_dir / "spark-warehouse"),
        "spark.local.dir": str(work_dir / "tmp"),
        "spark.sql.sources.default": "parquet",
        # DuckDB writes naive timestamps; read them as timestamps (UTC), not timestamp_ntz
        "spark.sql.parquet.inferTimestampNTZ.enabled": "false",
        # dbt-spark sets this for its own statements; the comparisons here use the same
        "spark.sql.ansi.enabled": "false",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
    }
    builder = SparkSession.builder.master(
        os.environ.get("LEADFLOW_SPARK_MASTER", "local[2]")
    ).appName("leadflow")
    for key, value in settings.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def stop_spark(spark: Any) -> None:
    """Stop the session and its JVM, so that a later :func:`start_spark` starts afresh."""
    from pyspark import SparkContext

    spark.stop()
    gateway = SparkContext._gateway
    if gateway is None:
        return
    process = getattr(gateway, "proc", None)
    gateway.shutdown()
    if process is not None:
        # the JVM exits when its standard input closes
        if process.stdin is not None:
            process.stdin.close()
        try:
            process.wait(timeout=30)
        except Exception:
            process.kill()
            process.wait(timeout=30)
    SparkContext._gateway = None
    SparkContext._jvm = None


def load_raw(spark: Any, folders: dict[str, Path]) -> dict[str, int]:
    """A Spark table ``raw.<table>`` over each exported Parquet folder; rows per table."""
    spark.sql(f"create database if not exists {RAW_SCHEMA}")
    rows: dict[str, int] = {}
    for table, folder in sorted(folders.items()):
        location = str(folder).replace("'", "''")
        spark.sql(f"drop table if exists {RAW_SCHEMA}.{table}")
        spark.sql(f"create table {RAW_SCHEMA}.{table} using parquet location '{location}'")
        rows[table] = spark.table(f"{RAW_SCHEMA}.{table}").count()
    return rows


def build_on_spark(
    variables: dict[str, Any],
    work_dir: Path,
    raise_on_failure: bool = True,
    select: str | None = None,
) -> DbtOutcome:
    """``dbt build`` of the project on the active SparkSession (profile output ``spark``):
    seeds, models, their unit tests and data tests.

    ``select`` limits the build (dbt's ``--select``). dbt's artifacts and logs go to
    ``work_dir``, not the project's ``target/``, which the warehouse's publish step reads.
    """
    args = [
        "build",
        *(["--select", select] if select else []),
        "--target-path",
        str(work_dir / "dbt-target"),
        "--log-path",
        str(work_dir / "dbt-logs"),
    ]
    env = {"LEADFLOW_DBT_TARGET": "spark"}
    return invoke_dbt(args, env, variables, raise_on_failure, DBT_PROJECT_DIR)


def spark_tier_counts(spark: Any, leads: str = f"{AUDIT_SCHEMA}.leads") -> dict[str, int]:
    """Leads per tier in the table ``leads`` on Spark."""
    rows = spark.sql(f"select tier, count(*) as n from {leads} group by tier").collect()
    return {row["tier"]: int(row["n"]) for row in rows}


def _spark_row_counts(spark: Any, schemas: tuple[str, ...]) -> dict[str, int]:
    """Rows of every table and view Spark has in ``schemas``, by ``schema.name``."""
    existing = {row[0] for row in spark.sql("show databases").collect()}
    counts: dict[str, int] = {}
    for schema in schemas:
        if schema not in existing:
            continue
        for row in spark.sql(f"show tables in {schema}").collect():
            if not row["isTemporary"]:
                name = f"{schema}.{row['tableName']}"
                counts[name] = spark.table(name).count()
    return counts


def _warehouse_results(
    warehouse: Warehouse, leads_table: str, tables: list[str]
) -> tuple[dict, dict, dict]:
    """Tier counts and each lead's tier in ``leads_table``, row counts of ``tables``
    (``schema.name``) that the warehouse has."""
    import duckdb

    con = duckdb.connect(str(warehouse.duckdb_path), read_only=True)
    try:
        tiers = dict(con.execute(f"select tier, count(*) from {leads_table} group by 1").fetchall())
        leads = dict(con.execute(f"select lead_id, tier from {leads_table}").fetchall())
        present = {
            f"{schema}.{name}"
            for schema, name in con.execute(
                "select table_schema, table_name from information_schema.tables"
            ).fetchall()
        }
        rows = {
            t: con.execute(f"select count(*) from {t}").fetchone()[0]
            for t in tables
            if t in present
        }
    finally:
        con.close()
    return tiers, leads, rows


def compare(
    spark: Any,
    warehouse: Warehouse,
    result: SparkComparison,
    leads_table: str = f"{AUDIT_SCHEMA}.leads",
) -> SparkComparison:
    """Fill ``result`` with both engines' tiers and leads in ``leads_table`` (``schema.table``,
    with ``lead_id`` and ``tier``) and the row counts of every model Spark built (the tables
    and views in :data:`MODEL_SCHEMAS`, by ``schema.name``).
    """
    result.tiers_spark = spark_tier_counts(spark, leads_table)
    result.rows_spark = _spark_row_counts(spark, MODEL_SCHEMAS)
    with warehouse_lock(warehouse, shared=True):
        tiers, leads, rows = _warehouse_results(warehouse, leads_table, sorted(result.rows_spark))
    result.tiers_warehouse, result.rows_warehouse = tiers, rows
    spark_leads = {
        row["lead_id"]: row["tier"]
        for row in spark.sql(f"select lead_id, tier from {leads_table}").collect()
    }
    result.lead_differences = sorted(
        (lead, leads.get(lead), spark_leads.get(lead))
        for lead in set(leads) | set(spark_leads)
        if leads.get(lead) != spark_leads.get(lead)
    )
    return result


def run_on_spark(
    warehouse: Warehouse,
    config_dir: Path,
    work_dir: Path,
    select: str | None = None,
    leads_table: str = f"{AUDIT_SCHEMA}.leads",
) -> SparkComparison:
    """Export the warehouse's raw data, build the models on a local Spark, compare.

    ``select`` limits the build; ``leads_table`` is the table whose tiers are compared.
    Starts and stops its own SparkSession (and JVM). The build's failures are reported in
    the returned outcome, not raised.
    """
    variables = dbt_variables(config_dir)
    # the catalog is in memory: tables of an earlier session are only files now
    shutil.rmtree(work_dir / "spark-warehouse", ignore_errors=True)
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    folders = export_raw(warehouse, work_dir / "raw")
    seconds["export"] = time.perf_counter() - started
    started = time.perf_counter()
    spark = start_spark(work_dir)
    try:
        raw_rows = load_raw(spark, folders)
        seconds["spark_start_and_load"] = time.perf_counter() - started
        started = time.perf_counter()
        outcome = build_on_spark(variables, work_dir, raise_on_failure=False, select=select)
        seconds["dbt_build"] = time.perf_counter() - started
        result = SparkComparison(outcome=outcome, seconds=seconds, raw_rows=raw_rows)
        if outcome.success:
            compare(spark, warehouse, result, leads_table)
    finally:
        stop_spark(spark)
    return result

"""Great Expectations gates: validate the tier tables built in ``audit`` before publishing.

The GX project lives in ``expectations/gx`` (suites, validation definitions and the
warehouse data source, whose connection string is ``${LEADFLOW_WAREHOUSE_URL}``). One suite
per gate, named after the tier it guards. A failed gate raises :class:`GateFailed`, whose
message names each failed expectation with its counts and a few sample values.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from flows.config import IcpConfig, QualificationConfig, load_icp, load_qualification
from flows.publish import AUDIT_SCHEMA
from flows.settings import (
    EXPECTATIONS_DIR,
    ConfigurationError,
    Warehouse,
    config_dir,
    data_docs_dir,
)

# Gates in promotion order: (validation definition = suite name, table it validates).
GATES: tuple[tuple[str, str], ...] = (
    ("profiled", "audit.leads"),
    ("mql", "audit.mql_leads"),
    ("sal", "audit.leads"),
    ("sql", "audit.sql_opportunities"),
)
SAMPLE_SIZE = 5


@dataclass
class FailedExpectation:
    """One expectation that did not hold, with what GX observed."""

    expectation: str
    description: str
    column: str | None
    unexpected_count: int | None
    element_count: int | None
    samples: list[Any] = field(default_factory=list)
    observed: Any = None
    error: str | None = None

    def describe(self) -> str:
        target = f"({self.column})" if self.column else ""
        label = f"{self.expectation}{target}"
        if self.description:
            label += f' "{self.description}"'
        if self.error:
            return f"{label}: could not be evaluated: {self.error}"
        parts = []
        if self.unexpected_count is not None:
            of = f" of {self.element_count:,}" if self.element_count is not None else ""
            parts.append(f"{self.unexpected_count:,} unexpected{of} rows")
        elif self.observed is not None:
            parts.append(f"observed {self.observed}")
        if self.samples:
            parts.append(f"sample: {json.dumps(self.samples, default=str, ensure_ascii=False)}")
        return f"{label}: " + "; ".join(parts)


@dataclass
class GateResult:
    """The outcome of one gate."""

    gate: str
    table: str
    success: bool
    evaluated: int
    failed: list[FailedExpectation]
    checked_at: datetime

    def report(self) -> str:
        head = (
            f"gate {self.gate!r} on {self.table}: "
            + ("passed" if self.success else "BLOCKED")
            + f" ({self.evaluated - len(self.failed)}/{self.evaluated} expectations held)"
        )
        return "\n".join([head, *(f"  - {f.describe()}" for f in self.failed)])

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["checked_at"] = self.checked_at.isoformat()
        return data


class GateFailed(RuntimeError):
    """A gate blocked publication; ``results`` holds every gate that ran."""

    def __init__(self, results: list[GateResult]):
        self.results = results
        blocked = [r for r in results if not r.success]
        lines = [
            f"{len(blocked)} gate(s) blocked publication; the tables in schema marts are "
            "unchanged and the blocked build stays in schema audit for inspection.",
            *(r.report() for r in blocked),
        ]
        super().__init__("\n".join(lines))


def load_context(project_dir: Path = EXPECTATIONS_DIR) -> Any:
    """The GX file context in ``project_dir``; an error if the project is not there.

    ``gx.get_context`` quietly creates an empty project on a wrong path, and a gate that
    validates nothing passes, so the path is checked first.
    """
    config = project_dir / "gx" / "great_expectations.yml"
    if not config.is_file():
        raise ConfigurationError(f"GX project not found: {config} does not exist")
    import great_expectations as gx

    # the Data Docs site's folder is a substitution variable of the GX project
    os.environ["LEADFLOW_DATA_DOCS_DIR"] = str(data_docs_dir()) + os.sep
    return gx.get_context(mode="file", project_root_dir=str(project_dir))


def _failed_expectation(result: Any) -> FailedExpectation:
    config = result.expectation_config
    kwargs = dict(config.kwargs)
    details = result.result or {}
    samples = details.get("partial_unexpected_list") or []
    unexpected_rows = (details.get("details") or {}).get("unexpected_rows")
    if unexpected_rows:
        samples = [
            dict(row) if not isinstance(row, dict) else row
            for row in list(unexpected_rows)[:SAMPLE_SIZE]
        ]
    info = result.exception_info or {}
    errors = [info] + [v for v in info.values() if isinstance(v, dict)]
    error = next(
        (
            str(e.get("exception_message", "")).splitlines()[0]
            for e in errors
            if e.get("raised_exception") and e.get("exception_message")
        ),
        None,
    )
    unexpected = details.get("unexpected_count")
    if unexpected is None and config.type == "unexpected_rows_expectation":
        unexpected = details.get("observed_value")
    return FailedExpectation(
        expectation=config.type,
        description=config.description or "",
        column=kwargs.get("column"),
        unexpected_count=unexpected,
        element_count=details.get("element_count"),
        samples=list(samples)[:SAMPLE_SIZE],
        observed=details.get("observed_value"),
        error=error,
    )


# The columns of a published lead (marts.leads) that hold each name `required_firmographics`
# accepts (flows.config.REQUIRED_FIELDS); attributes are checked in lead_attributes.
REQUIRED_LEAD_COLUMNS: dict[str, tuple[str, ...]] = {
    "industry": ("industry",),
    "company_size": ("employees", "annual_revenue_usd"),
    "employees": ("employees",),
    "annual_revenue": ("annual_revenue_usd",),
    "country": ("country_code",),
    "persona": ("persona",),
    "job_title": ("job_title",),
    "company_name": ("company_name",),
}


def required_fields_query(icp: IcpConfig) -> str:
    """The ``profiled`` gate's query for profiled (or later) leads lacking a field or
    attribute that ``required_firmographics`` names (always empty when it names none)."""
    conditions = []
    for name in icp.required_firmographics:
        if name in REQUIRED_LEAD_COLUMNS:
            conditions.append(
                "(" + " and ".join(f"{c} is null" for c in REQUIRED_LEAD_COLUMNS[name]) + ")"
            )
        else:
            literal = "'" + name.replace("'", "''") + "'"
            conditions.append(
                f"lead_id not in (select a.lead_id from {AUDIT_SCHEMA}.lead_attributes a "
                f"where a.attribute = {literal})"
            )
    missing = " or ".join(conditions) or "1 = 0"
    return (
        "select lead_id, email, tier from {batch} "
        f"where tier in ('profiled', 'mql', 'sal', 'sql') and ({missing})"
    )


def gate_parameters(
    qualification: QualificationConfig | None = None, icp: IcpConfig | None = None
) -> dict[str, Any]:
    """Values the suites take from configuration (GX's ``$PARAMETER`` syntax)."""
    from flows.entities import DISQUALIFICATION_REASONS

    if qualification is None:
        qualification = load_qualification(config_dir())
    if icp is None:
        icp = load_icp(config_dir())
    return {
        "disqualification_reasons": list(DISQUALIFICATION_REASONS),
        "currencies": list(qualification.currencies),
        "frameworks": [qualification.framework],
        "required_criteria": sum(1 for c in qualification.criteria if c.required),
        "required_fields_query": required_fields_query(icp),
        # a broken country column matters only to an ICP that uses the country
        "country_mostly": 0.6 if uses_country(icp) else 0.0,
    }


def uses_country(icp: IcpConfig) -> bool:
    """Whether the ICP scores, requires or excludes by country."""
    return (
        icp.territory is not None
        or "country" in icp.required_firmographics
        or any(c.field == "country" for c in icp.criteria)
    )


def run_gate(
    warehouse: Warehouse,
    name: str,
    project_dir: Path = EXPECTATIONS_DIR,
    parameters: dict[str, Any] | None = None,
    run_name: str | None = None,
) -> GateResult:
    """Validate the gate's table with its suite and return the result (never raises on data).

    ``parameters`` fill the suites' ``$PARAMETER`` values (see :func:`gate_parameters`);
    by default they come from the configuration folder. The result is kept in the GX
    project's validation store under ``run_name`` (the run's batch id), for the Data Docs.
    """
    from great_expectations.core.run_identifier import RunIdentifier

    table = dict(GATES).get(name)
    if table is None:
        raise ConfigurationError(f"unknown gate {name!r}; gates: {[g for g, _ in GATES]}")
    os.environ["LEADFLOW_WAREHOUSE_URL"] = warehouse.sqlalchemy_url
    from flows import gx_duckdb  # imports GX (seconds): only when a gate runs

    if warehouse.backend == "duckdb":
        gx_duckdb.enable()
    context = load_context(project_dir)
    definition = context.validation_definitions.get(name)
    engine = definition.data.data_asset.datasource.get_execution_engine()
    gx_duckdb.prepare_engine(engine)
    try:
        outcome = definition.run(
            expectation_parameters=parameters if parameters is not None else gate_parameters(),
            result_format={
                "result_format": "SUMMARY",
                "partial_unexpected_count": SAMPLE_SIZE,
            },
            run_id=RunIdentifier(run_name=run_name, run_time=datetime.now(UTC)),
        )
    finally:
        gx_duckdb.close_engine(engine)
    failed = [_failed_expectation(r) for r in outcome.results if not r.success]
    return GateResult(
        gate=name,
        table=table,
        success=bool(outcome.success),
        evaluated=int(outcome.statistics["evaluated_expectations"]),
        failed=failed,
        checked_at=datetime.now(UTC).replace(tzinfo=None),
    )


def build_data_docs(run_name: str, project_dir: Path = EXPECTATIONS_DIR) -> str:
    """Render the run's validation results into the Data Docs site; the index page's URL.

    Only this run's results are rendered (earlier pages stay), and the index is rebuilt, so
    the site lists every run. The folder is :func:`flows.settings.data_docs_dir`.
    """
    context = load_context(project_dir)
    store = context.validation_results_store
    keys = [key for key in store.list_keys() if key.run_id.run_name == run_name]
    urls = context.build_data_docs(resource_identifiers=keys)
    return next(iter(urls.values()))


GATE_RESULTS = sa.Table(
    "gate_results",
    sa.MetaData(schema="ops"),
    sa.Column("run_id", sa.Text(), nullable=False),
    sa.Column("gate", sa.Text(), nullable=False),
    sa.Column("table_name", sa.Text(), nullable=False),
    sa.Column("success", sa.Boolean(), nullable=False),
    sa.Column("evaluated", sa.Integer(), nullable=False),
    sa.Column("failed", sa.Integer(), nullable=False),
    sa.Column("report", sa.Text(), nullable=False),
    sa.Column("details", sa.Text(), nullable=False),
    sa.Column("checked_at", sa.DateTime(), nullable=False),
    comment="One row per gate per run: the outcome and the failed expectations.",
)


def record_results(engine: sa.Engine, run_id: str, results: list[GateResult]) -> None:
    """Append gate outcomes to ``ops.gate_results``."""
    with engine.begin() as conn:
        conn.execute(sa.text("create schema if not exists ops"))
        GATE_RESULTS.create(conn, checkfirst=True)
        for r in results:
            conn.execute(
                GATE_RESULTS.insert().values(
                    run_id=run_id,
                    gate=r.gate,
                    table_name=r.table,
                    success=r.success,
                    evaluated=r.evaluated,
                    failed=len(r.failed),
                    report=r.report(),
                    details=json.dumps([asdict(f) for f in r.failed], default=str),
                    checked_at=r.checked_at,
                )
            )

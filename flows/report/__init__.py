"""The funnel report: one self-contained HTML page a sales manager reads.

At the top, the rules in use (ICP fit threshold, MQL threshold and hand-raises, the
qualification framework, the first-contact SLA, stall limits); then the funnel, conversion
over monthly cohorts (small cohorts flagged with their size and interval), stage durations,
bottlenecks by stage and owner, the forecast in money per close month and currency, SLA
compliance, what holds leads back, MQL sources, hand-offs and the gates. The internal edition
names the people and companies behind the bottlenecks and the leads closest to MQL; the
shareable edition (``--shareable``) shows aggregates only.

The page embeds the Vega, Vega-Lite and Vega-Embed JavaScript once (from
``vl-convert-python``) and renders each chart as SVG, so it opens offline.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from flows.report.page import html_table, javascript, page_html
from flows.report.sections import Context, Reader, build_sections
from flows.settings import Warehouse, config_dir

DEFAULT_OUT = Path("reports/funnel.html")

__all__ = ["DEFAULT_OUT", "html_table", "render_report", "rules_in_use"]


def rules_in_use(config: str | Path | None) -> tuple[list[tuple[str, str]], Context]:
    """The thresholds, framework, SLA and stall limits of the configuration, as the page's
    top row shows them, and the context the sections need."""
    from flows.config import load_icp, load_qualification, load_scoring

    folder = config_dir(config)
    icp, scoring, qualification = load_icp(folder), load_scoring(folder), load_qualification(folder)
    framework = qualification.frameworks[qualification.framework]
    required = [c.name for c in framework.criteria if c.required]
    hand_raises = ", ".join(t.replace("_", " ") for t in scoring.hand_raise) or "none"
    stall = qualification.stall_after_days
    rules = [
        ("Profiled: ICP fit at least", f"{icp.fit_threshold} of 100"),
        (
            "MQL: engagement score at least",
            f"{scoring.mql_threshold} points in {scoring.window_days} days",
        ),
        ("… or a hand-raise", hand_raises),
        (f"SQL: framework {qualification.framework.upper()}", ", ".join(required)),
        (
            "First-contact SLA",
            f"{qualification.sla_first_contact_hours:g} hours after hand-off or MQL",
        ),
        ("Stalls to nurture after", f"MQL {stall.mql} days, SAL {stall.sal} days"),
    ]
    from flows.calibrate import points_in_use

    context = Context(
        mql_threshold=scoring.mql_threshold,
        fit_threshold=icp.fit_threshold,
        suggested=folder / "suggested",
        points_in_use=points_in_use(icp, scoring),
    )
    return rules, context


def _engine(warehouse: Warehouse) -> sa.Engine:
    if warehouse.backend == "duckdb":
        if not warehouse.duckdb_path.is_file():
            raise FileNotFoundError(f"{warehouse.duckdb_path} does not exist yet")
        return sa.create_engine(
            warehouse.sqlalchemy_url,
            poolclass=sa.pool.NullPool,
            connect_args={"read_only": True},
        )
    from flows.warehouse import make_engine

    return make_engine(warehouse)


def render_report(
    warehouse_url: str | None,
    out: Path = DEFAULT_OUT,
    config: str | Path | None = None,
    shareable: bool = False,
) -> Path:
    """Write the funnel report for the warehouse at ``warehouse_url`` to ``out``.

    DuckDB is opened read-only and closed before this returns. Sections whose tables do
    not exist yet say "not built yet". ``shareable`` leaves out every person and company
    name. Returns ``out``.
    """
    from dataclasses import replace

    warehouse = Warehouse.from_env(warehouse_url)
    rules, context = rules_in_use(config)
    context = replace(context, shareable=shareable)
    engine = _engine(warehouse)
    try:
        with engine.connect() as conn:
            sections = build_sections(Reader(conn), context)
    finally:
        engine.dispose()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    page = page_html(sections, warehouse.display_url, javascript(), rules, shareable)
    out.write_text(page, encoding="utf-8")
    return out

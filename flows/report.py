"""The funnel report: one self-contained HTML page with Vega-Lite charts and small tables.

The page embeds the Vega, Vega-Lite and Vega-Embed JavaScript once (from ``vl-convert-python``)
and renders each chart spec with ``vegaEmbed`` as SVG, so it opens offline. Every value that
comes from the warehouse is HTML-escaped in tables and JSON-escaped in chart specs.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from flows.settings import Warehouse

DEFAULT_OUT = Path("reports/funnel.html")
TIERS = ("name", "profiled", "mql", "sal", "sql")
VEGA_LITE_VERSION = "6.4"  # the Vega-Lite version Altair 6.3 writes specs for

Rows = list[dict[str, Any]]


@dataclass
class Section:
    """One section of the page: a heading, a short explanation, charts and tables (HTML)."""

    title: str
    text: str
    charts: list[dict[str, Any]] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)
    note: str | None = None


class _Reader:
    """Read-only queries on the warehouse; knows which ``marts``/``ops``/``backtest`` tables
    exist."""

    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn
        found = conn.execute(
            sa.text(
                "select table_schema, table_name from information_schema.tables "
                "where table_schema in ('marts', 'ops', 'backtest')"
            )
        )
        self.tables = {f"{schema}.{name}" for schema, name in found}

    def has(self, table: str) -> bool:
        return table in self.tables

    def rows(self, sql: str) -> Rows:
        return [dict(r._mapping) for r in self.conn.execute(sa.text(sql))]


def _plain(value: Any) -> Any:
    """A JSON-ready value: dates as ISO text, decimals as floats."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def _values(rows: Rows) -> Rows:
    return [{k: _plain(v) for k, v in r.items()} for r in rows]


def html_table(rows: Rows, columns: Sequence[str] | None = None) -> str:
    """An HTML table of ``rows``; every header and value is HTML-escaped."""
    if not rows:
        return '<p class="empty">No rows.</p>'
    columns = list(columns or rows[0].keys())

    def cell(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, float):
            return f"{value:,.2f}"
        return html.escape(str(value))

    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{cell(r.get(c))}</td>" for c in columns) + "</tr>" for r in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _chart(chart: Any) -> dict[str, Any]:
    return chart.properties(width=560, height=260).to_dict()


def _funnel(db: _Reader, s: Section) -> Section:
    import altair as alt

    counts = {r["tier"]: r["leads"] for r in db.rows(
        "select tier, count(*) as leads from marts.funnel_tier_entries group by tier"
    )}  # fmt: skip
    rows: Rows = [{"stage": t, "leads": counts.get(t, 0)} for t in (*TIERS, "won")]
    s.charts.append(_chart(
        alt.Chart(alt.Data(values=rows)).mark_bar()
        .encode(
            x=alt.X("stage:N", sort=[r["stage"] for r in rows], title=None),
            y=alt.Y("leads:Q", title="leads"),
        )
    ))  # fmt: skip
    s.tables.append(html_table(rows, ["stage", "leads"]))
    return s


def _conversion(db: _Reader, s: Section) -> Section:
    import altair as alt

    rows = _values(db.rows(
        "select step_order, from_tier || ' → ' || to_tier as step, cohort_month, entered, "
        "converted, conversion_rate, is_mature from marts.funnel_conversion "
        "where dimension = 'all' and cohort_month is not null order by step_order, cohort_month"
    ))  # fmt: skip
    for r in rows:
        r["cohort"] = "mature" if r["is_mature"] else "not mature yet"
    steps = [name for _, name in sorted({(r["step_order"], r["step"]) for r in rows})]
    base = alt.Chart(alt.Data(values=rows)).encode(
        x=alt.X("cohort_month:T", timeUnit="yearmonth", title="cohort month"),
        y=alt.Y("conversion_rate:Q", axis=alt.Axis(format="%"), title="conversion"),
        color=alt.Color("step:N", sort=steps, title="step"),
    )
    points = base.mark_point(filled=True, size=40).encode(
        shape=alt.Shape("cohort:N", title="cohort"),
        opacity=alt.Opacity(
            "cohort:N", sort=["mature"], scale=alt.Scale(range=[1, 0.4]), legend=None
        ),
    )
    s.charts.append(_chart(alt.layer(base.mark_line(), points)))
    total = db.rows(
        "select from_tier || ' → ' || to_tier as step, entered, converted, conversion_rate "
        "from marts.funnel_conversion where dimension = 'all' and cohort_month is null "
        "order by step_order"
    )
    s.tables.append(html_table(total))
    return s


def _durations(db: _Reader, s: Section) -> Section:
    import altair as alt

    rows = db.rows(
        "select tier, stays, median_days, p90_days, mean_days from marts.funnel_stage_durations "
        "where cohort_month is null"
    )
    order = [t for t in TIERS if t in {r["tier"] for r in rows}] + sorted(
        {r["tier"] for r in rows} - set(TIERS)
    )
    long = [
        {"tier": r["tier"], "measure": m, "days": _plain(r[f"{m}_days"])}
        for r in rows
        for m in ("median", "p90")
    ]
    s.charts.append(_chart(
        alt.Chart(alt.Data(values=long)).mark_bar()
        .encode(
            x=alt.X("tier:N", sort=order, title=None),
            xOffset="measure:N",
            y=alt.Y("days:Q", title="days"),
            color=alt.Color("measure:N", title=None),
        )
    ))  # fmt: skip
    s.tables.append(html_table(sorted(rows, key=lambda r: order.index(r["tier"]))))
    return s


def _bottlenecks(db: _Reader, s: Section) -> Section:
    import altair as alt

    per_tier = db.rows(
        "select tier, count(*) as stalled, max(threshold_days) as threshold_days "
        "from marts.funnel_bottlenecks group by tier order by stalled desc"
    )
    s.charts.append(_chart(
        alt.Chart(alt.Data(values=_values(per_tier))).mark_bar()
        .encode(x=alt.X("tier:N", sort="-y", title=None), y=alt.Y("stalled:Q", title="leads"))
    ))  # fmt: skip
    oldest = db.rows(
        "select tier, company_name, lead_id, entered_tier_at, days_in_tier, threshold_days "
        "from marts.funnel_bottlenecks order by days_in_tier desc, lead_id limit 10"
    )
    s.tables.append(html_table(oldest))
    return s


def _forecast(db: _Reader, s: Section) -> Section:
    import altair as alt

    rows = _values(db.rows(
        "select forecast_group, group_order, current_count, win_probability, expected_closes, "
        "expected_closes_low, expected_closes_high from marts.funnel_forecast order by group_order"
    ))  # fmt: skip
    order = [r["forecast_group"] for r in rows]
    base = alt.Chart(alt.Data(values=rows)).encode(
        x=alt.X("forecast_group:N", sort=order, title=None)
    )
    bars = base.mark_bar().encode(y=alt.Y("expected_closes:Q", title="expected closes"))
    errors = base.mark_errorbar(ticks=True).encode(
        y=alt.Y("expected_closes_low:Q", title="expected closes"), y2="expected_closes_high:Q"
    )
    s.charts.append(_chart(alt.layer(bars, errors)))
    s.tables.append(html_table(rows))
    return s


def _sla(db: _Reader, s: Section) -> Section:
    import altair as alt

    rows = _values(db.rows(
        "select month, mqls, contacted_within_sla, breaches, compliance_rate "
        "from marts.funnel_sla_compliance order by month"
    ))  # fmt: skip
    s.charts.append(_chart(
        alt.Chart(alt.Data(values=rows)).mark_line(point=True)
        .encode(
            x=alt.X("month:T", timeUnit="yearmonth", title="month"),
            y=alt.Y("compliance_rate:Q", axis=alt.Axis(format="%"), title="within SLA"),
        )
    ))  # fmt: skip
    s.tables.append(html_table(rows))
    return s


def _mql_sources(db: _Reader, s: Section) -> Section:
    import altair as alt

    rows = db.rows(
        "select coalesce(first_touch_source_type, '(unknown)') as source_type, "
        "coalesce(first_touch_source_detail, '(unknown)') as source_detail, mql_reason, "
        "count(*) as mqls from marts.mql_leads group by 1, 2, 3 order by mqls desc, 1, 2, 3"
    )
    s.charts.append(_chart(
        alt.Chart(alt.Data(values=rows)).mark_bar()
        .encode(
            y=alt.Y("source_type:N", sort="-x", title=None),
            x=alt.X("sum(mqls):Q", title="MQLs"),
            color=alt.Color("mql_reason:N", title="reason"),
        )
    ))  # fmt: skip
    s.tables.append(html_table(rows[:20]))
    return s


def _gates(db: _Reader, s: Section) -> Section:
    columns = ["run_id", "gate", "table_name", "success", "evaluated", "failed", "checked_at"]
    rows = db.rows(
        f"select {', '.join(columns)} from ops.gate_results order by checked_at desc limit 20"
    )
    s.tables.append(html_table(rows, columns))
    return s


def _backtest(db: _Reader, s: Section) -> Section:
    import altair as alt

    metrics = _values(db.rows(
        "select description as metric, current_value as current, candidate_value as candidate, "
        "candidate_config, backtested_at from backtest.comparison"
    ))  # fmt: skip
    if metrics:
        s.text += (
            f" Candidate: {metrics[0]['candidate_config']}, "
            f"backtested {metrics[0]['backtested_at']}."
        )
    s.tables.append(html_table(metrics, ["metric", "current", "candidate"]))
    monthly = db.rows(
        "select month, current_mqls, candidate_mqls from backtest.mql_monthly order by month"
    )
    long = [
        {"month": r["month"], "configuration": side, "mqls": r[f"{side}_mqls"]}
        for r in monthly
        for side in ("current", "candidate")
    ]
    s.charts.append(_chart(
        alt.Chart(alt.Data(values=long)).mark_line(point=True)
        .encode(
            x=alt.X("month:O", title="month"),
            y=alt.Y("mqls:Q", title="new MQLs"),
            color=alt.Color("configuration:N", title=None),
        )
    ))  # fmt: skip
    changes = db.rows(
        "select current_tier, candidate_tier, count(*) as leads from backtest.tier_changes "
        "group by 1, 2 order by leads desc, 1, 2"
    )
    s.tables.append(html_table(changes[:20], ["current_tier", "candidate_tier", "leads"]))
    return s


# Sections shown only when their table exists (written by another command than `run`).
OPTIONAL_TABLES = ("backtest.comparison",)

# (builder, the tables it reads, title, explanation): a builder adds charts and tables
# to its section; a section whose tables are missing says so instead.
SECTIONS: list[tuple[Callable[[_Reader, Section], Section], tuple[str, ...], str, str]] = [
    (
        _funnel,
        ("marts.funnel_tier_entries",),
        "Funnel by tier",
        "How many distinct leads ever reached each tier, and how many won an opportunity "
        "(marts.funnel_tier_entries).",
    ),
    (
        _conversion,
        ("marts.funnel_conversion",),
        "Conversion per step over monthly cohorts",
        "For leads that entered a tier in a month, the share that reached the next tier "
        "(marts.funnel_conversion, all leads). Recent cohorts that are not mature yet are "
        "drawn with lighter, differently shaped points.",
    ),
    (
        _durations,
        ("marts.funnel_stage_durations",),
        "Stage durations",
        "Days a lead stays in each tier before it moves on: median and 90th percentile over "
        "all time (marts.funnel_stage_durations).",
    ),
    (
        _bottlenecks,
        ("marts.funnel_bottlenecks",),
        "Bottlenecks",
        "Leads that have stayed in their tier longer than its threshold "
        "(marts.funnel_bottlenecks): how many per tier, and the 10 oldest cases.",
    ),
    (
        _forecast,
        ("marts.funnel_forecast",),
        "Forecast",
        "Expected closes from the open pipeline: current count × win probability per "
        "tier/stage, with the low–high interval as error bars (marts.funnel_forecast).",
    ),
    (
        _sla,
        ("marts.funnel_sla_compliance",),
        "SLA compliance",
        "Per month, the share of new MQLs that sales contacted within the SLA "
        "(marts.funnel_sla_compliance).",
    ),
    (
        _mql_sources,
        ("marts.mql_leads",),
        "MQL sources",
        "Current-cycle MQLs by first-touch source type and detail, split by why they became "
        "MQLs (marts.mql_leads).",
    ),
    (
        _gates,
        ("ops.gate_results",),
        "Last runs' gate results",
        "The latest 20 gate outcomes (ops.gate_results).",
    ),
    (
        _backtest,
        ("backtest.comparison", "backtest.mql_monthly", "backtest.tier_changes"),
        "Backtest: a candidate configuration against the one in use",
        "The last `leadflow backtest`: the tiering replayed over the same history with the "
        "candidate configuration, compared with the published marts (backtest.comparison); "
        "MQLs per month on both sides (backtest.mql_monthly) and how many leads would move "
        "from which tier to which (backtest.tier_changes lists them).",
    ),
]


def build_sections(db: _Reader) -> list[Section]:
    """Every section; one whose table is missing says so ("not built yet"), except the
    optional ones (the backtest), left out until their command has run."""
    sections = []
    for builder, needs, title, text in SECTIONS:
        missing = [t for t in needs if not db.has(t)]
        if missing and any(t in OPTIONAL_TABLES for t in needs):
            continue
        if missing:
            note = f"{', '.join(missing)} is not built yet: `leadflow run` builds it."
            sections.append(Section(title, "", note=note))
        else:
            sections.append(builder(db, Section(title, text)))
    return sections


def _script_json(value: Any) -> str:
    """JSON that is safe inside a <script> element (no '<', '>' or '&' characters)."""
    text = json.dumps(value, default=str)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


CSS = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1000px; color: #222; }
section { margin-bottom: 2.5rem; } .note { color: #a15c00; font-style: italic; }
table { border-collapse: collapse; font-size: 0.85rem; margin-top: 0.75rem; }
th, td { border: 1px solid #ddd; padding: 0.2rem 0.5rem; text-align: left; }
th { background: #f4f4f4; } .empty { color: #777; }
"""

RENDER_JS = """
const specs = JSON.parse(document.getElementById("specs").textContent);
Promise.all(Object.entries(specs).map(([id, spec]) =>
  vegaEmbed("#" + id, spec, {renderer: "svg", actions: false})
)).then(() => { document.body.dataset.rendered = "true"; })
  .catch((err) => { console.error(err); document.body.dataset.rendered = "error"; });
"""


def page_html(sections: list[Section], subtitle: str, javascript: str) -> str:
    """The whole page: sections, the chart specs as JSON, and the inlined JavaScript."""
    specs: dict[str, dict[str, Any]] = {}
    parts = []
    for i, sec in enumerate(sections, start=1):
        body = [f'<section id="section-{i}"><h2>{html.escape(sec.title)}</h2>']
        if sec.text:
            body.append(f"<p>{html.escape(sec.text)}</p>")
        if sec.note:
            body.append(f'<p class="note">{html.escape(sec.note)}</p>')
        for j, spec in enumerate(sec.charts, start=1):
            chart_id = f"chart-{i}-{j}"
            specs[chart_id] = spec
            body.append(f'<div class="chart" id="{chart_id}"></div>')
        body.extend(sec.tables)
        body.append("</section>")
        parts.append("\n".join(body))
    generated = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>leadflow funnel report</title>
<style>{CSS}</style>
</head>
<body>
<h1>leadflow funnel report</h1>
<p>{html.escape(subtitle)} · generated {generated}</p>
{chr(10).join(parts)}
<script type="application/json" id="specs">{_script_json(specs)}</script>
<script>{javascript}</script>
<script>{RENDER_JS}</script>
</body>
</html>
"""


def _javascript() -> str:
    import vl_convert

    bundle = vl_convert.javascript_bundle(vl_version=VEGA_LITE_VERSION)
    return bundle.replace("</script", "<\\/script")


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


def render_report(warehouse_url: str | None, out: Path = DEFAULT_OUT) -> Path:
    """Write the funnel report for the warehouse at ``warehouse_url`` to ``out``.

    DuckDB is opened read-only and closed before this returns. Sections whose tables do
    not exist yet say "not built yet". Returns ``out``.
    """
    warehouse = Warehouse.from_env(warehouse_url)
    engine = _engine(warehouse)
    try:
        with engine.connect() as conn:
            sections = build_sections(_Reader(conn))
    finally:
        engine.dispose()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page_html(sections, warehouse.display_url, _javascript()), encoding="utf-8")
    return out

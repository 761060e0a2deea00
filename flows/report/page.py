"""The page of the funnel report: tables with human headers and formatted values, the
layout (full width, charts as wide as the page) and the inlined Vega JavaScript.

Every value from the warehouse is HTML-escaped in tables and JSON-escaped in chart specs.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

Rows = list[dict[str, Any]]
VEGA_LITE_VERSION = "6.4"  # the Vega-Lite version Altair 6.3 writes specs for
CHART_HEIGHT = 300

# Column name -> (header, format). Formats: int, pct (a fraction shown as a percentage),
# money (with the row's currency), days, date, month, text. Unknown columns are shown
# with their name, underscores as spaces.
COLUMNS: dict[str, tuple[str, str]] = {
    "stage": ("Stage", "text"),
    "tier": ("Tier", "text"),
    "leads": ("Leads", "int"),
    "of_previous": ("Of the previous stage", "pct"),
    "step": ("Step", "text"),
    "entered": ("Entered", "int"),
    "converted": ("Converted", "int"),
    "won": ("Won or converted", "int"),
    "conversion_rate": ("Conversion", "pct"),
    "interval": ("95 % interval", "text"),
    "cohort_month": ("Cohort month", "month"),
    "stays": ("Stays measured", "int"),
    "median_days": ("Median days", "days"),
    "p90_days": ("90th percentile, days", "days"),
    "mean_days": ("Mean days", "days"),
    "stalled_stays": ("Timed out to nurture", "int"),
    "owner": ("Owner", "text"),
    "stalled": ("Stalled leads", "int"),
    "norm_days": ("Tier norm (p90), days", "days"),
    "longest_days": ("Longest wait, days", "days"),
    "person": ("Person", "text"),
    "company_name": ("Company", "text"),
    "days_in_tier": ("Days in tier", "days"),
    "entered_tier_at": ("In tier since", "date"),
    "close_month": ("Expected close month", "month"),
    "currency": ("Currency", "text"),
    "open_opportunities": ("Open opportunities", "int"),
    "pipeline_amount": ("Pipeline", "money"),
    "expected_amount": ("Expected revenue", "money"),
    "expected_range": ("Interval", "text"),
    "current_count": ("Open now", "int"),
    "win_probability": ("Win probability (history)", "pct"),
    "expected_closes": ("Expected closes", "float1"),
    "month": ("Month", "month"),
    "mqls": ("MQLs", "int"),
    "contacted_within_sla": ("Contacted within SLA", "int"),
    "breaches": ("Breaches", "int"),
    "compliance_rate": ("Within SLA", "pct"),
    "source_type": ("First-touch source", "text"),
    "source_detail": ("Detail", "text"),
    "mql_reason": ("Why MQL", "text"),
    "share": ("Share", "pct"),
    "cause": ("What holds them back", "text"),
    "detail": ("Detail", "text"),
    "engagement_score": ("Engagement score", "int"),
    "points_short": ("Points short of MQL", "int"),
    "fit_score": ("Fit score", "int"),
    "last_activity_at": ("Last activity", "date"),
    "channel": ("Channel", "text"),
    "status": ("Status", "text"),
    "handoffs": ("Hand-offs", "int"),
    "gate": ("Gate", "text"),
    "table_name": ("Table", "text"),
    "success": ("Passed", "text"),
    "evaluated": ("Expectations", "int"),
    "failed": ("Failed", "int"),
    "checked_at": ("Checked at", "date"),
    "run_id": ("Run", "text"),
    "note": ("Note", "text"),
}


@dataclass
class Section:
    """One section of the page: a heading, a short explanation, charts and tables (HTML)."""

    title: str
    text: str
    charts: list[dict[str, Any]] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)
    note: str | None = None


def plain(value: Any) -> Any:
    """A JSON-ready value: dates as ISO text, decimals as floats."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def values(rows: Rows) -> Rows:
    """Rows with JSON-ready values (for chart data)."""
    return [{k: plain(v) for k, v in r.items()} for r in rows]


def money(amount: float | None, currency: str | None) -> str:
    """``EUR 12,345`` (whole units)."""
    if amount is None:
        return ""
    return f"{currency or ''} {amount:,.0f}".strip()


def percent(fraction: float | None) -> str:
    """``24.0 %``."""
    if fraction is None or (isinstance(fraction, float) and math.isnan(fraction)):
        return ""
    return f"{100 * float(fraction):.1f} %"


def wilson(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval of a proportion (95 % with z 1.96); (0, 1) when n is 0."""
    if n <= 0:
        return 0.0, 1.0
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def header(column: str) -> str:
    """The human header of a column."""
    if column in COLUMNS:
        return COLUMNS[column][0]
    text = column.replace("_", " ")
    return text[:1].upper() + text[1:]


def cell(column: str, value: Any, row: dict[str, Any]) -> str:
    """One formatted, escaped table cell's text."""
    if value is None:
        return ""
    kind = COLUMNS.get(column, ("", "auto"))[1]
    if kind == "pct":
        text = percent(value)
    elif kind == "money":
        text = money(float(value), row.get("currency"))
    elif kind == "int":
        text = f"{int(value):,}"
    elif kind == "days" or kind == "float1":
        text = f"{float(value):,.1f}"
    elif kind == "month" and isinstance(value, dt.date):
        text = value.strftime("%b %Y")
    elif kind == "date" and isinstance(value, dt.datetime | dt.date):
        text = value.strftime("%Y-%m-%d")
    elif isinstance(value, bool):
        text = "yes" if value else "no"
    elif isinstance(value, float):
        text = f"{value:,.2f}"
    else:
        text = str(value)
    return html.escape(text)


def html_table(rows: Rows, columns: Sequence[str] | None = None, css: str = "") -> str:
    """An HTML table of ``rows`` with human headers; numbers right-aligned, every header and
    value HTML-escaped. A row with ``_flag`` set is highlighted, its text as a title."""
    if not rows:
        return '<p class="empty">No rows.</p>'
    columns = [c for c in (columns or rows[0].keys()) if not c.startswith("_")]

    def numeric(column: str) -> bool:
        return COLUMNS.get(column, ("", ""))[1] in ("int", "pct", "money", "days", "float1")

    head = "".join(
        f"<th{' class=num' if numeric(c) else ''}>{html.escape(header(c))}</th>" for c in columns
    )
    body = []
    for r in rows:
        flag = r.get("_flag")
        attrs = f' class="flag" title="{html.escape(flag)}"' if flag else ""
        tds = "".join(
            f"<td{' class=num' if numeric(c) else ''}>{cell(c, r.get(c), r)}</td>" for c in columns
        )
        body.append(f"<tr{attrs}>{tds}</tr>")
    cls = f' class="{css}"' if css else ""
    return f"<table{cls}><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def chart(spec: Any, height: int = CHART_HEIGHT) -> dict[str, Any]:
    """An Altair chart as a Vega-Lite spec as wide as its container."""
    return spec.properties(width="container", height=height).to_dict()


def _script_json(value: Any) -> str:
    """JSON that is safe inside a <script> element (no '<', '>' or '&' characters)."""
    text = json.dumps(value, default=str)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


CSS = """
body { font-family: system-ui, sans-serif; margin: 0; padding: 1.5rem 2rem; color: #222; }
h1 { margin: 0 0 0.25rem; } h2 { border-bottom: 2px solid #e3e3e3; padding-bottom: 0.2rem; }
section { margin-bottom: 2.5rem; } .note { color: #a15c00; font-style: italic; }
.chart { width: 100%; } .subtitle { color: #555; margin-top: 0; }
.rules { display: grid; grid-template-columns: repeat(auto-fit, minmax(15rem, 1fr));
  gap: 0.75rem; margin: 1rem 0 2rem; }
.rules div { background: #f4f7fb; border: 1px solid #d6e0ee; border-radius: 6px;
  padding: 0.6rem 0.8rem; }
.rules b { display: block; font-size: 0.8rem; color: #4a5a70; font-weight: 600; }
.rules span { font-size: 1.05rem; }
table { border-collapse: collapse; font-size: 0.9rem; margin-top: 0.75rem; width: 100%; }
th, td { border: 1px solid #ddd; padding: 0.3rem 0.6rem; text-align: left; }
th { background: #f4f4f4; } .num { text-align: right; font-variant-numeric: tabular-nums; }
tr.flag td { background: #fff6e0; } .empty { color: #777; }
.edition { display: inline-block; padding: 0.1rem 0.5rem; border-radius: 4px;
  background: #fde8e8; color: #8a1c1c; font-size: 0.85rem; }
.edition.shareable { background: #e6f4ea; color: #1e5631; }
"""

RENDER_JS = """
const specs = JSON.parse(document.getElementById("specs").textContent);
Promise.all(Object.entries(specs).map(([id, spec]) =>
  vegaEmbed("#" + id, spec, {renderer: "svg", actions: false})
)).then(() => { document.body.dataset.rendered = "true"; })
  .catch((err) => { console.error(err); document.body.dataset.rendered = "error"; });
"""


def rules_html(rules: list[tuple[str, str]]) -> str:
    """The rules in use as a row of labelled boxes."""
    boxes = "".join(
        f"<div><b>{html.escape(label)}</b><span>{html.escape(value)}</span></div>"
        for label, value in rules
    )
    return f'<div class="rules">{boxes}</div>'


def page_html(
    sections: list[Section], subtitle: str, javascript: str, rules: list[tuple[str, str]],
    shareable: bool,
) -> str:  # fmt: skip
    """The whole page: rules in use, sections, the chart specs as JSON, the JavaScript."""
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
    edition = (
        '<span class="edition shareable">shareable edition: aggregates only, no person or '
        "company named</span>"
        if shareable
        else '<span class="edition">internal edition: names people and companies; '
        "do not forward (leadflow report --shareable writes the aggregate one)</span>"
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>leadflow funnel report</title>
<style>{CSS}</style>
</head>
<body>
<h1>leadflow funnel report</h1>
<p class="subtitle">{html.escape(subtitle)} · generated {generated} · {edition}</p>
{rules_html(rules)}
{chr(10).join(parts)}
<script type="application/json" id="specs">{_script_json(specs)}</script>
<script>{javascript}</script>
<script>{RENDER_JS}</script>
</body>
</html>
"""


def javascript() -> str:
    """Vega, Vega-Lite and Vega-Embed, inlined (the page opens offline)."""
    import vl_convert

    bundle = vl_convert.javascript_bundle(vl_version=VEGA_LITE_VERSION)
    return bundle.replace("</script", "<\\/script")

"""The sections of the funnel report, each built from the marts it reads.

A builder gets a read-only view of the warehouse (:class:`Reader`), the section to fill and
the report's :class:`Context` (the rules in use, the edition). In the shareable edition no
builder names a person or a company: only counts and rates leave the company.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from flows.report.page import Rows, Section, chart, html_table, percent, values, wilson

TIERS = ("name", "profiled", "mql", "sal", "sql")
# A monthly cohort smaller than this is flagged: its rate swings with a single lead.
SMALL_COHORT = 20


class Reader:
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


@dataclass(frozen=True)
class Context:
    """What the builders need besides the data: the edition and the thresholds in use."""

    shareable: bool = False
    mql_threshold: int | None = None
    fit_threshold: int | None = None
    # the last calibration's folder, and the points in use per learned feature
    suggested: Path | None = None
    points_in_use: dict[str, int] | None = None


def _interval(converted: int, entered: int) -> str:
    low, high = wilson(converted, entered)
    return f"{percent(low)} – {percent(high)}"


def _funnel(db: Reader, s: Section, ctx: Context) -> Section:
    import altair as alt

    counts = {r["tier"]: r["leads"] for r in db.rows(
        "select tier, count(*) as leads from marts.funnel_tier_entries group by tier"
    )}  # fmt: skip
    rows: Rows = []
    for stage in (*TIERS, "won"):
        n = counts.get(stage, 0)
        previous = rows[-1]["leads"] if rows else None
        rows.append({"stage": stage, "leads": n, "of_previous": n / previous if previous else None})
    s.charts.append(chart(
        alt.Chart(alt.Data(values=rows)).mark_bar()
        .encode(
            x=alt.X("stage:N", sort=[r["stage"] for r in rows], title=None,
                    axis=alt.Axis(labelAngle=0)),
            y=alt.Y("leads:Q", title="leads"),
            tooltip=["stage:N", "leads:Q", alt.Tooltip("of_previous:Q", format=".1%")],
        )
    ))  # fmt: skip
    s.tables.append(html_table(rows, ["stage", "leads", "of_previous"]))
    return s


def _conversion(db: Reader, s: Section, ctx: Context) -> Section:
    import altair as alt

    rows = db.rows(
        "select step_order, from_tier || ' → ' || to_tier as step, cohort_month, entered, "
        "converted, conversion_rate, is_mature from marts.funnel_conversion "
        "where dimension = 'all' and cohort_month is not null order by step_order, cohort_month"
    )
    small = 0
    for r in rows:
        r["low"], r["high"] = wilson(r["converted"], r["entered"])
        r["cohort"] = (
            "not mature yet"
            if not r["is_mature"]
            else f"fewer than {SMALL_COHORT} leads"
            if r["entered"] < SMALL_COHORT
            else "mature"
        )
        if r["entered"] < SMALL_COHORT:
            small += 1
            lead_s = "lead" if r["entered"] == 1 else "leads"
            r["_flag"] = r["note"] = f"small cohort: {r['entered']} {lead_s}"
        r["interval"] = _interval(r["converted"], r["entered"])
    steps = [name for _, name in sorted({(r["step_order"], r["step"]) for r in rows})]
    data = alt.Data(values=values([{k: v for k, v in r.items() if k != "_flag"} for r in rows]))
    base = alt.Chart(data).encode(
        x=alt.X("cohort_month:T", timeUnit="yearmonth", title="cohort month"),
        color=alt.Color("step:N", sort=steps, title="step"),
    )
    line = base.mark_line().encode(
        y=alt.Y("conversion_rate:Q", axis=alt.Axis(format="%"), title="conversion")
    )
    bars = base.mark_errorbar(opacity=0.35).encode(
        y=alt.Y("low:Q", title="conversion"), y2="high:Q"
    )
    points = base.mark_point(size=60).encode(
        y="conversion_rate:Q",
        shape=alt.Shape("cohort:N", title="cohort"),
        fill=alt.Fill("step:N", sort=steps, legend=None),
        fillOpacity=alt.condition(
            f"datum.entered < {SMALL_COHORT}", alt.value(0), alt.value(1)
        ),
        tooltip=["step:N", "cohort_month:T", "entered:Q", "converted:Q",
                 alt.Tooltip("conversion_rate:Q", format=".1%"), "interval:N"],
    )  # fmt: skip
    s.charts.append(chart(alt.layer(bars, line, points)))
    if small:
        s.note = (
            f"{small} of {len(rows)} monthly cohorts have fewer than {SMALL_COHORT} leads: "
            "their rate is drawn hollow with its 95 % interval, and highlighted below."
        )
    total = db.rows(
        "select from_tier || ' → ' || to_tier as step, entered, converted, conversion_rate "
        "from marts.funnel_conversion where dimension = 'all' and cohort_month is null "
        "order by step_order"
    )
    for r in total:
        r["interval"] = _interval(r["converted"], r["entered"])
    s.tables.append(
        html_table(total, ["step", "entered", "converted", "conversion_rate", "interval"])
    )
    recent = sorted({r["cohort_month"] for r in rows})[-6:]
    monthly = [r for r in rows if r["cohort_month"] in recent]
    columns = ["step", "cohort_month", "entered", "converted", "conversion_rate", "interval"]
    s.tables.append(html_table(monthly, [*columns, "note"]))
    return s


def _durations(db: Reader, s: Section, ctx: Context) -> Section:
    import altair as alt

    rows = db.rows(
        "select tier, stays, median_days, p90_days, mean_days, stalled_stays "
        "from marts.funnel_stage_durations where cohort_month is null"
    )
    order = [t for t in TIERS if t in {r["tier"] for r in rows}] + sorted(
        {r["tier"] for r in rows} - set(TIERS)
    )
    long = [
        {"tier": r["tier"], "measure": m, "days": r[f"{m}_days"]}
        for r in values(rows)
        for m in ("median", "p90")
    ]
    s.charts.append(chart(
        alt.Chart(alt.Data(values=long)).mark_bar()
        .encode(
            x=alt.X("tier:N", sort=order, title=None, axis=alt.Axis(labelAngle=0)),
            xOffset="measure:N",
            y=alt.Y("days:Q", title="days"),
            color=alt.Color("measure:N", title=None),
        )
    ))  # fmt: skip
    s.tables.append(html_table(sorted(rows, key=lambda r: order.index(r["tier"]))))
    return s


BOTTLENECK_QUERY = """
select b.tier, b.lead_id, b.company_name, b.entered_tier_at, b.days_in_tier,
       b.threshold_days, l.full_name,
       case when b.tier in ('name', 'profiled') then '(marketing)'
            else coalesce(l.sales_rep, m.owner, '(no owner)') end as owner
from marts.funnel_bottlenecks b
left join marts.leads l on l.lead_id = b.lead_id
left join marts.mql_leads m on m.lead_id = b.lead_id
"""
# The internal edition names this many of the longest-waiting leads of each stage.
NAMED_PER_STAGE = 5
# Before marts.leads exists: no names, no owners.
BOTTLENECK_ALONE = """
select tier, lead_id, company_name, entered_tier_at, days_in_tier, threshold_days,
       cast(null as varchar) as full_name, '(unknown)' as owner
from marts.funnel_bottlenecks
"""


def _unnamed_owner(owner: str | None) -> str:
    """An owner for the shareable edition: the placeholders as they are, a person as
    "(sales rep)"."""
    if owner is None or owner.startswith("("):
        return owner or "(no owner)"
    return "(sales rep)"


def _bottlenecks(db: Reader, s: Section, ctx: Context) -> Section:
    import altair as alt

    joined = db.has("marts.leads") and db.has("marts.mql_leads")
    rows = db.rows(BOTTLENECK_QUERY if joined else BOTTLENECK_ALONE)
    if ctx.shareable:  # a sales rep is a person too: counted per stage, not named
        for r in rows:
            r["owner"] = _unnamed_owner(r["owner"])
    grouped: dict[tuple[str, str], dict[str, Any]] = {}
    for r in rows:
        g = grouped.setdefault(
            (r["tier"], r["owner"]),
            {"tier": r["tier"], "owner": r["owner"], "stalled": 0, "longest_days": 0.0,
             "norm_days": r["threshold_days"]},
        )  # fmt: skip
        g["stalled"] += 1
        g["longest_days"] = max(g["longest_days"], float(r["days_in_tier"]))
    order = {t: i for i, t in enumerate(TIERS)}
    table = sorted(grouped.values(), key=lambda g: (order.get(g["tier"], 9), -g["stalled"]))
    s.charts.append(chart(
        alt.Chart(alt.Data(values=values(table))).mark_bar()
        .encode(
            x=alt.X("tier:N", sort=list(TIERS), title=None, axis=alt.Axis(labelAngle=0)),
            y=alt.Y("stalled:Q", title="stalled leads"),
            color=alt.Color("owner:N", title="owner"),
            tooltip=["tier:N", "owner:N", "stalled:Q"],
        )
    ))  # fmt: skip
    s.tables.append(html_table(table, ["tier", "owner", "stalled", "norm_days", "longest_days"]))
    if ctx.shareable:
        s.note = "Shareable edition: the stalled leads are counted, not named."
        return s
    # the longest waits of each stage: one list across stages would show only the marketing
    # stages, whose norms are months, and hide the leads waiting for a sales rep
    by_wait = sorted(rows, key=lambda r: (order.get(r["tier"], 9), -float(r["days_in_tier"]),
                                          str(r["lead_id"])))  # fmt: skip
    named: dict[str, int] = {}
    oldest = []
    for r in by_wait:
        named[r["tier"]] = named.get(r["tier"], 0) + 1
        if named[r["tier"]] <= NAMED_PER_STAGE:
            oldest.append(r)
    for r in oldest:
        r["person"] = r.get("full_name") or "(no name)"
        r["norm_days"] = r["threshold_days"]
    s.tables.append(
        html_table(
            oldest,
            [
                "person",
                "company_name",
                "tier",
                "owner",
                "entered_tier_at",
                "days_in_tier",
                "norm_days",
            ],
        )  # fmt: skip
    )
    return s


def _forecast(db: Reader, s: Section, ctx: Context) -> Section:
    import altair as alt

    if db.has("marts.funnel_forecast_revenue"):
        money = db.rows(
            "select close_month, currency, open_opportunities, pipeline_amount, "
            "expected_amount, expected_amount_low, expected_amount_high "
            "from marts.funnel_forecast_revenue order by close_month, currency"
        )
        for r in money:
            low, high = r["expected_amount_low"], r["expected_amount_high"]
            r["expected_range"] = f"{r['currency']} {low:,.0f} – {high:,.0f}"
            r["month"] = r["close_month"].strftime("%b %Y") if r["close_month"] else "no date"
        months = list(dict.fromkeys(r["month"] for r in money))
        data = values([{k: v for k, v in r.items() if k != "close_month"} for r in money])
        base = alt.Chart(alt.Data(values=data)).encode(
            x=alt.X("month:N", sort=months, title="expected close month",
                    axis=alt.Axis(labelAngle=0)),
            xOffset=alt.XOffset("currency:N"),
            color=alt.Color("currency:N", title="currency"),
        )  # fmt: skip
        bars = base.mark_bar().encode(
            y=alt.Y("expected_amount:Q", title="expected revenue, in each currency"),
            tooltip=["month:N", "currency:N", alt.Tooltip("expected_amount:Q", format=",.0f"),
                     alt.Tooltip("pipeline_amount:Q", format=",.0f"), "expected_range:N"],
        )  # fmt: skip
        ranges = base.mark_rule(color="#333", strokeWidth=2).encode(
            y="expected_amount_low:Q", y2="expected_amount_high:Q"
        )
        s.charts.append(chart(alt.layer(bars, ranges)))
        s.tables.append(
            html_table(
                money,
                [
                    "close_month",
                    "currency",
                    "open_opportunities",
                    "pipeline_amount",
                    "expected_amount",
                    "expected_range",
                ],
            )  # fmt: skip
        )
    counts = db.rows(
        "select forecast_group as stage, current_count, win_probability, expected_closes, "
        "expected_closes_low, expected_closes_high from marts.funnel_forecast order by group_order"
    )
    for r in counts:
        r["interval"] = f"{r['expected_closes_low']:,.1f} – {r['expected_closes_high']:,.1f}"
    s.tables.append(
        html_table(
            counts, ["stage", "current_count", "win_probability", "expected_closes", "interval"]
        )  # fmt: skip
    )
    return s


def _sla(db: Reader, s: Section, ctx: Context) -> Section:
    import altair as alt

    rows = db.rows(
        "select month, mqls, contacted_within_sla, breaches, compliance_rate "
        "from marts.funnel_sla_compliance order by month"
    )
    for r in rows:
        r["interval"] = _interval(r["contacted_within_sla"], r["mqls"])
        if r["mqls"] < SMALL_COHORT:
            mql_s = "MQL" if r["mqls"] == 1 else "MQLs"
            r["_flag"] = r["note"] = f"small month: {r['mqls']} {mql_s}"
    s.charts.append(chart(
        alt.Chart(alt.Data(values=values([{k: v for k, v in r.items() if k != "_flag"}
                                          for r in rows])))
        .mark_line(point=True)
        .encode(
            x=alt.X("month:T", timeUnit="yearmonth", title="month"),
            y=alt.Y("compliance_rate:Q", axis=alt.Axis(format="%"), title="within SLA"),
            tooltip=["month:T", "mqls:Q", alt.Tooltip("compliance_rate:Q", format=".1%")],
        )
    ))  # fmt: skip
    if db.has("marts.sla_breaches"):
        clocks = db.rows(
            "select sla_clock, count(*) as n from marts.sla_breaches group by 1 order by 1"
        )
        if clocks:
            clock = {"mql": "the MQL", "hand_off": "the hand-off to sales"}
            told = ", ".join(
                f"{r['n']} with the clock started at {clock.get(r['sla_clock'], r['sla_clock'])}"
                for r in clocks
            )
            s.text += f" Breaches: {told}."
    columns = ["month", "mqls", "contacted_within_sla", "breaches", "compliance_rate"]
    s.tables.append(html_table(rows, [*columns, "interval", "note"]))
    return s


HOLDS_BACK_QUERY = """
select tier, mql_blocked_reason, tier_reason, disqualification_reason, sales_rep,
       engagement_score, fit_score, full_name, company_name, last_activity_at
from marts.leads
where tier in ('name', 'profiled', 'disqualified')
"""
MISSING = re.compile(r"missing firmographics: ([^;]+)")


def _holds_back(db: Reader, s: Section, ctx: Context) -> Section:
    import altair as alt

    threshold = ctx.mql_threshold
    causes: dict[tuple[str, str], int] = {}

    def count(cause: str, detail: str) -> None:
        causes[(cause, detail)] = causes.get((cause, detail), 0) + 1

    close: Rows = []
    for r in db.rows(HOLDS_BACK_QUERY):
        blocked = r["mql_blocked_reason"] or ""
        if r["tier"] == "disqualified":
            if r["sales_rep"] is None:
                count("excluded by the ICP", r["disqualification_reason"] or "(no reason)")
        elif r["tier"] == "name":
            missing = MISSING.search(r["tier_reason"] or "")
            if missing:
                for name in missing.group(1).split(","):
                    count("missing firmographics", name.strip())
            else:
                count("fit below the ICP threshold", f"fit under {ctx.fit_threshold}")
        elif blocked.startswith("engagement score") and threshold:
            short = max(threshold - int(r["engagement_score"] or 0), 0)
            band = ("1–5" if short <= 5 else "6–10" if short <= 10 else "11–20" if short <= 20
                    else "more than 20")  # fmt: skip
            count("below the MQL threshold, no hand-raise", f"{band} points short")
            close.append({**r, "points_short": short, "person": r["full_name"]})
        elif blocked:
            count("no consent to contact", re.sub(r" on \d{4}-\d{2}-\d{2}$", "", blocked))
    totals: dict[str, int] = {}
    for (cause, _), n in causes.items():
        totals[cause] = totals.get(cause, 0) + n
    rows = [{"cause": c, "detail": d.replace("_", " "), "leads": n} for (c, d), n in causes.items()]
    rows.sort(key=lambda r: (-totals[r["cause"]], r["cause"], -r["leads"]))
    s.charts.append(chart(
        alt.Chart(alt.Data(values=rows)).mark_bar()
        .encode(
            y=alt.Y("cause:N", sort="-x", title=None),
            x=alt.X("sum(leads):Q", title="leads", axis=alt.Axis(tickCount=10)),
            # one colour per detail: the default ten-colour scheme repeats past ten
            color=alt.Color("detail:N", title="detail", legend=alt.Legend(columns=2),
                            scale=alt.Scale(scheme="tableau20")),
            tooltip=["cause:N", "detail:N", "leads:Q"],
        ),
        height=220,
    ))  # fmt: skip
    s.tables.append(html_table(rows, ["cause", "detail", "leads"]))
    if not ctx.shareable and close:
        close.sort(key=lambda r: (r["points_short"], -(r["fit_score"] or 0)))
        s.tables.append("<h3>Closest to MQL</h3>")
        s.tables.append(html_table(
            close[:15],
            ["person", "company_name", "engagement_score", "points_short", "fit_score",
             "last_activity_at"],
        ))  # fmt: skip
    return s


def _mql_sources(db: Reader, s: Section, ctx: Context) -> Section:
    import altair as alt

    rows = db.rows(
        "select coalesce(first_touch_source_type, '(unknown)') as source_type, "
        "coalesce(first_touch_source_detail, '(unknown)') as source_detail, mql_reason, "
        "count(*) as mqls from marts.mql_leads group by 1, 2, 3 order by mqls desc, 1, 2, 3"
    )
    total = sum(r["mqls"] for r in rows) or 1
    for r in rows:
        r["share"] = r["mqls"] / total
        r["mql_reason"] = (r["mql_reason"] or "").replace("_", "-")  # hand-raise, score
    s.charts.append(chart(
        alt.Chart(alt.Data(values=rows)).mark_bar()
        .encode(
            y=alt.Y("source_type:N", sort="-x", title=None),
            x=alt.X("sum(mqls):Q", title="MQLs", axis=alt.Axis(tickCount=10)),
            color=alt.Color("mql_reason:N", title="why MQL"),
        ),
        height=220,
    ))  # fmt: skip
    s.tables.append(html_table(rows[:20], ["source_type", "source_detail", "mql_reason", "mqls",
                                           "share"]))  # fmt: skip
    return s


def _handoffs(db: Reader, s: Section, ctx: Context) -> Section:
    rows = db.rows(
        "select channel, status, coalesce(owner, '(no owner)') as owner, count(*) as handoffs "
        "from ops.handoffs group by 1, 2, 3 order by 1, 2, 4 desc"
    )
    if ctx.shareable:
        merged: dict[tuple[str, str, str], int] = {}
        for r in rows:
            key = (r["channel"], r["status"], _unnamed_owner(r["owner"]))
            merged[key] = merged.get(key, 0) + r["handoffs"]
        rows = [
            {"channel": c, "status": st, "owner": o, "handoffs": n}
            for (c, st, o), n in merged.items()
        ]
    s.tables.append(html_table(rows, ["channel", "status", "owner", "handoffs"]))
    return s


def _gates(db: Reader, s: Section, ctx: Context) -> Section:
    columns = ["run_id", "gate", "table_name", "success", "evaluated", "failed", "checked_at"]
    rows = db.rows(
        f"select {', '.join(columns)} from ops.gate_results order by checked_at desc limit 20"
    )
    s.tables.append(html_table(rows, columns))
    return s


def _backtest(db: Reader, s: Section, ctx: Context) -> Section:
    import altair as alt

    metrics = values(db.rows(
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
    s.charts.append(chart(
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


OUTCOME_TIERS_QUERY = """
    select entries.tier, count(distinct entries.lead_id) as entered,
        count(distinct case when outcomes.has_positive_outcome then entries.lead_id end) as won
    from marts.funnel_tier_entries as entries
    left join marts.lead_outcomes as outcomes on entries.lead_id = outcomes.lead_id
    group by entries.tier
"""

# Per lead: its current points (fit + engagement), whether it is profiled, and whether it
# was ever won or converted; in deciles of the points.
OUTCOME_SCORES_QUERY = """
    select
        ntile(10) over (order by coalesce(leads.fit_score, 0)
            + coalesce(leads.engagement_score, 0), leads.lead_id) as decile,
        coalesce(leads.fit_score, 0) + coalesce(leads.engagement_score, 0) as points,
        coalesce(leads.engagement_score, 0) as engagement_score,
        leads.profiled_at is not null as is_profiled,
        coalesce(outcomes.has_positive_outcome, false) as converted
    from marts.leads as leads
    left join marts.lead_outcomes as outcomes on leads.lead_id = outcomes.lead_id
    where leads.tier <> 'disqualified'
"""


def _outcomes(db: Reader, s: Section, ctx: Context) -> Section:
    import altair as alt

    tiers = {r["tier"]: r for r in db.rows(OUTCOME_TIERS_QUERY)}
    rows = [
        {
            "tier": tier,
            "entered": int(tiers[tier]["entered"]),
            "won": int(tiers[tier]["won"]),
            "share": tiers[tier]["won"] / tiers[tier]["entered"],
            "interval": _interval(int(tiers[tier]["won"]), int(tiers[tier]["entered"])),
        }
        for tier in TIERS
        if tier in tiers and tiers[tier]["entered"]
    ]
    s.tables.append("<h3>Won or converted per tier entered</h3>")
    s.tables.append(html_table(rows, ["tier", "entered", "won", "share", "interval"]))
    leads = db.rows(OUTCOME_SCORES_QUERY)
    if not leads:
        return s
    base = sum(r["converted"] for r in leads) / len(leads)
    deciles = []
    for decile in range(1, 11):
        part = [r for r in leads if r["decile"] == decile]
        if part:
            share = sum(r["converted"] for r in part) / len(part)
            deciles.append({
                "decile": decile, "leads": len(part),
                "points": f"{min(r['points'] for r in part):g}–{max(r['points'] for r in part):g}",
                "share": share, "lift": share / base if base else None,
            })  # fmt: skip
    s.charts.append(chart(
        alt.Chart(alt.Data(values=deciles)).mark_bar()
        .encode(
            x=alt.X("decile:O", title="decile of fit + engagement points (10: highest)",
                    axis=alt.Axis(labelAngle=0)),
            y=alt.Y("share:Q", title="share won or converted", axis=alt.Axis(format="%")),
            tooltip=["decile:O", "points:N", "leads:Q", alt.Tooltip("share:Q", format=".1%")],
        )
        + alt.Chart(alt.Data(values=[{"base": base}])).mark_rule(strokeDash=[4, 4])
        .encode(y="base:Q"),
        height=220,
    ))  # fmt: skip
    s.tables.append("<h3>Lift by decile of the points in use</h3>")
    s.tables.append(html_table(
        [{**d, "lift": f"{d['lift']:.2f}×" if d["lift"] is not None else "–"} for d in deciles],
        ["decile", "leads", "points", "share", "lift"],
    ))  # fmt: skip
    profiled = [r for r in leads if r["is_profiled"]]
    positives = sum(r["converted"] for r in leads)
    grid = sorted(
        {0, 10, 20, 30, 40, 50, 60, 80, *([ctx.mql_threshold] if ctx.mql_threshold else [])}
    )
    table = []
    for t in grid:
        mqls = [r for r in profiled if r["engagement_score"] >= t]
        hits = sum(r["converted"] for r in mqls)
        table.append({
            "MQL threshold": f"{t}{' (in use)' if t == ctx.mql_threshold else ''}",
            "profiled leads at or above": len(mqls),
            "precision": percent(hits / len(mqls)) if mqls else "–",
            "recall": percent(hits / positives) if positives else "–",
        })  # fmt: skip
    s.tables.append("<h3>Precision and recall by MQL threshold (profiled leads, score now)</h3>")
    s.tables.append(html_table(table))
    suggested = _suggested_points(ctx)
    if suggested:
        s.tables.append(
            "<h3>Points suggested by <code>leadflow calibrate</code> beside the ones in use</h3>"
        )
        s.tables.append(html_table(suggested, ["feature", "in use", "suggested"]))
    return s


def _feature(name: str) -> str:
    """A learned feature in words: ``criterion:occupation|value=Student`` is
    "occupation = Student", ``rule=demo request`` "event rule demo request"."""
    kind, _, rest = name.partition(":") if ":" in name else ("", "", name)
    if not kind:
        key, _, value = rest.partition("=")
        if key == "rule":
            return f"event rule {value}"
        if key in ("employees", "revenue"):
            return f"{key} band {int(value) + 1}"
        return f"{key} = {value}" if value else key
    rule, _, level = rest.partition("|")
    label = "attribute rule " if kind == "attribute_rule" else ""
    what, _, detail = level.partition("=")
    if what == "value":
        return f"{label}{rule} = {detail}"
    if what in ("band", "keywords"):
        return f"{label}{rule}: {'band' if what == 'band' else 'keywords'} {int(detail) + 1}"
    return f"{label}{rule}: {what}"


def _suggested_points(ctx: Context) -> Rows:
    """Per learned feature of the last `leadflow calibrate` (``<config>/suggested``): the
    points in use and the suggested ones (empty without a calibration)."""
    import json

    if ctx.suggested is None or not (ctx.suggested / "calibration.json").is_file():
        return []
    data = json.loads((ctx.suggested / "calibration.json").read_text(encoding="utf-8"))
    in_use = ctx.points_in_use or {}
    rows = [
        {"feature": _feature(name), "in use": in_use.get(name), "suggested": points}
        for name, points in data.get("points", {}).items()
    ]
    return sorted(rows, key=lambda r: -abs((r["suggested"] or 0) - (r["in use"] or 0)))[:40]


# Sections shown only when their table exists (written by another command than `run`).
OPTIONAL_TABLES = ("backtest.comparison", "ops.handoffs", "marts.lead_outcomes")

Builder = Callable[[Reader, Section, Context], Section]

# (builder, the tables it reads, title, explanation): a builder adds charts and tables
# to its section; a section whose tables are missing says so instead.
SECTIONS: list[tuple[Builder, tuple[str, ...], str, str]] = [
    (
        _funnel,
        ("marts.funnel_tier_entries",),
        "Funnel by tier",
        "How many distinct leads ever reached each stage, and the share of the previous stage.",
    ),
    (
        _conversion,
        ("marts.funnel_conversion",),
        "Conversion per step over monthly cohorts",
        "For leads that entered a stage in a month, the share that reached the next stage, "
        "with its 95 % interval. Recent cohorts that are not mature yet have their own marker.",
    ),
    (
        _durations,
        ("marts.funnel_stage_durations",),
        "Stage durations",
        "Days a lead stays in each stage before it moves on: median and 90th percentile over "
        "all time. MQL and SAL stays that timed out to nurture at the stall limit are counted "
        "apart: they are the stalls, not the norm.",
    ),
    (
        _bottlenecks,
        ("marts.funnel_bottlenecks",),
        "Bottlenecks",
        "Leads waiting in their stage longer than the stage's norm (the 90th percentile of "
        "the stays of leads that moved on), by stage and owner; in the marketing stages only "
        "leads still active count, since a lead that went quiet is cold, not stuck.",
    ),
    (
        _forecast,
        ("marts.funnel_forecast",),
        "Forecast",
        "Expected revenue from the open opportunities by expected close month and currency: "
        "amount × the stage's historical win probability, with its interval; below it the "
        "expected closes per stage.",
    ),
    (
        _sla,
        ("marts.funnel_sla_compliance",),
        "SLA compliance",
        "Per month, the share of new MQLs that sales contacted within the first-contact SLA, "
        "with its 95 % interval.",
    ),
    (
        _holds_back,
        ("marts.leads",),
        "What holds leads back",
        "Why leads have not become MQLs: engagement below the MQL threshold (by how much), "
        "missing firmographics (a lead can miss several), a fit below the ICP threshold, no "
        "consent, ICP exclusions.",
    ),
    (
        _mql_sources,
        ("marts.mql_leads",),
        "MQL sources",
        "Current-cycle MQLs by first-touch source, split by why they became MQLs.",
    ),
    (
        _outcomes,
        ("marts.lead_outcomes", "marts.funnel_tier_entries", "marts.leads"),
        "Outcomes: who wins",
        "What became of leads, as the CRM recorded it (won or converted; closed opportunities "
        "count): per tier entered; per decile of the points in use (fit + engagement), with "
        "the lift over the base rate (dashed line); precision and recall of candidate MQL "
        "thresholds; and, after `leadflow calibrate`, the suggested points beside the ones in "
        "use. Leads still open count as not won.",
    ),
    (
        _handoffs,
        ("ops.handoffs",),
        "Hand-offs to sales",
        "MQLs handed to sales by `leadflow handoff`, per channel, delivery status and owner.",
    ),
    (
        _gates,
        ("ops.gate_results",),
        "Last runs' gate results",
        "The latest 20 data-quality gate outcomes.",
    ),
    (
        _backtest,
        ("backtest.comparison", "backtest.mql_monthly", "backtest.tier_changes"),
        "Backtest: a candidate configuration against the one in use",
        "The last `leadflow backtest`: the tiering replayed over the same history with the "
        "candidate configuration, compared with the published marts; MQLs per month on both "
        "sides and how many leads would move from which tier to which.",
    ),
]


def build_sections(db: Reader, ctx: Context) -> list[Section]:
    """Every section; one whose table is missing says so ("not built yet"), except the
    optional ones (backtest, hand-offs), left out until their command has run."""
    sections = []
    for builder, needs, title, text in SECTIONS:
        missing = [t for t in needs if not db.has(t)]
        if missing and any(t in OPTIONAL_TABLES for t in needs):
            continue
        if missing:
            note = f"{', '.join(missing)} is not built yet: `leadflow run` builds it."
            sections.append(Section(title, "", note=note))
        else:
            sections.append(builder(db, Section(title, text), ctx))
    return sections

"""Backtest: replay the tiering over the warehouse's history with another configuration.

``leadflow backtest --config FILE`` builds every dbt model again from ``raw`` with a candidate
configuration into scratch schemas (``backtest_staging``, ``backtest_intermediate``,
``backtest_audit``, ...: dbt's ``schema_prefix`` variable, see
``dbt_project/macros/generate_schema_name.sql``), with its own dbt target folder so that the
manifest the publish step reads is not replaced. It then compares the replay with the
published ``marts`` (the configuration in use) and writes the comparison to schema
``backtest``:

- ``backtest.comparison``: one row per metric (MQLs, MQLs per month, MQL -> SAL -> SQL
  conversion, win rate, median days to MQL), current and candidate value;
- ``backtest.mql_monthly``: MQLs per month (first MQL per lead), current and candidate;
- ``backtest.tier_changes``: every lead whose current tier would change, with both tiers,
  fit scores and first MQL times.

When the warehouse knows outcomes (``marts.lead_outcomes``: won / converted, lost / not
converted, closed opportunities), both sides are also judged by them on the held-out period
(leads captured on or after ``since``: by default the split date of the candidate's
``calibration.json`` when it comes from ``leadflow calibrate``, else every lead): precision
(share of MQLs won or converted within ``horizon_days`` of becoming MQL), recall (share of
the leads won or converted within the horizon of capture that became MQL first), and lift
(precision over the base rate of all leads). A lead whose horizon has not ended by the latest
fact is left out, not counted as a miss.

``marts`` is only read. The warehouse lock is held while the replay writes.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from flows.calibrate import mapping_attributes
from flows.config import dbt_variables, load_icp, load_scoring
from flows.dbt import run_dbt
from flows.lock import warehouse_lock
from flows.settings import ConfigurationError, Warehouse, config_dir
from flows.warehouse import make_engine, table_exists

SCHEMA_PREFIX = "backtest"
REPLAY_SCHEMA = f"{SCHEMA_PREFIX}_audit"
RESULT_SCHEMA = "backtest"
CURRENT_SCHEMA = "marts"
CONFIG_FILES = ("icp.yml", "scoring.yml", "qualification.yml", "funnel.yml")
OPTIONAL_FILES = ("handoff.yml",)


@dataclass
class BacktestResult:
    """What a backtest found: the metrics of both sides and the leads whose tier changed."""

    candidate_config: str
    metrics: list[dict[str, Any]] = field(default_factory=list)
    monthly: list[dict[str, Any]] = field(default_factory=list)
    tier_changes: int = 0
    candidate_mql_threshold: int | None = None
    candidate_fit_threshold: int | None = None
    timings: dict[str, float] = field(default_factory=dict)
    since: str | None = None
    horizon_days: int | None = None

    def metric(self, name: str) -> dict[str, Any]:
        """The row of one metric (``mqls``, ``mql_to_sql``, ...)."""
        for row in self.metrics:
            if row["metric"] == name:
                return row
        raise KeyError(name)


def candidate_folder(candidate: Path, base: Path, into: Path) -> Path:
    """A complete configuration folder: ``base``'s files, replaced by the candidate's.

    ``candidate`` is a folder (its ``icp.yml``, ``scoring.yml``, ... replace the base's) or
    one file named like one of them. Returns ``into``.
    """
    if not candidate.exists():
        raise ConfigurationError(f"{candidate}: no such file or folder")
    into.mkdir(parents=True, exist_ok=True)
    for name in CONFIG_FILES:
        shutil.copyfile(base / name, into / name)
    for name in OPTIONAL_FILES:  # as in use: the candidate does not replace them
        if (base / name).is_file():
            shutil.copyfile(base / name, into / name)
    if candidate.is_dir():
        found = [name for name in CONFIG_FILES if (candidate / name).is_file()]
        if not found:
            raise ConfigurationError(
                f"{candidate}: holds none of the configuration files {', '.join(CONFIG_FILES)}"
            )
        for name in found:
            shutil.copyfile(candidate / name, into / name)
    elif candidate.name in CONFIG_FILES:
        shutil.copyfile(candidate, into / candidate.name)
    else:
        raise ConfigurationError(
            f"{candidate}: a backtest takes a configuration folder or one of "
            f"{', '.join(CONFIG_FILES)} (the file name says which one it replaces)"
        )
    return into


def replay(
    warehouse: Warehouse,
    variables: dict[str, Any],
    target_path: Path,
    select: tuple[str, ...] = (),
) -> None:
    """Build every model from ``raw`` into the ``backtest_*`` schemas with ``variables``.

    ``select``: rebuild only these models (after a full replay), e.g. ``THRESHOLD_MODELS``.
    """
    scratch = {**variables, "schema_prefix": SCHEMA_PREFIX}
    target = ["--target-path", str(target_path)]
    if select:
        run_dbt(["run", "--select", *select, *target], warehouse, scratch)
        return
    run_dbt(["seed", *target], warehouse, scratch)
    # a full rebuild: the scored events must follow the candidate's rules
    run_dbt(["run", "--full-refresh", *target], warehouse, scratch)


# The models the MQL threshold reaches (the daily scores do not depend on it).
THRESHOLD_MODELS = ("int_leads_engaged+", "int_lead_mql_signals+")
# The models the fit threshold reaches.
FIT_MODELS = ("int_leads_profiled+",)
FIT_STEP = 5
HAND_RAISE_ONLY = 10**9
"""An MQL threshold no score reaches: only hand-raisers become MQL."""


def mql_counts(conn: sa.Connection, thresholds: list[int]) -> dict[int, int]:
    """Leads the replay would make MQL (in any cycle) at each MQL threshold.

    A lead is an MQL in some cycle exactly when it is profiled, may be contacted, and raised
    its hand or scored at least the threshold on a day from its profiling on: what
    ``int_leads_engaged`` checks for the first cycle, and later cycles need a first.
    """
    prefix = f"{SCHEMA_PREFIX}_intermediate"
    rows = conn.execute(
        sa.text(f"""
        select
            engaged.hand_raise_mql_at is not null as hand_raised,
            max(scores.engagement_score) as best_score
        from {prefix}.int_leads_engaged as engaged
        left join {prefix}.int_lead_scores_daily as scores
            on
                engaged.lead_id = scores.lead_id
                and scores.score_date >= cast(engaged.profiled_at as date)
        where engaged.tier = 'profiled' and engaged.can_contact
        group by engaged.lead_id, engaged.hand_raise_mql_at
        """)
    ).all()
    return {
        t: sum(1 for hand, best in rows if hand or (best is not None and best >= t))
        for t in thresholds
    }


def matching_threshold(conn: sa.Connection, target: int, start: int) -> int:
    """The MQL threshold whose MQL count in the replay is closest to ``target`` (ties: the
    higher threshold)."""
    best_scores = conn.execute(
        sa.text(
            f"select distinct engagement_score from {SCHEMA_PREFIX}_intermediate."
            "int_lead_scores_daily where engagement_score >= 1"
        )
    ).scalars()
    candidates = sorted({int(v) for v in best_scores} | {start})
    counts = mql_counts(conn, candidates)
    return min(candidates, key=lambda t: (abs(counts[t] - target), -t))


def matching_thresholds(
    engine: sa.Engine,
    warehouse: Warehouse,
    variables: dict[str, Any],
    target_path: Path,
    target: int,
) -> tuple[int, int]:
    """The candidate's (fit threshold, MQL threshold) that give the replay ``target`` MQLs.

    The MQL threshold moves a volume only between the profiled hand-raisers (the fewest MQLs)
    and every profiled lead with a positive score (the most). When ``target`` lies outside
    that range, the fit threshold moves by ``FIT_STEP`` (rebuilding what it reaches) until it
    lies inside or the fit threshold cannot move further; then the MQL threshold is matched.
    Leaves ``variables`` and the replay at the chosen fit threshold.
    """
    fit = int(variables["icp"]["fit_threshold"])

    def reach() -> tuple[int, int]:
        with engine.connect() as conn:
            counts = mql_counts(conn, [1, HAND_RAISE_ONLY])
        return counts[HAND_RAISE_ONLY], counts[1]

    fewest, most = reach()
    step = -FIT_STEP if most < target else FIT_STEP if fewest > target else 0
    while step and 0 <= fit + step <= 100:
        fit += step
        variables["icp"]["fit_threshold"] = fit
        replay(warehouse, variables, target_path, select=FIT_MODELS)
        fewest, most = reach()
        if (step < 0 and most >= target) or (step > 0 and fewest <= target):
            break
    with engine.connect() as conn:
        threshold = matching_threshold(conn, target, int(variables["scoring"]["mql_threshold"]))
    return fit, threshold


def _lead_facts(schema: str) -> str:
    """Per lead: current tier, fit score, capture time and first entry into each tier."""
    return f"""
        select
            leads.lead_id, leads.email, leads.company_name, leads.tier, leads.fit_score,
            leads.name_at, entries.mql_at, entries.sal_at, entries.sql_at, entries.won_at
        from {schema}.leads as leads
        left join (
            select
                lead_id,
                min(case when tier = 'mql' then entered_at end) as mql_at,
                min(case when tier = 'sal' then entered_at end) as sal_at,
                min(case when tier = 'sql' then entered_at end) as sql_at,
                min(case when tier = 'won' then entered_at end) as won_at
            from {schema}.funnel_tier_entries
            group by lead_id
        ) as entries
            on leads.lead_id = entries.lead_id
    """


def side_metrics(conn: sa.Connection, schema: str) -> dict[str, float | None]:
    """The compared metrics of one side (``marts`` or the replay's ``backtest_audit``)."""
    import pandas as pd

    leads = pd.DataFrame(conn.execute(sa.text(_lead_facts(schema))).mappings().all())
    opps = conn.execute(
        sa.text(
            "select sum(case when is_won then 1 else 0 end), "
            f"sum(case when is_closed then 1 else 0 end) from {schema}.sql_opportunities"
        )
    ).one()
    mql = leads[leads["mql_at"].notna()]
    months = _months(leads["name_at"])
    days_to_mql = (
        (pd.to_datetime(mql["mql_at"], utc=True) - pd.to_datetime(mql["name_at"], utc=True))
        .dt.total_seconds()
        .div(86_400)
    )

    def share(part: int, whole: int) -> float | None:
        return part / whole if whole else None

    n_mql = len(mql)
    n_sal = int(mql["sal_at"].notna().sum())
    n_sql = int(mql["sql_at"].notna().sum())
    won, closed = (int(v or 0) for v in opps)
    return {
        "leads": len(leads),
        "mqls": n_mql,
        "mqls_per_month": n_mql / months if months else None,
        "sals": n_sal,
        "sqls": n_sql,
        "won": int(mql["won_at"].notna().sum()),
        "mql_to_sal": share(n_sal, n_mql),
        "sal_to_sql": share(n_sql, n_sal),
        "mql_to_sql": share(n_sql, n_mql),
        "win_rate": share(won, closed),
        "median_days_to_mql": float(days_to_mql.median()) if n_mql else None,
    }


OUTCOME_LABELS = {
    "outcome_leads": "held-out leads whose outcome is known by the horizon",
    "outcome_base_rate": "base rate: share of them won or converted",
    "outcome_mqls": "of them, MQLs",
    "outcome_precision": "MQL precision: won or converted within the horizon",
    "outcome_recall": "recall: wins and conversions that were MQL first",
    "outcome_lift": "lift: precision over the base rate",
}


def has_outcomes(conn: sa.Connection) -> bool:
    """Whether the published marts hold any outcome (an outcomes export or a closed deal)."""
    if not sa.inspect(conn).has_table("lead_outcomes", schema=CURRENT_SCHEMA):
        return False
    return bool(
        conn.execute(sa.text(f"select count(*) from {CURRENT_SCHEMA}.lead_outcomes")).scalar()
    )


def outcome_metrics(
    conn: sa.Connection, schema: str, since: str | None, horizon_days: int
) -> dict[str, float | None]:
    """Precision, recall and lift of one side's MQLs judged by outcomes (held-out period)."""
    import pandas as pd

    leads = pd.DataFrame(conn.execute(sa.text(_lead_facts(schema))).mappings().all())
    outcomes = pd.DataFrame(
        conn.execute(
            sa.text(
                f"select lead_id, first_positive_at, decided_at from {CURRENT_SCHEMA}.lead_outcomes"
            )
        )
        .mappings()
        .all(),
        columns=["lead_id", "first_positive_at", "decided_at"],
    )
    end = max(
        pd.to_datetime(leads["name_at"], utc=True).max(),
        pd.to_datetime(outcomes["decided_at"], utc=True).max(),
    )
    frame = leads.merge(outcomes, on="lead_id", how="left")
    for column in ("name_at", "mql_at", "first_positive_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    if since is not None:
        frame = frame[frame["name_at"] >= pd.Timestamp(since, tz=UTC)]
    horizon = pd.Timedelta(days=horizon_days)
    # known by the horizon: the horizon after capture ended by the latest fact, or the
    # lead was won / converted already
    known = (frame["name_at"] + horizon <= end) | frame["first_positive_at"].notna()
    frame = frame[known]
    won = frame["first_positive_at"].notna() & (
        frame["first_positive_at"] < frame["name_at"] + horizon
    )
    mql = frame["mql_at"].notna()
    hit = (
        mql
        & frame["first_positive_at"].notna()
        & (frame["first_positive_at"] >= frame["mql_at"])
        & (frame["first_positive_at"] < frame["mql_at"] + horizon)
    )
    n, n_mql, n_won = len(frame), int(mql.sum()), int(won.sum())
    base = n_won / n if n else None
    precision = int(hit.sum()) / n_mql if n_mql else None
    recall = int((hit & won).sum()) / n_won if n_won else None
    return {
        "outcome_leads": n,
        "outcome_base_rate": base,
        "outcome_mqls": n_mql,
        "outcome_precision": precision,
        "outcome_recall": recall,
        "outcome_lift": precision / base if precision is not None and base else None,
    }


def calibration_split(candidate: Path) -> str | None:
    """The split date of a suggestion written by ``leadflow calibrate`` (its
    ``calibration.json`` beside the files), else None."""
    import json

    report = (candidate if candidate.is_dir() else candidate.parent) / "calibration.json"
    if not report.is_file():
        return None
    try:
        return str(json.loads(report.read_text(encoding="utf-8"))["evaluation"]["split_at"])[:10]
    except (ValueError, KeyError, TypeError):
        return None


def _months(captured: Any) -> int:
    """Calendar months spanned by the capture times (at least 1 when there are leads)."""
    import pandas as pd

    times = pd.to_datetime(captured, utc=True).dropna()
    if times.empty:
        return 0
    first, last = times.min(), times.max()
    return (last.year - first.year) * 12 + last.month - first.month + 1


METRIC_LABELS = {
    "leads": "leads",
    "mqls": "leads that became MQL",
    "mqls_per_month": "MQLs per month (over the months of captured leads)",
    "sals": "MQLs that became SAL",
    "sqls": "MQLs that became SQL",
    "won": "MQLs that won an opportunity",
    "mql_to_sal": "MQL -> SAL conversion",
    "sal_to_sql": "SAL -> SQL conversion",
    "mql_to_sql": "MQL -> SQL conversion (MQL precision)",
    "win_rate": "win rate (won / closed SQL opportunities)",
    "median_days_to_mql": "median days from capture to MQL",
}


def monthly_mqls(conn: sa.Connection, schema: str) -> dict[str, int]:
    """First MQLs per month (``YYYY-MM``) of one side."""
    rows = conn.execute(
        sa.text(
            f"select cohort_month, count(*) from {schema}.funnel_tier_entries "
            "where tier = 'mql' group by cohort_month"
        )
    ).all()
    return {str(month)[:7]: int(n) for month, n in rows}


def _write_tables(conn: sa.Connection, result: BacktestResult, run_at: datetime) -> None:
    """(Re)create the ``backtest`` tables from ``result`` and the two ``leads`` tables."""
    conn.execute(sa.text(f"create schema if not exists {RESULT_SCHEMA}"))
    for table in ("comparison", "mql_monthly", "tier_changes"):
        conn.execute(sa.text(f"drop table if exists {RESULT_SCHEMA}.{table}"))
    conn.execute(
        sa.text(
            f"create table {RESULT_SCHEMA}.comparison (metric varchar, description varchar, "
            "current_value double precision, candidate_value double precision, "
            "difference double precision, candidate_config varchar, backtested_at timestamp)"
        )
    )
    conn.execute(
        sa.text(
            f"insert into {RESULT_SCHEMA}.comparison values "
            "(:metric, :description, :current_value, :candidate_value, :difference, "
            ":candidate_config, :backtested_at)"
        ),
        [
            {**row, "candidate_config": result.candidate_config, "backtested_at": run_at}
            for row in result.metrics
        ],
    )
    conn.execute(
        sa.text(
            f"create table {RESULT_SCHEMA}.mql_monthly (month varchar, current_mqls integer, "
            "candidate_mqls integer)"
        )
    )
    if result.monthly:
        conn.execute(
            sa.text(
                f"insert into {RESULT_SCHEMA}.mql_monthly values "
                "(:month, :current_mqls, :candidate_mqls)"
            ),
            result.monthly,
        )
    conn.execute(
        sa.text(f"""
        create table {RESULT_SCHEMA}.tier_changes as
        select
            coalesce(cur.lead_id, cand.lead_id) as lead_id,
            coalesce(cur.email, cand.email) as email,
            coalesce(cur.company_name, cand.company_name) as company_name,
            cur.tier as current_tier,
            cand.tier as candidate_tier,
            cur.fit_score as current_fit_score,
            cand.fit_score as candidate_fit_score,
            cur.engagement_score as current_engagement_score,
            cand.engagement_score as candidate_engagement_score,
            cur.mql_at as current_mql_at,
            cand.mql_at as candidate_mql_at
        from {CURRENT_SCHEMA}.leads as cur
        full outer join {REPLAY_SCHEMA}.leads as cand
            on cur.lead_id = cand.lead_id
        where cur.tier is distinct from cand.tier
        """)
    )
    result.tier_changes = int(
        conn.execute(sa.text(f"select count(*) from {RESULT_SCHEMA}.tier_changes")).scalar_one()
    )


THRESHOLD_LABELS = {
    "fit_threshold": "fit threshold (ICP fit score)",
    "mql_threshold": "MQL threshold (engagement score)",
}


def _compared(
    labels: dict[str, str], current: dict[str, Any], candidate: dict[str, Any]
) -> list[dict[str, Any]]:
    """Rows of ``backtest.comparison``: each metric's value in use, the candidate's and the
    difference."""
    rows = []
    for name, label in labels.items():
        a, b = current[name], candidate[name]
        difference = None if a is None or b is None else b - a
        rows.append({"metric": name, "description": label, "current_value": a,
                     "candidate_value": b, "difference": difference})  # fmt: skip
    return rows


def compare(
    engine: sa.Engine,
    candidate_config: str,
    thresholds: dict[str, tuple[int, int]],
    since: str | None = None,
    horizon_days: int = 60,
    mappings: str | Path | None = None,
) -> BacktestResult:
    """Compare the replay (``backtest_audit``) with ``marts``; write the ``backtest`` tables.

    ``thresholds``: per ``THRESHOLD_LABELS`` name, the value in use and the candidate's (as
    replayed).
    """
    result = BacktestResult(candidate_config=candidate_config, since=since)
    result.candidate_fit_threshold = thresholds["fit_threshold"][1]
    result.candidate_mql_threshold = thresholds["mql_threshold"][1]
    for name, label in THRESHOLD_LABELS.items():
        in_use, candidate = thresholds[name]
        result.metrics.append(
            {
                "metric": name,
                "description": label,
                "current_value": in_use,
                "candidate_value": candidate,
                "difference": candidate - in_use,
            }
        )
    with engine.begin() as conn:
        current = side_metrics(conn, CURRENT_SCHEMA)
        candidate = side_metrics(conn, REPLAY_SCHEMA)
        result.metrics += _compared(METRIC_LABELS, current, candidate)
        if has_outcomes(conn):
            result.horizon_days = horizon_days
            current = outcome_metrics(conn, CURRENT_SCHEMA, since, horizon_days)
            candidate = outcome_metrics(conn, REPLAY_SCHEMA, since, horizon_days)
            result.metrics += _compared(OUTCOME_LABELS, current, candidate)
        cur_months = monthly_mqls(conn, CURRENT_SCHEMA)
        cand_months = monthly_mqls(conn, REPLAY_SCHEMA)
        result.monthly = [
            {
                "month": month,
                "current_mqls": cur_months.get(month, 0),
                "candidate_mqls": cand_months.get(month, 0),
            }
            for month in sorted(set(cur_months) | set(cand_months))
        ]
        _write_tables(conn, result, datetime.now(UTC).replace(tzinfo=None))
    return result


def backtest(
    candidate: str | Path,
    warehouse_url: str | None = None,
    config: str | Path | None = None,
    lock_timeout: float = 0,
    match_volume: bool = False,
    since: str | None = None,
    horizon_days: int = 60,
    mappings: str | Path | None = None,
) -> BacktestResult:
    """Replay the tiering with ``candidate`` and compare it with the published ``marts``.

    Steps: 1. merge the candidate's files over the configuration in use (``config``) and
    validate them; 2. take the warehouse lock; 3. dbt seed + run (full refresh) into the
    ``backtest_*`` schemas, with a dbt target folder of its own; 3b. with ``match_volume``,
    choose the candidate's thresholds that give as many MQLs as ``marts``
    (``matching_thresholds``: the MQL threshold, and the fit threshold when the MQL threshold
    alone cannot reach that volume) and rebuild the models they reach; 4. compare with
    ``marts`` and write ``backtest.comparison``, ``backtest.mql_monthly``,
    ``backtest.tier_changes``; with outcomes, also by outcome on the held-out period from
    ``since`` (default: the candidate's calibration split, else every lead).
    """
    if since is None:
        since = calibration_split(Path(candidate))
    elif not _is_date(since):
        raise ConfigurationError(f"backtest: --since {since!r} is not an ISO date (YYYY-MM-DD)")
    warehouse = Warehouse.from_env(warehouse_url)
    base = config_dir(config)
    engine = make_engine(warehouse)
    for table in ("leads", "funnel_tier_entries", "sql_opportunities"):
        if not table_exists(engine, CURRENT_SCHEMA, table):
            raise ConfigurationError(
                f"{CURRENT_SCHEMA}.{table} does not exist in {warehouse.display_url}: "
                "run `leadflow run` first (the backtest compares with the published marts)"
            )
    timings: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="leadflow-backtest-") as scratch:
        folder = candidate_folder(Path(candidate), base, Path(scratch) / "config")
        attributes = mapping_attributes(mappings)
        variables = dbt_variables(folder, attributes)
        with warehouse_lock(warehouse, timeout=lock_timeout):
            started = time.perf_counter()
            replay(warehouse, variables, Path(scratch) / "target")
            timings["replay"] = time.perf_counter() - started
            threshold = variables["scoring"]["mql_threshold"]
            if match_volume:
                started = time.perf_counter()
                with engine.connect() as conn:
                    current_mqls = int(side_metrics(conn, CURRENT_SCHEMA)["mqls"] or 0)
                target_path = Path(scratch) / "target"
                _, threshold = matching_thresholds(
                    engine, warehouse, variables, target_path, current_mqls
                )
                if threshold != variables["scoring"]["mql_threshold"]:
                    variables["scoring"]["mql_threshold"] = threshold
                    replay(warehouse, variables, target_path, select=THRESHOLD_MODELS)
                timings["match_volume"] = time.perf_counter() - started
            started = time.perf_counter()
            thresholds = {
                "fit_threshold": (
                    load_icp(base, attributes).fit_threshold,
                    variables["icp"]["fit_threshold"],
                ),
                "mql_threshold": (load_scoring(base, attributes).mql_threshold, threshold),
            }
            result = compare(
                engine, str(Path(candidate).resolve()), thresholds, since, horizon_days
            )
            timings["compare"] = time.perf_counter() - started
    result.timings = timings
    return result


def _is_date(text: str) -> bool:
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def format_result(result: BacktestResult) -> str:
    """The comparison as plain text for the command line."""

    def fmt(name: str, value: float | None) -> str:
        if value is None:
            return "-"
        if name in (
            "mql_to_sal",
            "sal_to_sql",
            "mql_to_sql",
            "win_rate",
            "outcome_base_rate",
            "outcome_precision",
            "outcome_recall",
        ):
            return f"{100 * value:.1f} %"
        if name == "outcome_lift":
            return f"{value:.2f}x"
        if isinstance(value, float) and not value.is_integer():
            return f"{value:,.1f}"
        return f"{int(value):,}"

    lines = [
        f"backtest of {result.candidate_config} "
        f"(candidate fit threshold {result.candidate_fit_threshold}, "
        f"MQL threshold {result.candidate_mql_threshold})",
        "",
    ]
    lines.append(f"  {'metric':<52}{'current':>12}{'candidate':>12}")
    for row in result.metrics:
        lines.append(
            f"  {row['description']:<52}{fmt(row['metric'], row['current_value']):>12}"
            f"{fmt(row['metric'], row['candidate_value']):>12}"
        )
    if result.horizon_days is not None:
        period = f"leads captured from {result.since}" if result.since else "every lead"
        lines += [
            "",
            f"  judged by outcomes: {period}, won or converted within {result.horizon_days} days",
        ]
    lines += [
        "",
        f"  leads whose tier would change: {result.tier_changes:,} (backtest.tier_changes)",
        "  written: backtest.comparison, backtest.mql_monthly, backtest.tier_changes",
    ]
    return "\n".join(lines)

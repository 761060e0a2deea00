"""Measure whether a calibration beats the configuration in use on data with a known answer.

Generates N leads with an outbound team that calls every lead (``--follow-up``, default 1: every
lead's sales outcome is known, so precision is not biased by whom sales chose to call), runs
the pipeline with the configuration in use, calibrates from the outcomes, and backtests the
suggestion at the MQL volume in use (``--match-mql-volume``). It also replays an oracle, the
generator's hidden propensity, at the same volume: the most any configuration could reach.
Prints and writes the numbers (``bench/results/calibration_<leads>.json``); a measurement,
not a test: it exits 0 whatever the numbers say.

    .venv/bin/python bench/calibration_proof.py --leads 20000
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

BENCH_DIR = Path(__file__).resolve().parent
LEADFLOW = Path(sys.executable).with_name("leadflow")


def leadflow(*args: str) -> str:
    """Run the CLI as a user does; its standard output."""
    done = subprocess.run(
        [str(LEADFLOW), *args], capture_output=True, text=True, check=False, cwd=BENCH_DIR.parent
    )
    if done.returncode != 0:
        raise SystemExit(f"leadflow {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def oracle(path: Path, truth: Path) -> dict[str, float]:
    """Among leads that may become MQL (profiled or further, not disqualified), the share
    with a qualifying opportunity and the mean hidden propensity: all of them, the MQLs in
    use, the backtest's MQLs, and as many leads ranked by the hidden propensity as there are
    MQLs in use (the ceiling)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        row = con.execute(f"""
            with opps as (
                select lead_id, 1 as has_opportunity
                from intermediate.int_opportunities_attributed
                where lead_id is not null and is_qualifying
                group by lead_id
            ),
            candidate as (
                select lead_id from backtest_audit.leads where mql_at is not null
            ),
            leads as (
                select l.lead_id, l.mql_at is not null as is_mql,
                       l.lead_id in (select lead_id from candidate) as is_candidate_mql,
                       t.propensity, coalesce(o.has_opportunity, 0) as y
                from marts.leads as l
                inner join '{truth}' as t on lower(l.email) = lower(t.email)
                left join opps as o on l.lead_id = o.lead_id
                where l.disqualification_reason is null and l.fit_score is not null
            ),
            ranked as (
                select *, row_number() over (order by propensity desc) as rank from leads
            )
            select avg(y), avg(y) filter (where is_mql), count(*) filter (where is_mql),
                   avg(y) filter (where rank <= (select count(*) from leads where is_mql)),
                   avg(y) filter (where is_candidate_mql),
                   avg(propensity) filter (where is_mql),
                   avg(propensity) filter (where is_candidate_mql),
                   avg(propensity) filter (
                       where rank <= (select count(*) from leads where is_mql))
            from ranked
        """).fetchone()
    finally:
        con.close()
    return {
        "opportunity_rate_all": row[0],
        "opportunity_rate_mql_in_use": row[1],
        "mqls_in_use": row[2],
        "opportunity_rate_top_propensity": row[3],
        "opportunity_rate_mql_calibrated": row[4],
        "mean_propensity_mql_in_use": row[5],
        "mean_propensity_mql_calibrated": row[6],
        "mean_propensity_top_propensity": row[7],
    }


def comparison(path: Path) -> dict[str, dict[str, float | None]]:
    """backtest.comparison as {metric: {current, candidate}}."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        rows = con.execute(
            "select metric, current_value, candidate_value from backtest.comparison"
        ).fetchall()
    finally:
        con.close()
    return {metric: {"current": cur, "candidate": cand} for metric, cur, cand in rows}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--leads", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--follow-up", type=float, default=1.0)
    parser.add_argument("--work-dir", help="folder to keep (default: a temporary one)")
    args = parser.parse_args()
    work = Path(args.work_dir or tempfile.mkdtemp(prefix="leadflow-calibration-"))
    work.mkdir(parents=True, exist_ok=True)
    landing, path = work / "landing", work / "leadflow.duckdb"
    url = f"duckdb:///{path}"
    seconds: dict[str, float] = {}

    def step(name: str, *cli: str) -> str:
        started = time.monotonic()
        out = leadflow(*cli)
        seconds[name] = round(time.monotonic() - started, 1)
        return out

    step("generate", "generate", "--leads", str(args.leads), "--seed", str(args.seed),
         "--follow-up", str(args.follow_up), "--out", str(landing))  # fmt: skip
    step("run", "run", "--sources", str(landing), "--warehouse-url", url, "--quiet")
    suggested = work / "suggested"
    step("calibrate", "calibrate", "--warehouse-url", url, "--out", str(suggested))
    step("backtest", "backtest", "--config", str(suggested), "--warehouse-url", url,
         "--match-mql-volume", "--quiet")  # fmt: skip
    calibration = json.loads((suggested / "calibration.json").read_text(encoding="utf-8"))
    ev = calibration["evaluation"]
    result = {
        "leads": args.leads,
        "seed": args.seed,
        "follow_up": args.follow_up,
        "seconds": seconds,
        "calibration": {
            key: ev.get(key)
            for key in (
                "training_outcomes",
                "evaluation_outcomes",
                "auc_model",
                "auc_calibrated_points",
                "auc_points_in_use",
                "mql_in_use",
                "mql_suggested",
            )
        },  # fmt: skip
        "backtest": comparison(path),
        "oracle": oracle(path, landing / "_truth" / "people.parquet"),
    }
    out = BENCH_DIR / "results" / f"calibration_{args.leads}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, default=str), encoding="utf-8")
    print(json.dumps(result, indent=2, default=str))
    print(f"written: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

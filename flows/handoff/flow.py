"""The ``handoff`` flow: ``leadflow handoff`` as a Prefect flow, for the scheduled
``handoff-to-sales`` deployment of ``prefect.yaml``.

Steps:
1. hand off every MQL cycle not handed off yet (:func:`flows.handoff.run.hand_off`: the
   outbox ``ops.handoffs`` first, then the webhook or the CRM import file), under the
   warehouse's run lock;
2. publish the counts as a Prefect artifact (no personal data);
3. fail the run when dead letters remain, so that the schedule shows it; the next run
   retries them.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact

from flows.handoff.run import HandoffSummary, hand_off


class DeadLetters(RuntimeError):
    """The hand-off ended with leads the receiver never accepted."""


def handoff_markdown(summary: HandoffSummary) -> str:
    """The run's counts for the Prefect artifact."""
    where = summary.file or summary.destination
    return (
        f"# hand-off to sales via {summary.channel}\n\n"
        f"Destination: `{where}`.\n\n"
        "| MQL cycles | handed off now | before | dead letters | requests | attempts |\n"
        "|---:|---:|---:|---:|---:|---:|\n"
        f"| {summary.mqls:,} | {summary.handed_off:,} | {summary.already_handed_off:,} | "
        f"{summary.dead:,} | {summary.requests:,} | {summary.attempts:,} |\n"
    )


@flow(name="handoff", log_prints=True)
def handoff(
    warehouse_url: str | None = None,
    config: str | None = None,
    webhook_url: str | None = None,
    crm: str | None = None,
    out: str | None = None,
    since: str | None = None,
    lock_timeout: float = 0,
    mappings: str | None = None,
) -> dict[str, Any]:
    """Hand the MQL cycles not handed off yet to sales, once; the channel and the routing
    come from ``config/handoff.yml`` unless ``webhook_url`` or ``crm`` is given (as for
    ``leadflow handoff``). Returns the run's summary."""
    summary = hand_off(
        warehouse_url=warehouse_url,
        config=config,
        webhook_url=webhook_url,
        crm=crm,
        out=out,
        since=since,
        lock_timeout=lock_timeout,
        mappings=mappings,
    )
    create_markdown_artifact(
        key="handoff", markdown=handoff_markdown(summary), description="hand-off to sales"
    )
    get_run_logger().info(
        "hand-off via %s: %d MQL cycles, %d handed off now, %d before, %d dead letters",
        summary.channel, summary.mqls, summary.handed_off, summary.already_handed_off,
        summary.dead,
    )  # fmt: skip
    if summary.dead:
        raise DeadLetters(
            f"{summary.dead} leads were not accepted by {summary.destination} (see "
            "ops.handoffs); the next hand-off retries them"
        )
    return asdict(summary)

"""Export family: a lead-management CRM of a consumer business (the kind online schools and
other B2C sellers use). Three exports:

- ``crm/leads_export.csv``: one row per lead record, with the lead's properties as the CRM
  keeps them (occupation, course interest, lead origin and source, visits and time on the
  website, ...). "Created On" is the account's wall-clock time (Europe/London).
- ``activities/activities_<YYYY-MM>.csv``: the activity log by month, one row per activity
  (page visits, e-mails, SMS, calls, chats, WhatsApp messages, bookings). UTC.
- ``outcomes/lead_outcomes.csv``: each decided lead's outcome (Won / Lost, a Converted flag)
  with its decision date and, when won, the fee paid.

Every value is text and quoted; blanks are empty. The business module builds the columns
(``LeadColumns``, ``ActivityColumns``); this module formats and writes them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from flows.generate.common import Market, TableOut, _fmt, _hex_ids

LEADS_HEADER = [
    "Prospect ID", "Lead Number", "Created On", "First Name", "Last Name", "Email", "Phone",
    "City", "Country", "Lead Origin", "Lead Source", "Do Not Email", "Do Not Call",
    "TotalVisits", "Total Time Spent on Website", "Page Views Per Visit",
    "What is your current occupation", "Specialization", "Company", "Job Title", "Industry",
    "Company Size", "How did you hear about us", "Preferred Start Date",
]  # fmt: skip
ACTIVITY_HEADER = [
    "Activity ID", "Prospect ID", "Lead Email", "Activity Type", "Activity Date", "Page URL",
    "Duration (sec)", "Campaign",
]  # fmt: skip
OUTCOMES_HEADER = [
    "Prospect ID", "Lead Number", "Email", "Status", "Converted", "Decision Date", "Amount",
    "Currency",
]  # fmt: skip
LOCAL_TZ = "Europe/London"


@dataclass
class ActivityColumns:
    """Activity rows as parallel arrays: who (index into the chunk's leads), what (index into
    the business's activity labels), when (UTC seconds), and the optional details."""

    lead: np.ndarray
    kind: np.ndarray
    ts: np.ndarray
    url: np.ndarray  # object array of str or None
    seconds: np.ndarray  # -1: none
    campaign: np.ndarray  # object array of str or None


def _text(values: np.ndarray | list) -> pa.Array:
    """Text column: None stays blank."""
    return pa.array(list(values) if isinstance(values, np.ndarray) else values, pa.string())


def _local_minutes(ts: np.ndarray) -> pa.Array:
    """UTC seconds as the CRM shows them: day/month/year hours:minutes, London time."""
    local = pd.to_datetime(ts, unit="s", utc=True).tz_convert(LOCAL_TZ)
    return pa.array(local.strftime("%d/%m/%Y %H:%M"), pa.string())


class LeadCrmExports(Market):
    """The CRM's lead, activity and outcome exports."""

    leads_out: TableOut
    activities_out: list[TableOut]
    outcomes_out: TableOut

    def _open_lead_crm(self) -> None:
        out = self.out
        self.leads_out = out.table_csv("crm/leads_export.csv", LEADS_HEADER)
        self.activities_out = [
            out.table_csv(f"activities/activities_{_fmt(int(ms), '%Y-%m')}.csv", ACTIVITY_HEADER)
            for ms in self.period.month_starts[:-1]
        ]
        self.outcomes_out = out.table_csv("outcomes/lead_outcomes.csv", OUTCOMES_HEADER)

    def _write_leads(self, columns: dict[str, list | np.ndarray], created: np.ndarray) -> None:
        """One chunk's lead rows in creation order; ``columns`` maps each header but
        "Created On" to its values (str or None)."""
        order = np.argsort(created, kind="stable")
        data = {"Created On": _local_minutes(created[order])}
        for name in LEADS_HEADER:
            if name != "Created On":
                data[name] = _text(np.asarray(columns[name], dtype=object)[order])
        self.leads_out.write(pa.table([data[h] for h in LEADS_HEADER], names=LEADS_HEADER))

    def _write_activities(
        self,
        rng: np.random.Generator,
        a: ActivityColumns,
        labels: list[str],
        prospect: np.ndarray,
        email: np.ndarray,
    ) -> None:
        """One chunk's activities, month by month in time order."""
        per = self.period
        month = np.searchsorted(per.month_starts, a.ts, side="right") - 1
        ids = _hex_ids(rng.integers(0, 2**64, len(a.ts), dtype=np.uint64), "act-")
        labels_arr = pa.array(labels, pa.string())
        for mo in range(len(per.month_starts) - 1):
            idx = np.flatnonzero(month == mo)
            if not len(idx):
                continue
            idx = idx[np.argsort(a.ts[idx], kind="stable")]
            take = pa.array(idx)
            seconds = a.seconds[idx]
            stamp = pc.strftime(pa.array(a.ts[idx], pa.timestamp("s")), format="%Y-%m-%d %H:%M:%S")
            table = pa.table(
                [
                    ids.take(take),
                    _text(prospect[a.lead[idx]]),
                    _text(email[a.lead[idx]]),
                    labels_arr.take(pa.array(a.kind[idx])),
                    stamp,
                    _text(a.url[idx]),
                    pa.array(seconds, pa.int64(), mask=seconds < 0).cast(pa.string()),
                    _text(a.campaign[idx]),
                ],
                names=ACTIVITY_HEADER,
            )
            self.activities_out[mo].write(table)

    def _write_outcomes(self, columns: dict[str, list | np.ndarray], decided: np.ndarray) -> None:
        """Decided leads' outcomes in decision order; ``columns`` maps each header but
        "Decision Date"."""
        order = np.argsort(decided, kind="stable")
        day = pc.strftime(pa.array(decided[order], pa.timestamp("s")), format="%Y-%m-%d")
        data = {"Decision Date": day}
        for name in OUTCOMES_HEADER:
            if name != "Decision Date":
                data[name] = _text(np.asarray(columns[name], dtype=object)[order])
        self.outcomes_out.write(pa.table([data[h] for h in OUTCOMES_HEADER], names=OUTCOMES_HEADER))

"""CRM import files: one CSV per hand-off run, headed with the field labels each CRM's
import tool maps by default, so the file imports without mapping by hand.

- HubSpot (contact import): contact property labels; "Contact owner" takes the owner's name
  or e-mail; "Lifecycle Stage" is Marketing Qualified Lead. HubSpot has no default property
  for the reason: "MQL Reason" is offered as a new property at import.
- Salesforce (Data Import Wizard, leads): the wizard's lead labels ("Record Owner",
  "No. of Employees", "Lead Status" Open - Not Contacted); the reason goes to Description.
- Zoho CRM (lead import): the Leads module's labels ("Lead Owner", "No. of Employees",
  "Lead Status" Not Contacted); the reason goes to Description.

Each CRM matches an imported lead to an existing one by e-mail when asked to, so a file
written again after an interrupted run updates the leads instead of duplicating them.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flows.export import write_csv

Row = dict[str, Any]


def _reason(row: Row) -> str:
    """The qualification reason as one line: why MQL, then how the lead fits."""
    parts = [row.get("tier_reason"), row.get("fit_reason")]
    return "; ".join(p for p in parts if p)


def _text(key: str) -> Callable[[Row], Any]:
    return lambda row: row.get(key)


def _whole(key: str) -> Callable[[Row], Any]:
    return lambda row: None if row.get(key) is None else int(row[key])


def _constant(value: str) -> Callable[[Row], Any]:
    return lambda row: value


Columns = list[tuple[str, Callable[[Row], Any]]]


def _lead_import(owner: str, source: str, status: str) -> Columns:
    """The lead import labels Salesforce's wizard and Zoho CRM share, with the owner column,
    lead source and status each names its own way; the reason goes to Description."""
    return [
        ("Email", _text("email")),
        ("First Name", _text("first_name")),
        ("Last Name", _text("last_name")),
        ("Company", _text("company_name")),
        ("Title", _text("job_title")),
        ("Country", _text("country_code")),
        ("Industry", _text("industry")),
        ("No. of Employees", _whole("employees")),
        ("Annual Revenue", _whole("annual_revenue_usd")),
        (owner, _text("owner")),
        ("Lead Source", _constant(source)),
        ("Lead Status", _constant(status)),
        ("Description", _reason),
    ]


COLUMNS: dict[str, Columns] = {
    "hubspot": [
        ("Email", _text("email")),
        ("First Name", _text("first_name")),
        ("Last Name", _text("last_name")),
        ("Company Name", _text("company_name")),
        ("Job Title", _text("job_title")),
        ("Country/Region", _text("country_code")),
        ("Industry", _text("industry")),
        ("Number of Employees", _whole("employees")),
        ("Annual Revenue", _whole("annual_revenue_usd")),
        ("Contact owner", _text("owner")),
        ("Lifecycle Stage", _constant("Marketing Qualified Lead")),
        ("Lead Status", _constant("New")),
        ("MQL Reason", _reason),
    ],
    "salesforce": _lead_import("Record Owner", "Web", "Open - Not Contacted"),
    "zoho": _lead_import("Lead Owner", "Web Download", "Not Contacted"),
}


def file_name(crm: str, stamp: str) -> str:
    """``leadflow-<crm>-leads-<UTC stamp>.csv``."""
    return f"leadflow-{crm}-leads-{stamp}.csv"


def write_import_file(crm: str, path: Path, rows: list[Row]) -> int:
    """Write ``rows`` as ``crm``'s import file at ``path`` (complete or not at all); rows."""
    columns = COLUMNS[crm]
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    with partial.open("w", encoding="utf-8", newline="") as handle:
        count = write_csv(
            handle, [label for label, _ in columns], ([f(r) for _, f in columns] for r in rows)
        )
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, path)
    return count

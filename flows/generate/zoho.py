"""Export family: Zoho CRM's Leads, Contacts and Deals modules, for a business whose CRM is
Zoho instead of Salesforce (``generate(..., crm="zoho")``, ``leadflow generate --crm zoho``).

Leads and Contacts are one export each at the end of the period (``zoho/Leads_<YYYY-MM-DD>.csv``,
``zoho/Contacts_<YYYY-MM-DD>.csv``), with Zoho's field labels. A lead is a hand-raiser the CRM
routed to sales (created then, owned by the person's sales rep), its Lead Status from sales'
first decision; a hand-raiser with a deal was converted, as Zoho converts a lead, and is a
contact instead (created with its first deal, Account Name as on the deal). Both carry the
person's canonical e-mail, as the deals' Contact Email does; Industry, Annual Revenue and No.
of Employees are the company's when its enrichment was in by the lead's creation. Drawn from
no random stream: the other files do not change with them, and no row is broken.

The same opportunities as the Salesforce snapshots, with the same month-end snapshots
(``zoho/Deals_<YYYY-MM-DD>.csv``), written with Zoho's field labels: Record Id (numeric,
``zcrm_`` prefixed, as Zoho's exports write it), Deal Owner, Deal Name, Account Name, Contact
Email (the contact's e-mail as a lookup field of the export), Amount, Currency, Closing Date,
Stage, Probability (%) (Zoho's default per stage), Expected Revenue, Created Time and
Modified Time ("YYYY-MM-DD HH:MM:SS"). Zoho's Qualification is a real early stage, so the
Salesforce snapshots' broken "Qualification" rows are proposals here; the other broken kinds
(TBD close date, non-numeric amount, no contact e-mail) stay broken. The sample is never
written this way.
"""

from __future__ import annotations

import hashlib
from typing import Any

DEALS_HEADER = [
    "Record Id", "Deal Owner", "Deal Name", "Account Name", "Contact Email", "Amount",
    "Currency", "Closing Date", "Stage", "Probability (%)", "Expected Revenue",
    "Created Time", "Modified Time",
]  # fmt: skip
# Zoho CRM's default probability of each stage leadflow's snapshots use.
PROBABILITY = {
    "Qualification": 10,
    "Proposal/Price Quote": 75,
    "Negotiation/Review": 90,
    "Closed Won": 100,
    "Closed Lost": 0,
}


LEADS_HEADER = [
    "Record Id", "Lead Owner", "First Name", "Last Name", "Title", "Company", "Email", "Phone",
    "Website", "Lead Source", "Lead Status", "Industry", "Annual Revenue", "No. of Employees",
    "Rating", "Email Opt Out", "Country", "Created Time", "Modified Time",
]  # fmt: skip
CONTACTS_HEADER = [
    "Record Id", "Contact Owner", "First Name", "Last Name", "Account Name", "Email", "Title",
    "Phone", "Mobile", "Lead Source", "Email Opt Out", "Mailing Country", "Created Time",
    "Modified Time",
]  # fmt: skip
# Zoho's Lead Source of the hand-raise forms (a default value of Zoho's picklist).
LEAD_SOURCE = "Web Download"


def leads_path(day: str) -> str:
    """``zoho/Leads_<YYYY-MM-DD>.csv``: the Leads module as exported that day."""
    return f"zoho/Leads_{day}.csv"


def contacts_path(day: str) -> str:
    """``zoho/Contacts_<YYYY-MM-DD>.csv``: the Contacts module as exported that day."""
    return f"zoho/Contacts_{day}.csv"


def lead_status(decision: int | None, contacted: bool) -> str:
    """Zoho's Lead Status from sales' first decision (-1 accepted, a rejection reason index,
    None not decided yet; ``contacted``: sales called before the export)."""
    if decision is None:
        return "Attempted to Contact" if contacted else "Not Contacted"
    return "Pre-Qualified" if decision < 0 else "Not Qualified"


def lead_row(person: dict[str, Any], created: str, status: str) -> list[str]:
    """One Leads row: ``person`` has the keys of :func:`person_fields`."""
    return [
        record_id(f"lead:{person['email']}"), person["owner"], person["first"], person["last"],
        person["title"], person["company"], person["email"], person["phone"], person["website"],
        LEAD_SOURCE, status, person["industry"], person["revenue"], person["employees"],
        "Active" if status == "Pre-Qualified" else "", "false", person["country"], created,
        created,
    ]  # fmt: skip


def contact_row(person: dict[str, Any], created: str) -> list[str]:
    """One Contacts row: ``person`` has the keys of :func:`person_fields`."""
    return [
        record_id(f"contact:{person['email']}"), person["owner"], person["first"], person["last"],
        person["company"], person["email"], person["title"], person["phone"], "", LEAD_SOURCE,
        "false", person["country"], created, created,
    ]  # fmt: skip


def deals_path(snapshot_day: str) -> str:
    """``zoho/Deals_<YYYY-MM-DD>.csv``: the snapshot of the month ending that day."""
    return f"zoho/Deals_{snapshot_day}.csv"


def record_id(key: str) -> str:
    """A stable Zoho-style record id (19 digits after ``zcrm_``) for a record's key: an
    opportunity's Salesforce id, ``lead:<e-mail>`` or ``contact:<e-mail>``."""
    digest = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big")
    return f"zcrm_{5725767000000000000 + digest % 10**12}"


def _time(iso: str) -> str:
    """``2026-01-17T05:38:58.000+0000`` as Zoho writes it: ``2026-01-17 05:38:58``."""
    return f"{iso[:10]} {iso[11:19]}" if iso else ""


def deal_row(row: list[str]) -> list[str]:
    """One Salesforce snapshot row (``sales.OPPORTUNITY_HEADER``) as a Zoho Deals row."""
    (sf_id, name, _account_id, account, _site, email, created, amount, currency, close,
     stage, _closed_at, _loss, owner, modified) = row  # fmt: skip
    probability = PROBABILITY[stage]
    try:
        expected = f"{float(amount) * probability / 100:.2f}" if amount else ""
    except ValueError:
        expected = ""
    return [
        record_id(sf_id), owner, name, account, email, amount, currency, close, stage,
        str(probability), expected, _time(created), _time(modified),
    ]  # fmt: skip

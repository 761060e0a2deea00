"""Export family: Zoho CRM's Deals module, for a business whose CRM is Zoho instead of
Salesforce (``generate(..., crm="zoho")``, ``leadflow generate --crm zoho``).

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


def deals_path(snapshot_day: str) -> str:
    """``zoho/Deals_<YYYY-MM-DD>.csv``: the snapshot of the month ending that day."""
    return f"zoho/Deals_{snapshot_day}.csv"


def record_id(salesforce_id: str) -> str:
    """A stable Zoho-style record id for an opportunity (19 digits after ``zcrm_``)."""
    digest = int.from_bytes(hashlib.sha256(salesforce_id.encode()).digest()[:8], "big")
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

"""Outcomes: a team's won / lost or converted / not converted facts, loaded through the
shipped profiles (plain CSV, Salesforce closed-opportunity report), resolved to leads by
e-mail or by the CRM record id of a loaded contact, published as ``marts.lead_outcomes``
(a real ``qualify`` run on a small landing folder, real DuckDB and dbt)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import duckdb_url, query

pytestmark = pytest.mark.integration

HUBSPOT_CONTACTS = """Record ID,Create Date,First Name,Last Name,Email,Company Name,Job Title,Country/Region,Marketing contact status
501,2026-03-01 10:00,Ana,Ruiz,ana.ruiz@gmail.com,,Student,Spain,Marketing contact
502,2026-03-02 11:00,Bo,Lind,bo.lind@outlook.com,,Teacher,Sweden,Marketing contact
503,2026-03-03 12:00,Cy,Moreau,cy@moreau-consulting.fr,Moreau Consulting,Owner,France,Marketing contact
"""

# One outcome by e-mail (as exported: upper case, blanks), one by the contact's record id,
# one with a yes/no flag, one of a person never captured, and one unusable value.
OUTCOMES = """email,crm_id,outcome,decided_at,amount,currency
 Ana.Ruiz@Gmail.com ,,converted,2026-04-01,,
,502,not_converted,2026-04-02,,
cy@moreau-consulting.fr,,yes,2026-04-03,1200.50,eur
ghost@nowhere.io,,won,2026-04-04,10,EUR
bo.lind@outlook.com,,maybe,2026-04-05,,
"""

# A HubSpot deals export: Bo's deal (named by the contact's record id) won later; Ana's deal
# is still open (a stage the profile maps to null: dropped and counted, not quarantined).
HUBSPOT_DEALS = """Record ID,Deal Name,Deal Stage,Close Date,Amount,Currency,Associated Contact IDs,Pipeline
9001,Bo - Data course,Closed won,2026-06-01 09:30,1450,EUR,502,Sales Pipeline
9002,Ana - UX course,Appointment scheduled,2026-07-15 00:00,900,EUR,501,Sales Pipeline
"""

# A later outcome for Cy from a Salesforce closed-opportunity report: the latest one wins.
SALESFORCE = """Opportunity ID,Opportunity Name,Contact: Email,Stage,Close Date,Amount,Opportunity Currency
0065g00000AbCdE,Moreau renewal,cy@moreau-consulting.fr,Closed Lost,2026-05-10,900,EUR
"""


@pytest.fixture(scope="module")
def outcomes_run(tmp_path_factory, prefect_harness) -> tuple[object, Path]:
    from flows.qualify import qualify

    root = tmp_path_factory.mktemp("outcomes")
    landing = root / "landing"
    for folder, name, text in (
        ("hubspot", "contacts.csv", HUBSPOT_CONTACTS),
        ("outcomes", "converted.csv", OUTCOMES),
        ("salesforce_outcomes", "closed_opportunities.csv", SALESFORCE),
        ("hubspot_deals", "deals.csv", HUBSPOT_DEALS),
    ):
        (landing / folder).mkdir(parents=True)
        (landing / folder / name).write_text(text, encoding="utf-8")
    warehouse = root / "leadflow.duckdb"
    summary = qualify(sources=str(landing), warehouse_url=duckdb_url(warehouse))
    return summary, warehouse


def test_outcomes_load_and_a_bad_value_is_quarantined(outcomes_run) -> None:
    _, warehouse = outcomes_run
    rows = query(warehouse, "select _mapping, count(*) from raw.outcomes group by 1 order by 1")
    assert rows == [
        ("hubspot_deals", 1),
        ("outcomes", 4),
        ("salesforce_closed_opportunities", 1),
    ]
    dropped = query(
        warehouse,
        "select rows_dropped, dropped_values from raw.load_ledger where mapping = 'hubspot_deals'",
    )
    assert dropped == [(1, '{"Appointment scheduled": 1}')]
    bad = query(
        warehouse,
        "select _source_file, _source_row, field, value, reason from raw.quarantine "
        "where entity = 'outcomes'",
    )
    assert bad == [
        (
            "outcomes/converted.csv",
            6,
            "outcome",
            "maybe",
            "unknown outcome (allowed: won, lost, converted, not_converted)",
        )
    ]


def test_each_lead_gets_its_latest_outcome(outcomes_run) -> None:
    _, warehouse = outcomes_run
    rows = query(
        warehouse,
        "select l.email, o.outcome, o.is_positive, cast(o.decided_at as date), o.amount, "
        "o.currency, o.outcome_source, o.outcomes_count, o.has_positive_outcome "
        "from marts.lead_outcomes o join marts.leads l using (lead_id) order by l.email",
    )
    assert [(r[0], r[1], r[2], str(r[3])) for r in rows] == [
        ("ana.ruiz@gmail.com", "converted", True, "2026-04-01"),
        # named only by its HubSpot record id 502: not converted, then a deal won
        ("bo.lind@outlook.com", "won", True, "2026-06-01"),
        # converted (yes) in April, then the renewal lost in May: the latest is lost
        ("cy@moreau-consulting.fr", "lost", False, "2026-05-10"),
    ]
    cy = rows[2]
    assert cy[4:] == (900.0, "EUR", "outcomes", 2, True)
    assert rows[1][4:] == (1450.0, "EUR", "outcomes", 2, True)


def test_an_outcome_of_an_unknown_person_is_kept_but_not_published(outcomes_run) -> None:
    _, warehouse = outcomes_run
    unresolved = query(
        warehouse,
        "select outcome, resolved_by from intermediate.int_lead_outcomes where lead_id is null",
    )
    assert unresolved == [("won", "email")]
    assert query(warehouse, "select count(*) from marts.lead_outcomes")[0][0] == 3


def test_closed_opportunities_count_as_outcomes(sample_run) -> None:
    """The sample has no outcomes export; its closed opportunities are its outcomes."""
    _, warehouse = sample_run
    closed = query(
        warehouse,
        "select count(distinct lead_id) from intermediate.int_opportunities_attributed "
        "where is_closed and lead_id is not null",
    )[0][0]
    outcomes = query(
        warehouse,
        "select count(*), count(*) filter (where outcome_source = 'opportunities'), "
        "count(*) filter (where outcome = 'won') from marts.lead_outcomes",
    )[0]
    assert closed > 0
    assert outcomes[0] == outcomes[1] == closed
    won = query(
        warehouse,
        "select count(distinct lead_id) from intermediate.int_opportunities_attributed o "
        "where is_won and lead_id is not null and closed_at = (select max(closed_at) from "
        "intermediate.int_opportunities_attributed p where p.lead_id = o.lead_id and p.is_closed)",
    )[0][0]
    assert outcomes[2] == won

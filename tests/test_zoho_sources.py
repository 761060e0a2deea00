"""Zoho CRM exports (Leads, Contacts, Deals) loaded through their mapping profiles with the
real loader into DuckDB: Zoho's column labels map to the canonical fields, Zoho's deal
stages to leadflow's, and a broken row goes to the quarantine with its reason."""

from __future__ import annotations

import csv
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest

from flows import ingest
from flows.mapping import load_profiles
from flows.settings import MAPPINGS_DIR, Warehouse
from flows.warehouse import ensure_raw_schema, make_engine
from tests.conftest import duckdb_url, query

# As Zoho CRM writes them: its field labels as headers, every column of the module (some
# not read by leadflow), Created Time as "YYYY-MM-DD HH:MM:SS", Email Opt Out true/false.
LEADS = """\
Record Id,Lead Owner,Salutation,First Name,Last Name,Title,Company,Email,Phone,Mobile,Website,Lead Source,Lead Status,Industry,Annual Revenue,No. of Employees,Rating,Email Opt Out,Country,Created Time,Modified Time
zcrm_5725767000000412001,Lucía Ortega,Ms.,Marta,Rivas,Head of Operations,Alpen Travel,marta.rivas@alpen-travel.es,+34 911 000 001,,www.alpen-travel.es,Web Download,Contacted,Travel,12000000,240,Active,false,Spain,2026-03-14 09:12:44,2026-03-15 10:00:00
zcrm_5725767000000412002,Lena Vogel,Mr.,Jonas,Keller,CTO,Kepler Stores,J.Keller@Kepler-Stores.de,,,kepler-stores.de,Trade Show,Not Contacted,Retail,,1200,,true,Germany,2026-04-02 17:45:00,2026-04-02 17:45:00
zcrm_5725767000000412003,Lena Vogel,,Broken,Row,,Nowhere GmbH,broken.row@nowhere.de,,,,Web Download,Junk Lead,,,,,false,Germany,yesterday,2026-04-02 17:45:00
"""

CONTACTS = """\
Record Id,Contact Owner,First Name,Last Name,Account Name,Email,Title,Phone,Mobile,Lead Source,Email Opt Out,Mailing Country,Created Time,Modified Time
zcrm_5725767000000523001,Camille Laurent,Noel,Bonnet,Lighthouse Mobile,noel.bonnet@lighthouse-mobile.fr,Directeur commercial,+33 1 00 00 00 01,,Partner,false,France,2026-05-20 08:00:00,2026-05-21 08:00:00
"""

DEALS = """\
Record Id,Deal Owner,Deal Name,Account Name,Contact Name,Contact Email,Type,Amount,Currency,Closing Date,Stage,Probability (%),Expected Revenue,Lead Source,Created Time,Modified Time
zcrm_5725767000000634001,Lucía Ortega,Alpen Travel - platform,Alpen Travel,Marta Rivas,marta.rivas@alpen-travel.es,New Business,48000,EUR,2026-06-30,Needs Analysis,20,9600,Web Download,2026-04-10 11:00:00,2026-04-20 12:00:00
zcrm_5725767000000634002,Lena Vogel,Kepler Stores - rollout,Kepler Stores,Jonas Keller,j.keller@kepler-stores.de,New Business,125000.50,EUR,2026-07-15,Negotiation/Review,90,112500.45,Trade Show,2026-04-12 09:30:00,2026-05-02 16:00:00
zcrm_5725767000000634003,Camille Laurent,Lighthouse - pilot,Lighthouse Mobile,Noel Bonnet,noel.bonnet@lighthouse-mobile.fr,New Business,15000,EUR,2026-06-01,Closed Lost to Competition,0,0,Partner,2026-05-21 09:00:00,2026-06-02 09:00:00
zcrm_5725767000000634004,Camille Laurent,Lighthouse - second try,Lighthouse Mobile,Noel Bonnet,noel.bonnet@lighthouse-mobile.fr,New Business,16000,EUR,TBD,Qualification,10,1600,Partner,2026-06-10 09:00:00,2026-06-10 09:00:00
"""


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> tuple[list, Path]:
    landing = tmp_path_factory.mktemp("landing")
    (landing / "zoho").mkdir()
    for name, text in (("Leads_2026_06_30.csv", LEADS), ("Contacts_2026_06_30.csv", CONTACTS),
                       ("Deals_2026_06_30.csv", DEALS)):  # fmt: skip
        (landing / "zoho" / name).write_text(text, encoding="utf-8")
    path = tmp_path_factory.mktemp("wh") / "zoho.duckdb"
    warehouse = Warehouse.from_env(duckdb_url(path))
    engine = make_engine(warehouse)
    try:
        ensure_raw_schema(engine)
        fs, root = ingest.open_landing(str(landing))
        planned, unmapped = ingest.plan_files(fs, root, load_profiles(MAPPINGS_DIR))
        assert unmapped == []
        batch = ingest.new_batch_id()
        results = [ingest.load_file(engine, warehouse, fs, root, r, p, batch) for r, p in planned]
    finally:
        engine.dispose()
    return results, path


def test_each_export_is_matched_by_its_profile(loaded) -> None:
    results, _ = loaded
    by_file = {r.source_file: r for r in results}
    assert {f: by_file[f].mapping for f in by_file} == {
        "zoho/Leads_2026_06_30.csv": "zoho_leads",
        "zoho/Contacts_2026_06_30.csv": "zoho_contacts",
        "zoho/Deals_2026_06_30.csv": "zoho_deals",
    }
    counts = {f: (r.rows_loaded, r.rows_quarantined) for f, r in by_file.items()}
    assert counts == {
        "zoho/Leads_2026_06_30.csv": (2, 1),
        "zoho/Contacts_2026_06_30.csv": (1, 0),
        "zoho/Deals_2026_06_30.csv": (3, 1),
    }


def test_leads_and_contacts_land_in_contacts(loaded) -> None:
    _, path = loaded
    rows = query(
        path,
        "select source_record_id, email, first_name, last_name, company_name, job_title, "
        "country, source_detail, opted_out, lead_source, captured_at from raw.contacts "
        "order by source_record_id",
    )
    assert rows == [
        ("zcrm_5725767000000412001", "marta.rivas@alpen-travel.es", "Marta", "Rivas",
         "Alpen Travel", "Head of Operations", "Spain", "Web Download", "false", "Zoho CRM",
         datetime(2026, 3, 14, 9, 12, 44)),
        ("zcrm_5725767000000412002", "J.Keller@Kepler-Stores.de", "Jonas", "Keller",
         "Kepler Stores", "CTO", "Germany", "Trade Show", "true", "Zoho CRM",
         datetime(2026, 4, 2, 17, 45)),
        ("zcrm_5725767000000523001", "noel.bonnet@lighthouse-mobile.fr", "Noel", "Bonnet",
         "Lighthouse Mobile", "Directeur commercial", "France", "Partner", "false", "Zoho CRM",
         datetime(2026, 5, 20, 8, 0)),
    ]  # fmt: skip
    [(reason, field)] = query(path, "select reason, field from raw.quarantine "
                                    "where _source_file like '%Leads%'")  # fmt: skip
    assert field == "captured_at" and "unparseable" in reason


def test_deals_land_in_opportunities_with_leadflow_stages(loaded) -> None:
    _, path = loaded
    rows = query(
        path,
        "select opportunity_id, email, amount, currency, expected_close_date, stage, owner "
        "from raw.opportunities order by opportunity_id",
    )
    assert [(r[0][-3:], r[1], r[2], r[3], r[5], r[6]) for r in rows] == [
        ("001", "marta.rivas@alpen-travel.es", 48000.0, "EUR", "proposal", "Lucía Ortega"),
        ("002", "j.keller@kepler-stores.de", 125000.5, "EUR", "negotiation", "Lena Vogel"),
        ("003", "noel.bonnet@lighthouse-mobile.fr", 15000.0, "EUR", "closed_lost",
         "Camille Laurent"),
    ]  # fmt: skip
    close = {r[0][-3:]: r[4] for r in rows}
    assert close["001"] in (date(2026, 6, 30), datetime(2026, 6, 30))
    [(reason, field)] = query(path, "select reason, field from raw.quarantine "
                                    "where _source_file like '%Deals%'")  # fmt: skip
    assert field == "expected_close_date" and "unparseable" in reason


def test_generator_writes_zoho_deals_only_when_asked(tmp_path) -> None:
    """generate(crm="zoho") writes the Salesforce snapshots' opportunities as Zoho Deals
    exports (and Zoho's Leads and Contacts) and changes nothing else; the deals load through
    zoho_deals, the broken ones to the quarantine."""
    from flows.generate import generate

    base = generate(leads=400, seed=7, out=tmp_path / "salesforce")
    zoho = generate(leads=400, seed=7, out=tmp_path / "zoho", crm="zoho")
    deals = sorted(f for f in zoho["files"] if f.startswith("zoho/Deals_"))
    snapshots = sorted(f for f in base["files"] if f.startswith("salesforce/"))
    assert len(deals) == len(snapshots) == 10
    assert not any(f.startswith("salesforce/") for f in zoho["files"])
    assert [zoho["files"][f] for f in deals] == [base["files"][f] for f in snapshots]
    for rel in base["files"]:
        if not rel.startswith("salesforce/"):
            a = (tmp_path / "salesforce" / rel).read_bytes()
            assert a == (tmp_path / "zoho" / rel).read_bytes(), rel
    header = (tmp_path / "zoho" / deals[0]).read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("Record Id,Deal Owner,Deal Name,Account Name,Contact Email")

    path = tmp_path / "wh.duckdb"
    warehouse = Warehouse.from_env(duckdb_url(path))
    engine = make_engine(warehouse)
    try:
        ensure_raw_schema(engine)
        profiles = [p for p in load_profiles(MAPPINGS_DIR) if p.name == "zoho_deals"]
        fs, root = ingest.open_landing(str(tmp_path / "zoho"))
        planned, _ = ingest.plan_files(fs, root, profiles)
        assert sorted(r for r, _ in planned) == deals
        batch = ingest.new_batch_id()
        results = [ingest.load_file(engine, warehouse, fs, root, r, p, batch) for r, p in planned]
    finally:
        engine.dispose()
    # a month without any change repeats the previous snapshot: skipped as the same content
    assert {r.status for r in results} <= {"loaded", "skipped"}
    loaded = sum(r.rows_loaded for r in results)
    quarantined = sum(r.rows_quarantined for r in results)
    assert loaded > quarantined > 0
    reasons = {r for (r,) in query(path, "select distinct reason from raw.quarantine")}
    assert reasons <= {"unparseable expected_close_date", "non-numeric amount",
                       "missing email or account_website"}, reasons  # fmt: skip
    stages = {s for (s,) in query(path, "select distinct stage from raw.opportunities")}
    assert stages <= {"proposal", "negotiation", "closed_won", "closed_lost"} and stages


def test_a_lead_carries_its_firmographics_and_attributes(loaded) -> None:
    """Industry, No. of Employees and Annual Revenue are the lead's own firmographics;
    Lead Status, Rating and Lead Owner are kept as attributes."""
    import json

    _, path = loaded
    [(industry, employees, revenue, attributes)] = query(
        path,
        "select industry, employees, annual_revenue, attributes from raw.contacts "
        "where email = 'marta.rivas@alpen-travel.es'",
    )
    assert (industry, employees, revenue) == ("Travel", 240, 12_000_000.0)
    assert json.loads(attributes) == {
        "lead_status": "Contacted", "rating": "Active", "lead_owner": "Lucía Ortega",
    }  # fmt: skip


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.integration
def test_generated_zoho_leads_and_contacts_load_through_their_profiles(tmp_path) -> None:
    """generate(crm="zoho") also writes one Zoho Leads and one Contacts export, the same
    for the same seed: the hand-raisers as leads, those with a deal as contacts with the
    deals' e-mails. A real `leadflow run` loads them whole through zoho_leads and
    zoho_contacts, and the leads' Zoho fields reach marts.lead_attributes."""
    from flows.generate import generate

    out = tmp_path / "landing"
    files = generate(leads=400, seed=7, out=out, crm="zoho")["files"]
    again = generate(leads=400, seed=7, out=tmp_path / "again", crm="zoho")["files"]
    people = {
        "zoho/Leads_2026-10-31.csv": "zoho_leads",
        "zoho/Contacts_2026-10-31.csv": "zoho_contacts",
    }
    for rel in people:
        assert (out / rel).read_bytes() == (tmp_path / "again" / rel).read_bytes(), rel
    assert files == again
    leads = read_csv(out / "zoho/Leads_2026-10-31.csv")
    contacts = read_csv(out / "zoho/Contacts_2026-10-31.csv")
    assert len(leads) == files["zoho/Leads_2026-10-31.csv"] > 50
    assert len(contacts) == files["zoho/Contacts_2026-10-31.csv"] > 10
    assert list(leads[0])[:8] == ["Record Id", "Lead Owner", "First Name", "Last Name", "Title",
                                  "Company", "Email", "Phone"]  # fmt: skip
    assert {"Lead Status", "Lead Source", "Annual Revenue", "No. of Employees", "Rating",
            "Industry", "Country", "Created Time"} <= set(leads[0])  # fmt: skip
    assert {"Contact Owner", "Account Name", "Mailing Country"} <= set(contacts[0])
    # a converted lead is a contact, not a lead; every deal's contact is one of them
    lead_emails = {r["Email"] for r in leads}
    contact_emails = {r["Email"] for r in contacts}
    assert len(lead_emails) == len(leads) and len(contact_emails) == len(contacts)
    assert not lead_emails & contact_emails
    deals = read_csv(out / "zoho/Deals_2026-10-31.csv")
    # a few deals lack the contact's e-mail on purpose (quarantined); the others name a contact
    deal_emails = {r["Contact Email"] for r in deals} - {""}
    assert deal_emails <= contact_emails and len(deal_emails) >= 0.8 * len(contact_emails)
    assert {r["Account Name"] for r in contacts} <= {r["Account Name"] for r in deals}
    statuses = {r["Lead Status"] for r in leads}
    assert {"Pre-Qualified", "Not Qualified", "Not Contacted"} <= statuses

    path = tmp_path / "wh.duckdb"
    run = subprocess.run(
        [sys.executable, "-m", "flows.cli", "run", "--sources", str(out), "--warehouse-url",
         duckdb_url(path)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    ledger = query(
        path,
        "select source_file, mapping, rows_read, rows_loaded, rows_quarantined "
        "from raw.load_ledger where source_file similar to 'zoho/(Leads|Contacts).*' order by 1",
    )
    assert ledger == [
        ("zoho/Contacts_2026-10-31.csv", "zoho_contacts", len(contacts), len(contacts), 0),
        ("zoho/Leads_2026-10-31.csv", "zoho_leads", len(leads), len(leads), 0),
    ]
    owners = {r["Lead Owner"] for r in leads}
    landed = dict(
        query(
            path,
            "select attribute, count(distinct value_text) from marts.lead_attributes "
            "where attribute in ('lead_status', 'lead_owner') group by 1",
        )
    )
    assert landed == {"lead_status": len(statuses), "lead_owner": len(owners)}

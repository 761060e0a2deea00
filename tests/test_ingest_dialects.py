"""CSV as real tools write it: Excel (Spanish locale), HubSpot, Salesforce; delimiters,
decimal commas, day-first dates, CRLF, byte-order marks and multi-line quoted fields, loaded
into a real DuckDB warehouse."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from flows import ingest
from tests.conftest import duckdb_url, query
from tests.loading import load_landing, warehouse_with_profiles

# What a Spanish Excel writes with "Save as CSV": ; between fields, 1.250,50 numbers,
# dd/mm/yyyy dates, Windows-1252, CRLF. The profile says nothing about any of it.
EXCEL_ES = textwrap.dedent(
    """\
    name: empresas
    entity: companies
    source_type: enrichment
    match: ["empresas/*.csv"]
    format: csv
    columns:
      domain: Dominio
      company_name: Empresa
      industry: Sector
      employees: Empleados
      annual_revenue: Facturación
      as_of: Fecha
    """
)
HUBSPOT = textwrap.dedent(
    """\
    name: hubspot
    entity: contacts
    source_type: crm
    match: ["hubspot/*"]
    format: csv
    timestamp_formats: ["%Y-%m-%d %H:%M"]
    columns:
      source_record_id: Record ID
      captured_at: Create Date
      email: Email
      first_name: First Name
      company_name: Company Name
    """
)
SALESFORCE = textwrap.dedent(
    """\
    name: decisions
    entity: sales_decisions
    source_type: crm
    match: ["salesforce/*.csv"]
    format: csv
    csv: {delimiter: "|"}
    timestamp_formats: ["%Y-%m-%dT%H:%M:%SZ"]
    columns:
      decision_id: Id
      decided_at: Decided
      email: Email
      decision: Decision
      reason: Reason
      notes: Notes
    """
)


@pytest.fixture
def env(tmp_path, landing):
    warehouse, engine, maps = warehouse_with_profiles(
        tmp_path,
        duckdb_url(tmp_path / "wh.duckdb"),
        {"es": EXCEL_ES, "hubspot": HUBSPOT, "salesforce": SALESFORCE},
    )

    def load_all() -> dict[str, ingest.FileResult]:
        return load_landing(engine, warehouse, landing, maps)

    def sql(statement: str) -> list[tuple]:
        return query(warehouse.duckdb_path, statement)

    return landing, maps, load_all, sql


def write(landing: Path, relative: str, data: bytes) -> None:
    path = landing / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def test_a_spanish_excel_export_is_read_with_its_dialect_detected(env):
    landing, _, load_all, sql = env
    text = (
        "Dominio;Empresa;Sector;Empleados;Facturación;País;Fecha\n"
        "acme.es;Acme Logística, S.L.;Logística;1.250;2.500.000,50;España;31/12/2026\n"
        "beta.es;Beta;Software;12;980.000,75;España;01/02/2026\n"
        "gamma.es;Gamma;Retail;mucho;1,5;España;15/03/2026\n"
    ).replace("\n", "\r\n")
    write(landing, "empresas/clientes.csv", text.encode("windows-1252"))
    result = load_all()["empresas/clientes.csv"]
    assert (result.status, result.rows_loaded, result.rows_quarantined) == ("loaded", 2, 1)
    assert sql(
        "select domain, company_name, employees, annual_revenue, cast(as_of as date) "
        "from raw.companies order by 1"
    ) == [
        ("acme.es", "Acme Logística, S.L.", 1250, 2500000.5, _date("2026-12-31")),
        ("beta.es", "Beta", 12, 980000.75, _date("2026-02-01")),
    ]
    dialect = json.loads(result.dialect)
    assert dialect == {
        "delimiter": ";",
        "quote": '"',
        "decimal": ",",
        "thousands": ".",
        "day_first": True,
        "newline": "\r\n",
        "detected": ["delimiter", "decimal", "day_first"],
    }
    assert sql("select dialect from raw.load_ledger") == [(result.dialect,)]
    assert sql("select _source_row, reason, value, original_row from raw.quarantine") == [
        (4, "non-numeric employees", "mucho", "gamma.es;Gamma;Retail;mucho;1,5;España;15/03/2026")
    ]


def test_a_declared_dialect_reads_dates_and_numbers_that_alone_are_ambiguous(env):
    landing, maps, load_all, sql = env
    declared = EXCEL_ES.replace(
        "format: csv\n",
        'format: csv\ncsv: {delimiter: ";", decimal: ",", thousands: ".", day_first: true}\n',
    )
    (maps / "es.yml").write_text(declared, encoding="utf-8")
    write(
        landing,
        "empresas/e.csv",
        "Dominio;Empresa;Sector;Empleados;Facturación;Fecha\nacme.es;A;X;1.250;1.234;01/02/2026\n"
        .encode(),
    )  # fmt: skip
    result = load_all()["empresas/e.csv"]
    assert result.status == "loaded", result.error
    assert sql("select employees, annual_revenue, cast(as_of as date) from raw.companies") == [
        (1250, 1234.0, _date("2026-02-01"))
    ]
    assert json.loads(result.dialect)["detected"] == []


@pytest.mark.parametrize("delimiter", ["\t", "|", ";", ","])
def test_hubspot_exports_with_any_delimiter_a_bom_and_crlf(env, delimiter):
    landing, _, load_all, sql = env
    rows = [
        ["Record ID", "Create Date", "Email", "First Name", "Company Name"],
        ["101", "2026-03-01 10:00", "ana@acme.es", "Ana", "Acme; Co | Ltd"],
        ["102", "2026-03-02 11:00", "luis@beta.com", "Luis", "Beta"],
    ]
    lines = [delimiter.join(f'"{v}"' if delimiter in v else v for v in r) for r in rows]
    write(landing, "hubspot/contacts.csv", b"\xef\xbb\xbf" + "\r\n".join(lines).encode())
    result = load_all()["hubspot/contacts.csv"]
    assert (result.status, result.rows_loaded, result.encoding) == ("loaded", 2, "utf-8-sig")
    assert json.loads(result.dialect)["delimiter"] == delimiter
    assert sql(
        "select source_record_id, company_name, _source_row from raw.contacts order by 1"
    ) == [
        ("101", "Acme; Co | Ltd", 2),
        ("102", "Beta", 3),
    ]


def test_line_numbers_and_original_text_after_multi_line_fields(env):
    landing, _, load_all, sql = env
    text = (
        "Id|Decided|Email|Decision|Reason|Notes\r\n"
        '1|2026-03-01T10:00:00Z|ana@acme.es|accepted||"Called twice.\r\nBudget ""approved"".\r\n'
        'Next: demo"\r\n'
        "2|2026-03-02T10:00:00Z|luis@beta.com|rejected||no reason given\r\n"
        '3|2026-03-03T10:00:00Z|eva@gamma.io|accepted||"two\r\nlines"|extra|more|x|y\r\n'
        "\r\n"
        "4|yesterday|ken@delta.jp|accepted||ok\r\n"
    )
    write(landing, "salesforce/decisions.csv", text.encode())
    result = load_all()["salesforce/decisions.csv"]
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (4, 1, 3)
    [(row, notes)] = sql("select _source_row, notes from raw.sales_decisions")
    assert (row, notes) == (2, 'Called twice.\r\nBudget "approved".\r\nNext: demo')
    rejected = sql("select _source_row, reason, original_row from raw.quarantine order by 1")
    assert [(r[0], r[1]) for r in rejected] == [
        (5, "missing reason (required when decision is rejected)"),
        (6, rejected[1][1]),
        (9, "unparseable decided_at"),
    ]
    # each problem once, however many extra columns
    assert rejected[1][1] == (
        "malformed row: TOO MANY COLUMNS: Expected Number of Columns: 6 Found: 10"
    )
    assert rejected[0][2] == "2|2026-03-02T10:00:00Z|luis@beta.com|rejected||no reason given"
    assert rejected[1][2] == (
        '3|2026-03-03T10:00:00Z|eva@gamma.io|accepted||"two\r\nlines"|extra|more|x|y'
    )
    assert rejected[2][2] == "4|yesterday|ken@delta.jp|accepted||ok"


def test_a_duplicated_header_column_rejects_the_file_naming_it(env):
    landing, _, load_all, sql = env
    write(
        landing,
        "hubspot/dup.csv",
        b"Record ID,Create Date,Email,First Name,Email\n1,2026-03-01 10:00,a@b.com,A,c@d.com\n",
    )
    result = load_all()["hubspot/dup.csv"]
    assert result.status == "rejected"
    assert result.error == (
        "hubspot/dup.csv: duplicated header column 'Email' (columns 3 and 5): rename one in "
        "the export"
    )
    assert sql(
        "select count(*) from raw.contacts union all select count(*) from raw.quarantine"
    ) == [
        (0,),
        (0,),
    ]


def test_a_file_with_a_delimiter_no_header_fits_names_what_it_found(env):
    landing, _, load_all, _ = env
    write(landing, "hubspot/odd.csv", b"Record ID:Create Date:Email\n1:2026-03-01 10:00:a@b\n")
    result = load_all()["hubspot/odd.csv"]
    assert result.status == "rejected"
    assert result.error == (
        "hubspot/odd.csv: missing required column(s) 'Email', 'Create Date' for mapping "
        "'hubspot' (found: 'Record ID:Create Date:Email'; no delimiter of , ; tab | gives them)"
    )


def _date(text: str):
    from datetime import date

    return date.fromisoformat(text)


def test_a_stray_quote_inside_a_field_keeps_every_row_and_its_line(env):
    """Quote parity cannot tell where records start here; the reader's count is used."""
    landing, _, load_all, sql = env
    text = (
        "Id|Decided|Email|Decision|Reason|Notes\n"
        '1|2026-03-01T10:00:00Z|ana@acme.es|accepted||wants a 27" screen\n'
        "2|2026-03-02T10:00:00Z|luis@beta.com|accepted||ok\n"
        "3|2026-03-03T10:00:00Z|eva@gamma.io|maybe||\n"
    )
    write(landing, "salesforce/stray.csv", text.encode())
    result = load_all()["salesforce/stray.csv"]
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (3, 2, 1)
    assert sql("select _source_row, notes from raw.sales_decisions order by 1") == [
        (2, 'wants a 27" screen'),
        (3, "ok"),
    ]
    [(row, original)] = sql("select _source_row, original_row from raw.quarantine")
    assert row == 4 and json.loads(original)["Decision"] == "maybe"


def test_a_carriage_return_inside_a_quoted_field_is_text_not_a_line_break(env):
    landing, _, load_all, sql = env
    text = (
        "Id|Decided|Email|Decision|Reason|Notes\n"
        '1|2026-03-01T10:00:00Z|ana@acme.es|accepted||"old\rMac line"\n'
        "2|never|luis@beta.com|accepted||ok\n"
    )
    write(landing, "salesforce/cr.csv", text.encode())
    result = load_all()["salesforce/cr.csv"]
    assert (result.rows_loaded, result.rows_quarantined) == (1, 1), result.error
    assert sql("select _source_row, notes from raw.sales_decisions") == [(2, "old\rMac line")]
    assert sql("select _source_row, original_row from raw.quarantine") == [
        (3, "2|never|luis@beta.com|accepted||ok")
    ]

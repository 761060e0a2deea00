"""Ingestion on real DuckDB files: mapping, row checks, quarantine, ledger, encodings."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from flows import ingest
from flows.mapping import load_profiles
from flows.settings import Warehouse
from flows.warehouse import ensure_raw_schema, make_engine
from tests.conftest import duckdb_url, query

FORMS = textwrap.dedent(
    """\
    name: forms
    entity: contacts
    source_type: form
    match: ["forms/*.csv"]
    format: csv
    timestamp_formats: ["%Y-%m-%d %H:%M:%S", "%d/%m/%Y %H:%M"]
    columns:
      source_record_id: ID
      captured_at: Submitted
      email: Email
      first_name: First Name
      last_name: Last Name
      company_name: Company
    """
)
SIGNUPS = textwrap.dedent(
    """\
    name: signups
    entity: contacts
    source_type: subscription
    match: ["signups/*.jsonl"]
    format: jsonl
    columns:
      captured_at: subscribed_at
      email: email
      first_name: first_name
      consent: consent
    """
)
FIRMS = textwrap.dedent(
    """\
    name: firms
    entity: companies
    source_type: enrichment
    match: ["firms/*.parquet"]
    format: parquet
    columns:
      domain: domain
      industry: industry
      employees: employees
      as_of: as_of
    """
)


@pytest.fixture
def env(tmp_path, landing):
    maps = tmp_path / "maps"
    maps.mkdir()
    for name, text in (("forms", FORMS), ("signups", SIGNUPS), ("firms", FIRMS)):
        (maps / f"{name}.yml").write_text(text, encoding="utf-8")
    warehouse = Warehouse.from_env(duckdb_url(tmp_path / "wh.duckdb"))
    engine = make_engine(warehouse)
    ensure_raw_schema(engine)

    def load_all():
        fs, root = ingest.open_landing(landing)
        planned, unmapped = ingest.plan_files(fs, root, load_profiles(maps))
        batch = ingest.new_batch_id()
        results = [
            ingest.load_file(engine, warehouse, fs, root, rel, prof, batch) for rel, prof in planned
        ]
        return {r.source_file: r for r in [*results, *unmapped]}

    return landing, warehouse, load_all


def write(folder: Path, relative: str, data: bytes) -> None:
    path = folder / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def test_rows_are_mapped_checked_and_quarantined_with_reason_row_and_field(env):
    landing, warehouse, load_all = env
    write(
        landing,
        "forms/f.csv",
        (
            "ID,Submitted,Email,First Name,Last Name,Company\n"
            '1,2026-03-01 10:00:00, Jose.Nunez@Acme.ES ,José,Núñez,"Acme, S.L."\n'
            "2,yesterday,ana@b.com,Ana,B,C\n"
            "3,2026-03-01 10:00:00,,Sin,Correo,C\n"
            "4,2026-03-01 10:00:00,jose nunez@acme.es,A,B,C\n"
            "5,2026-03-01 10:00:00,x@y.com,too,many,cols,here\n"
            "6,02/03/2026 11:30,bob@x.org,Bob,O'Brien,X\n"
        ).encode(),
    )
    result = load_all()["forms/f.csv"]
    assert result.error is None
    assert (result.status, result.rows_read, result.rows_loaded, result.rows_quarantined) == (
        "loaded",
        6,
        2,
        4,
    )
    loaded = query(
        warehouse.duckdb_path,
        "select _source_row, email, first_name, last_name, company_name, captured_at "
        "from raw.contacts order by 1",
    )
    assert [r[:5] for r in loaded] == [
        (2, " Jose.Nunez@Acme.ES ", "José", "Núñez", "Acme, S.L."),
        (7, "bob@x.org", "Bob", "O'Brien", "X"),
    ]
    assert str(loaded[1][5]) == "2026-03-02 11:30:00"
    rejected = query(
        warehouse.duckdb_path,
        "select _source_row, reason, field, value, original_row from raw.quarantine order by 1",
    )
    assert [r[:4] for r in rejected] == [
        (3, "unparseable captured_at", "captured_at", "yesterday"),
        (4, "missing email", "email", None),
        (5, "malformed email", "email", "jose nunez@acme.es"),
        (6, rejected[3][1], None, None),
    ]
    assert rejected[3][1].startswith("malformed row: TOO MANY COLUMNS")
    assert rejected[3][4] == "5,2026-03-01 10:00:00,x@y.com,too,many,cols,here"
    assert rejected[0][4] == "2,yesterday,ana@b.com,Ana,B,C"


def test_every_row_has_its_load_metadata(env):
    landing, warehouse, load_all = env
    write(landing, "forms/f.csv", b"ID,Submitted,Email\n1,2026-03-01 10:00:00,a@b.com\n")
    load_all()
    [(file, row, mapping, kind, batch, loaded_at)] = query(
        warehouse.duckdb_path,
        "select _source_file, _source_row, _mapping, _source_type, _batch_id, _loaded_at "
        "from raw.contacts",
    )
    assert (file, row, mapping, kind) == ("forms/f.csv", 2, "forms", "form")
    assert batch and loaded_at is not None


def test_a_second_load_of_the_same_content_adds_nothing(env):
    landing, warehouse, load_all = env
    write(landing, "forms/f.csv", b"ID,Submitted,Email\n1,2026-03-01 10:00:00,a@b.com\n")
    assert load_all()["forms/f.csv"].status == "loaded"
    write(landing, "forms/copy.csv", (landing / "forms/f.csv").read_bytes())
    again = load_all()
    assert again["forms/f.csv"].status == "skipped"
    assert again["forms/copy.csv"].status == "skipped"
    assert again["forms/copy.csv"].error == "same content as forms/f.csv"
    assert query(warehouse.duckdb_path, "select count(*) from raw.contacts") == [(1,)]
    assert query(
        warehouse.duckdb_path, "select count(*) from raw.load_ledger where status = 'loaded'"
    ) == [(1,)]


def test_missing_required_column_rejects_the_file_and_others_still_load(env):
    landing, warehouse, load_all = env
    write(landing, "forms/bad.csv", b"ID,Email\n1,a@b.com\n")
    write(landing, "forms/good.csv", b"ID,Submitted,Email\n1,2026-03-01 10:00:00,c@d.com\n")
    results = load_all()
    bad = results["forms/bad.csv"]
    assert bad.status == "rejected"
    assert "forms/bad.csv" in bad.error and "'Submitted'" in bad.error
    assert results["forms/good.csv"].status == "loaded"
    assert query(warehouse.duckdb_path, "select email from raw.contacts") == [("c@d.com",)]
    assert query(
        warehouse.duckdb_path,
        "select status, error from raw.load_ledger where source_file like '%bad%'",
    ) == [("rejected", bad.error)]


@pytest.mark.parametrize(
    "encoding, prefix",
    [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("cp1252", b""), ("latin-1", b"")],
)
def test_utf8_with_or_without_bom_and_windows_1252_keep_accents(env, encoding, prefix):
    landing, warehouse, load_all = env
    text = (
        "ID,Submitted,Email,First Name,Last Name,Company\n"
        "1,2026-03-01 10:00:00,jose@acme.es,José,Núñez,Müller AG\n"
    )
    if encoding == "cp1252":
        text = text.replace("Müller AG", "Müller’s Š.A.")
    write(landing, "forms/f.csv", prefix + text.encode(encoding))
    result = load_all()["forms/f.csv"]
    assert result.status == "loaded", result.error
    expected_company = "Müller’s Š.A." if encoding == "cp1252" else "Müller AG"
    assert query(
        warehouse.duckdb_path, "select first_name, last_name, company_name from raw.contacts"
    ) == [("José", "Núñez", expected_company)]


def test_undecodable_bytes_reject_the_file_with_the_offset(env):
    landing, warehouse, load_all = env
    # 0x81 is undefined in Windows-1252 and invalid as UTF-8.
    write(landing, "forms/f.csv", b"ID,Submitted,Email\n1,2026-03-01 10:00:00,a\x81@b.com\n")
    result = load_all()["forms/f.csv"]
    assert result.status == "rejected"
    assert "forms/f.csv: undecodable bytes" in result.error and "0x81" in result.error
    assert query(warehouse.duckdb_path, "select count(*) from raw.contacts") == [(0,)]


def test_jsonl_lines_and_invalid_json_are_kept(env):
    landing, warehouse, load_all = env
    lines = [
        {
            "email": "a@b.com",
            "subscribed_at": "2026-03-14T09:12:44Z",
            "first_name": "Zoë",
            "consent": True,
        },
        {"email": "c@d.com", "subscribed_at": "2026-03-14T10:12:44+02:00"},
    ]
    body = "\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + '\n{"email": "broken\n'
    write(landing, "signups/s.jsonl", body.encode())
    result = load_all()["signups/s.jsonl"]
    assert (result.rows_loaded, result.rows_quarantined) == (2, 1), result.error
    rows = query(
        warehouse.duckdb_path,
        "select _source_row, email, first_name, consent, captured_at from raw.contacts order by 1",
    )
    assert [r[:4] for r in rows] == [(1, "a@b.com", "Zoë", "true"), (2, "c@d.com", None, None)]
    assert str(rows[1][4]) == "2026-03-14 08:12:44"  # converted to UTC
    assert query(warehouse.duckdb_path, "select _source_row, reason from raw.quarantine") == [
        (3, "invalid JSON line")
    ]


def test_parquet_numbers_are_typed_and_bad_ones_quarantined(env, tmp_path):
    landing, warehouse, load_all = env
    table = pa.table(
        {
            "domain": ["acme.es", "shop.co.uk", None],
            "industry": ["Software", "Retail", "Media"],
            "employees": ["250", "lots", "3"],
            "as_of": ["2026-01-01 00:00:00", "2026-01-01 00:00:00", "2026-01-01 00:00:00"],
        }
    )
    (landing / "firms").mkdir()
    pq.write_table(table, landing / "firms" / "c.parquet")
    result = load_all()["firms/c.parquet"]
    assert (result.rows_loaded, result.rows_quarantined) == (1, 2)
    assert query(warehouse.duckdb_path, "select domain, employees from raw.companies") == [
        ("acme.es", 250)
    ]
    assert query(
        warehouse.duckdb_path, "select _source_row, reason from raw.quarantine order by 1"
    ) == [(2, "non-numeric employees"), (3, "missing domain")]


def test_files_without_a_profile_and_hidden_paths(env):
    landing, _, load_all = env
    write(landing, "misc/notes.txt", b"hello")
    write(landing, "_truth/people.csv", b"x")
    write(landing, ".cache/x.csv", b"x")
    results = load_all()
    assert list(results) == ["misc/notes.txt"]
    assert results["misc/notes.txt"].status == "unmapped"


def test_inspect_bytes_reports_encodings(tmp_path):
    path = tmp_path / "f.csv"
    path.write_bytes(b"\xef\xbb\xbfa,b\n")
    assert ingest.inspect_bytes(path, "auto", "f.csv").encoding == "utf-8-sig"
    path.write_bytes("a,é\n".encode("cp1252"))
    assert ingest.inspect_bytes(path, "auto", "f.csv").encoding == "windows-1252"
    with pytest.raises(ingest.FileRejected, match="undecodable"):
        ingest.inspect_bytes(path, "utf-8", "f.csv")
    path.write_bytes(b"a,b\x00\n")
    with pytest.raises(ingest.FileRejected, match="NUL byte at offset 3"):
        ingest.inspect_bytes(path, "auto", "f.csv")

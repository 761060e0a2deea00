"""Files that change: row-level idempotency, record keys, the upgrade of older warehouses and
`load_file(..., replace=True)` (leadflow reload), on real DuckDB and PostgreSQL warehouses."""

from __future__ import annotations

import textwrap
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from flows import ingest
from flows.records import VERSION_ORDER, value_fields
from flows.settings import ConfigurationError, Warehouse
from flows.warehouse import ensure_raw_schema, make_engine
from tests.conftest import duckdb_url
from tests.loading import load_landing, warehouse_with_profiles

# A CRM contact export with a record id (HubSpot's "Record ID").
CRM = textwrap.dedent(
    """\
    name: crm
    entity: contacts
    source_type: crm
    match: ["crm/*.csv"]
    format: csv
    timestamp_formats: ["%Y-%m-%d %H:%M"]
    columns:
      source_record_id: Record ID
      captured_at: Create Date
      email: Email
      first_name: First Name
      company_name: Company
    """
)
# E-mail engagement without an event id: records are identified by their values.
CLICKS = textwrap.dedent(
    """\
    name: clicks
    entity: events
    source_type: event
    match: ["clicks/*.csv"]
    format: csv
    columns:
      event_type: Activity
      occurred_at: Clicked At
      email: Email
      url: URL
    """
)
HEADER = "Record ID,Create Date,Email,First Name,Company\n"
ROWS = {
    "1": "1,2026-03-01 10:00,ana@acme.es,Ana,Acme\n",
    "2": "2,2026-03-02 11:00,luis@beta.com,Luis,Beta\n",
    "3": "3,2026-03-03 12:00,eva@gamma.io,Eva,Gamma\n",
    "4": "4,2026-03-04 13:00,ken@delta.jp,Ken,Delta\n",
    "bad": "5,someday,zoe@eps.com,Zoe,Eps\n",
}


@pytest.fixture(params=["duckdb", "postgres"])
def wh(request, tmp_path, landing):
    """A warehouse (DuckDB file or fresh PostgreSQL database), the landing folder, a
    function loading every landing file (``replace``: files to reload) and a query helper."""
    if request.param == "duckdb":
        url = duckdb_url(tmp_path / "wh.duckdb")
    else:
        url = request.getfixturevalue("postgres_url")
    warehouse, engine, maps = warehouse_with_profiles(tmp_path, url, {"crm": CRM, "clicks": CLICKS})

    def load_all(replace: tuple[str, ...] = ()) -> dict[str, ingest.FileResult]:
        return load_landing(engine, warehouse, landing, maps, replace)

    def sql(statement: str) -> list[tuple]:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(statement))]

    return landing, load_all, sql, maps


def write(landing: Path, relative: str, text: str, newline: str = "\n") -> None:
    path = landing / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.replace("\n", newline).encode())


def latest(sql, table: str = "contacts") -> list[tuple]:
    """Latest version per record, as the staging models pick them (macro raw_latest); each
    is also the newest load's last line of its record (checked)."""
    rows = sql(
        "select source_record_id, first_name, company_name from raw."
        f"{table} where _superseded_at is null order by 1"
    )
    ranked = sql(
        "select source_record_id, first_name, company_name from (select *, row_number() "
        f"over (partition by _mapping, _source_file, _record_key order by {VERSION_ORDER}) "
        f"as n from raw.{table}) v where n = 1 order by 1"
    )
    assert rows == ranked
    return rows


def counts(result: ingest.FileResult) -> tuple[str, int, int, int, int]:
    return (
        result.status,
        result.rows_read,
        result.rows_loaded,
        result.rows_unchanged,
        result.rows_quarantined,
    )


def test_appended_rows_load_alone_and_quarantine_is_not_repeated(wh):
    landing, load_all, sql, _ = wh
    write(landing, "crm/contacts.csv", HEADER + ROWS["1"] + ROWS["2"] + ROWS["bad"])
    assert counts(load_all()["crm/contacts.csv"]) == ("loaded", 3, 2, 0, 1)
    write(landing, "crm/contacts.csv", HEADER + ROWS["1"] + ROWS["2"] + ROWS["bad"] + ROWS["3"])
    assert counts(load_all()["crm/contacts.csv"]) == ("loaded", 4, 1, 3, 0)
    assert sql("select count(*), count(distinct _record_key) from raw.contacts") == [(3, 3)]
    assert sql("select count(*) from raw.quarantine") == [(1,)]
    assert sql(
        "select status, rows_loaded, rows_unchanged from raw.load_ledger order by loaded_at"
    ) == [("loaded", 2, 0), ("loaded", 1, 3)]


def test_an_edited_record_is_a_new_version_and_the_latest_wins(wh):
    landing, load_all, sql, _ = wh
    write(landing, "crm/contacts.csv", HEADER + ROWS["1"] + ROWS["2"])
    load_all()
    edited = ROWS["2"].replace("Beta", "Beta Labs")
    write(landing, "crm/contacts.csv", HEADER + ROWS["1"] + edited)
    assert counts(load_all()["crm/contacts.csv"]) == ("loaded", 2, 1, 1, 0)
    assert latest(sql) == [("1", "Ana", "Acme"), ("2", "Luis", "Beta Labs")]
    # edited back: the first version is again the latest, so it is loaded again
    write(landing, "crm/contacts.csv", HEADER + ROWS["1"] + ROWS["2"])
    assert counts(load_all()["crm/contacts.csv"]) == ("loaded", 2, 1, 1, 0)
    assert latest(sql) == [("1", "Ana", "Acme"), ("2", "Luis", "Beta")]
    assert sql("select count(*) from raw.contacts") == [(4,)]


def test_a_record_repeated_in_one_file_keeps_its_last_line(wh):
    landing, load_all, sql, _ = wh
    edited = ROWS["2"].replace("Beta", "Beta Labs")
    write(landing, "crm/contacts.csv", HEADER + ROWS["2"] + ROWS["1"] + edited)
    load_all()
    assert latest(sql) == [("1", "Ana", "Acme"), ("2", "Luis", "Beta Labs")]
    assert sql(
        "select _source_row, _superseded_at is null from raw.contacts "
        "where source_record_id = '2' order by 1"
    ) == [(2, False), (4, True)]


def test_removed_and_reordered_rows_and_a_reexport_load_nothing(wh):
    landing, load_all, sql, _ = wh
    write(landing, "crm/contacts.csv", HEADER + ROWS["1"] + ROWS["2"] + ROWS["3"])
    load_all()
    # reordered, one removed: nothing new; the removed record stays loaded (nothing lost)
    write(landing, "crm/contacts.csv", HEADER + ROWS["3"] + ROWS["1"])
    assert counts(load_all()["crm/contacts.csv"]) == ("loaded", 2, 0, 2, 0)
    # a re-export with the same rows, written another way (CRLF, every field quoted)
    quoted = "".join(
        ",".join(f'"{v}"' for v in line.rstrip("\n").split(",")) + "\n"
        for line in (HEADER, ROWS["1"], ROWS["2"], ROWS["3"])
    )
    write(landing, "crm/contacts.csv", quoted, newline="\r\n")
    assert counts(load_all()["crm/contacts.csv"]) == ("loaded", 3, 0, 3, 0)
    assert latest(sql) == [("1", "Ana", "Acme"), ("2", "Luis", "Beta"), ("3", "Eva", "Gamma")]
    assert sql("select count(*) from raw.contacts") == [(3,)]


def test_records_without_an_id_are_identified_by_their_values_and_occurrence(wh):
    landing, load_all, sql, _ = wh
    click = "email_click,2026-03-01 10:00:00,ana@acme.es,https://x.io/pricing\n"
    other = "email_click,2026-03-01 10:05:00,ana@acme.es,https://x.io/demo\n"
    header = "Activity,Clicked At,Email,URL\n"
    # the same click twice in one export is two clicks
    write(landing, "clicks/c.csv", header + click + click)
    assert counts(load_all()["clicks/c.csv"]) == ("loaded", 2, 2, 0, 0)
    # reordered with a third identical click and another one: those two are new
    write(landing, "clicks/c.csv", header + other + click + click + click)
    assert counts(load_all()["clicks/c.csv"]) == ("loaded", 4, 2, 2, 0)
    assert sql("select count(*), count(distinct _record_key) from raw.events") == [(4, 4)]
    assert sql("select count(*) from raw.events where _record_key like 'hash:%'") == [(4,)]


def _hash_as_first_stored(entity: str) -> str:
    """The record hash as the first versions of the loader wrote it (a chain of ||): the
    hashes in older warehouses, which changed files are compared with."""
    parts = []
    for name in value_fields(entity):
        text = f'cast("{name}" as varchar)'
        parts.append(f"coalesce(cast(length({text}) as varchar) || ':' || {text}, '-')")
    return "md5(" + " || '|' || ".join(parts) + ")"


def test_record_hashes_are_those_older_warehouses_hold(tmp_path, landing):
    url = duckdb_url(tmp_path / "wh.duckdb")
    warehouse, engine, maps = warehouse_with_profiles(tmp_path, url, {"crm": CRM, "clicks": CLICKS})
    # NULLs (no company, no first name), a timestamp, accents, a repeated line
    write(landing, "crm/c.csv", HEADER + ROWS["1"] + "7,2026-03-05 09:30,jo@x.es,,\n")
    click = "email_click,2026-03-01 10:00:00,Zoë@acme.es,https://x.io/ñ?a=1|2\n"
    write(landing, "clicks/c.csv", "Activity,Clicked At,Email,URL\n" + click + click)
    load_landing(engine, warehouse, landing, maps, ())
    with engine.connect() as conn:
        for entity, rows in (("contacts", 2), ("events", 2)):
            same, total = conn.execute(
                sa.text(
                    f"select count(*) filter (where _record_hash = {_hash_as_first_stored(entity)}),"
                    f" count(*) from raw.{entity}"
                )
            ).one()
            assert (same, total) == (rows, rows), entity


def test_reload_replaces_a_files_rows_after_the_mapping_is_fixed(wh):
    landing, load_all, sql, maps = wh
    write(landing, "crm/contacts.csv", HEADER + ROWS["1"] + ROWS["2"] + ROWS["bad"])
    # a wrong mapping: the company column read as the first name
    (maps / "crm.yml").write_text(CRM.replace("first_name: First Name", "first_name: Company"))
    load_all()
    assert latest(sql)[0] == ("1", "Acme", "Acme")
    (maps / "crm.yml").write_text(CRM)
    # the content did not change: a plain load skips it
    assert load_all()["crm/contacts.csv"].status == "skipped"
    result = load_all(replace=("crm/contacts.csv",))["crm/contacts.csv"]
    assert counts(result) == ("loaded", 3, 2, 0, 1)
    assert latest(sql) == [("1", "Ana", "Acme"), ("2", "Luis", "Beta")]
    assert sql("select count(*) from raw.contacts") == [(2,)]
    assert sql("select count(*) from raw.quarantine") == [(1,)]
    assert sql(
        "select status, rows_loaded from raw.load_ledger where status <> 'skipped' "
        "order by loaded_at"
    ) == [("reprocessed", 2), ("loaded", 2)]


def test_a_rejected_reload_keeps_the_earlier_rows(wh):
    landing, load_all, sql, maps = wh
    write(landing, "crm/contacts.csv", HEADER + ROWS["1"])
    load_all()
    (maps / "crm.yml").write_text(CRM.replace("email: Email", "email: E-mail"))
    result = load_all(replace=("crm/contacts.csv",))["crm/contacts.csv"]
    assert result.status == "rejected" and "'E-mail'" in result.error
    assert sql("select email from raw.contacts") == [("ana@acme.es",)]
    assert sql("select status from raw.load_ledger order by loaded_at") == [
        ("loaded",),
        ("rejected",),
    ]


@pytest.mark.parametrize("backend", ["duckdb", "postgres"])
def test_an_older_warehouse_gets_record_keys_and_its_duplicate_loads_share_them(
    request, tmp_path, backend
):
    """A warehouse from before record keys, where a grown file was loaded whole twice."""
    url = (
        duckdb_url(tmp_path / "old.duckdb")
        if backend == "duckdb"
        else request.getfixturevalue("postgres_url")
    )
    warehouse = Warehouse.from_env(url)
    engine = make_engine(warehouse)
    ensure_raw_schema(engine)
    with engine.begin() as conn:
        for table in ("contacts", "events"):
            conn.execute(sa.text(f"alter table raw.{table} drop column _record_key"))
            conn.execute(sa.text(f"alter table raw.{table} drop column _record_hash"))
            conn.execute(sa.text(f"alter table raw.{table} drop column _superseded_at"))
        conn.execute(sa.text("alter table raw.load_ledger drop column rows_unchanged"))
        meta = "'f.csv', {row}, 'm', 'form', '{batch}', timestamp '2026-03-0{day} 00:00:00'"
        for batch, day, rows in (("b1", 1, (2, 3)), ("b2", 2, (2, 3, 4))):
            for row in rows:
                email = "same@x.io" if row < 4 else "new@x.io"
                conn.execute(
                    sa.text(
                        "insert into raw.events (occurred_at, email, event_type, _source_file, "
                        "_source_row, _mapping, _source_type, _batch_id, _loaded_at) values "
                        "(timestamp '2026-03-01 10:00:00', :email, 'page_view', "
                        + meta.format(row=row, batch=batch, day=day)
                        + ")"
                    ),
                    {"email": email},
                )
    ensure_raw_schema(engine)
    with engine.connect() as conn:
        keys = conn.execute(
            sa.text("select _batch_id, _source_row, _record_key from raw.events order by 1, 2")
        ).fetchall()
        ledger_columns = [c["name"] for c in sa.inspect(conn).get_columns("load_ledger", "raw")]
    assert "rows_unchanged" in ledger_columns and "dialect" in ledger_columns
    by_row = {(b, r): k for b, r, k in keys}
    # lines 2 and 3 are identical rows: two records, each loaded twice under one key
    assert by_row["b1", 2] == by_row["b2", 2] != by_row["b1", 3] == by_row["b2", 3]
    assert len({k for *_, k in keys}) == 3 and all(k.startswith("hash:") for *_, k in keys)
    # the first load's rows are earlier versions of the second's
    with engine.connect() as conn:
        latest_rows = conn.execute(
            sa.text("select _batch_id, _source_row from raw.events where _superseded_at is null")
        ).fetchall()
    assert sorted(latest_rows) == [("b2", 2), ("b2", 3), ("b2", 4)]


def test_files_to_reload_by_path_folder_pattern_and_date(tmp_path, landing):
    warehouse = Warehouse.from_env(duckdb_url(tmp_path / "wh.duckdb"))
    engine = make_engine(warehouse)
    ensure_raw_schema(engine)
    planned = ["crm/a.csv", "crm/b.csv", "web/c.jsonl"]
    for relative in planned:
        write(landing, relative, "x\n")
    with engine.begin() as conn:
        for relative, day, status in (
            ("crm/a.csv", 1, "loaded"),
            ("crm/b.csv", 9, "loaded"),
            ("web/c.jsonl", 9, "rejected"),
        ):
            conn.execute(
                sa.text(
                    "insert into raw.load_ledger (file_hash, source_uri, source_file, batch_id, "
                    "status, rows_read, rows_loaded, rows_quarantined, loaded_at) values "
                    f"('h', 'u', '{relative}', 'b', '{status}', 0, 0, 0, "
                    f"timestamp '2026-12-0{day} 08:00:00')"
                )
            )
    root = str(landing)
    since = datetime(2026, 12, 5)
    assert ingest.files_to_reload(engine, root, planned, ["crm"]) == ["crm/a.csv", "crm/b.csv"]
    assert ingest.files_to_reload(engine, root, planned, ["*/*.jsonl"]) == ["web/c.jsonl"]
    assert ingest.files_to_reload(engine, root, planned, [str(landing / "crm/b.csv")]) == [
        "crm/b.csv"
    ]
    assert ingest.files_to_reload(engine, root, planned, ["crm"], since) == ["crm/b.csv"]
    assert ingest.files_to_reload(engine, root, planned, [], since) == ["crm/b.csv"]
    with pytest.raises(ConfigurationError, match="reload web/none.csv: no landing file"):
        ingest.files_to_reload(engine, root, planned, ["web/none.csv"])

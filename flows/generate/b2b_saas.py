"""The sample's business: LeadFlow selling its lead-qualification product to companies.

``generate()`` writes the landing layout that the mapping profiles in ``sources/mappings/``
describe, plus a hidden truth table under ``_truth/`` (ignored by ingestion). People are
made in chunks of ``CHUNK`` with a ``numpy.random.Generator(PCG64)`` seeded from ``(seed,
chunk index)``, and rows are streamed to the files, so memory stays bounded: per person only
an 8-byte e-mail hash is kept (to keep e-mails unique); per company a few numbers. Activity
draws from its own stream ``(seed, 3, chunk index)`` and sales from ``(seed, 5, chunk
index)``, so the contact exports do not depend on them.

Each person's hidden propensity drives the activity: high-propensity people browse more
(product, features, pricing, case studies), click e-mails and ask for demos; low-propensity
people mostly open e-mails and read the blog, careers and support pages.

The propensity comes from industry, company size, seniority and territory, plus noise. Two of
those weights differ from the shipped ICP on purpose (``INDUSTRY_WEIGHT``, ``LEVEL_WEIGHT``):
retail and telecom buy more and financial services and healthcare less than the ICP's points
say, and directors more than executives. That is the drift a calibration from outcomes
(``leadflow calibrate``) is there to find.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from flows.generate.cards import CardExports
from flows.generate.common import (
    CHUNK,
    DAY,
    Outputs,
    Period,
    _add_months,
    _epoch,
    _fmt,
    _pick,
    _rng,
    _slug,
)
from flows.generate.companies import (
    INDUSTRIES,
    LEGAL,
    NOUN_INDUSTRY,
    Companies,
    _make_companies,
    _write_companies,
)
from flows.generate.events import WEBINAR_TOPICS, EventExports
from flows.generate.forms import FORMS, FormExports
from flows.generate.people import (
    BUSINESS,
    COMPETITOR,
    COMPETITORS,
    EMAIL_PATTERNS,
    FREEMAIL_KIND,
    LEVEL_P,
    LEVELS,
    SHOWCASE,
    STUDENT,
    UNIVERSITIES,
    People,
    _email_local,
    _phone,
    _title,
)
from flows.generate.sales import SalesExports
from flows.generate.site import Site
from flows.generate.subscriptions import NewsletterExports
from flows.generate.web import WebActivity
from flows.generate.world import (
    _CI,
    COMPANY_COUNTRY_WEIGHTS,
    COUNTRIES,
    CULTURE_OF,
    EXPAT_CULTURES,
    FREEMAIL,
    NAMES,
    TERRITORY,
)

# How much each industry adds to the hidden propensity to buy. The market differs from the
# shipped ICP (config/icp.yml) here on purpose, as markets drift from what marketing wrote
# down: retail and telecom run the high-volume lead funnels the product serves and buy as
# often as software companies, while financial services and healthcare come to learn but buy
# through procurement cycles longer than a sales horizon. The ICP still scores them the other
# way round, so a calibration from outcomes has something real to find.
INDUSTRY_WEIGHT = np.array(
    [
        {"Software": 0.9, "Financial Services": -0.4, "Healthcare": -0.4, "Manufacturing": 0.5,
         "Retail": 1.0, "Logistics": 0.9, "Telecommunications": 1.0, "Media": 0.3,
         "Education": 0.0, "Government": -0.3, "Hospitality": 0.3, "Agriculture": 0.0}[i]
        for i in INDUSTRIES
    ]
)  # fmt: skip


# How much each level adds to the hidden propensity. Also unlike the shipped ICP, which gives
# executives the most points: the leads that turn into opportunities are the directors and
# heads who run an evaluation (and their managers); executives fill a form to see a demo and
# hand it on.
LEVEL_WEIGHT = np.array([-0.1, 0.5, 1.0, 0.6, -0.1, -0.2])


TRUTH_SCHEMA = pa.schema(
    [
        ("person_id", pa.string()),
        ("email", pa.string()),
        ("company_domain", pa.string()),
        ("segment", pa.string()),
        ("propensity", pa.float64()),
        ("first_seen_at", pa.timestamp("us", tz="UTC")),
        ("first_name", pa.string()),
        ("last_name", pa.string()),
        ("country", pa.string()),
        ("seniority", pa.string()),
        ("sources", pa.string()),
        ("n_records", pa.int32()),
        ("converted", pa.bool_()),
        ("visitor_ids", pa.list_(pa.string())),
    ]
)


SOURCES = ["forms", "tradeshow", "webinar", "cards", "newsletter"]


class B2BSaaSMarket(
    FormExports, EventExports, CardExports, NewsletterExports, WebActivity, SalesExports
):
    """The sample's business: LeadFlow selling its product to companies. People work at
    generated companies (some are students, competitors, free-mail users); each chunk of
    people gets its contact exports, activity and sales' side."""

    def __init__(
        self,
        seed: int,
        comp: Companies,
        period: Period,
        out: Outputs,
        web_format: str = "jsonl",
        follow_up: float = 0.0,
    ) -> None:
        self.seed = seed
        self.follow_up = follow_up
        self.comp = comp
        self.period = period
        self.out = out
        self.seen = np.empty(0, dtype=np.uint64)
        self.site = Site(period)
        self._open_forms()
        self._open_events()
        self._open_cards()
        self._open_newsletter()
        self._open_web(web_format)
        self._open_email()
        self._open_sales()
        self.truth_out = out.parquet("_truth/people.parquet", TRUTH_SCHEMA)

    # ---- people

    def people(self, r: np.random.Generator, k: int, base: int, n: int) -> People:
        comp = self.comp
        u = r.random(n)
        kind = np.select([u < 0.08, u < 0.11, u < 0.13], [FREEMAIL_KIND, STUDENT, COMPETITOR], 0)
        company = np.searchsorted(comp.cdf, r.random(n), side="right").clip(0, comp.n - 1)
        employed = (kind == BUSINESS) | ((kind == FREEMAIL_KIND) & (r.random(n) < 0.6))
        company = np.where(employed, company, -1)
        uni = r.integers(0, len(UNIVERSITIES), n)
        rival = r.integers(0, len(COMPETITORS), n)
        own_country = r.choice(len(COUNTRIES), size=n, p=COMPANY_COUNTRY_WEIGHTS)
        female = r.random(n) < 0.46
        expat = r.random(n)
        u_first, u_last, u_last2 = r.random(n), r.random(n), r.random(n)
        double_surname = r.random(n) < 0.3
        level = np.searchsorted(np.cumsum(LEVEL_P), r.random(n), side="right").clip(0, 5)
        u_lang, u_title = r.random(n), r.random(n)
        phone_r = r.integers(0, 2**62, n)
        phone_style = r.integers(0, 12, n)
        u_free = r.random(n)
        free_num = r.integers(1, 100, n)
        u_freestyle = r.random(n)
        noise = r.normal(0.0, 0.85, n)
        u_org = r.random(n)

        # showcase overrides (chunk 0 only)
        show = SHOWCASE[:n] if k == 0 else []
        extra: list[dict[str, Any]] = [{} for _ in range(n)]
        for i, s in enumerate(show):
            cc = _CI[s["cc"]]
            kind[i] = BUSINESS
            if s.get("acme"):
                company[i] = 0
            else:
                same = np.flatnonzero(comp.country == cc)
                company[i] = int(same[(i * 7) % len(same)]) if same.size else company[i]
            own_country[i] = comp.country[company[i]]
            expat[i] = 1.0
            female[i] = s["f"]
            level[i] = LEVELS.index(s["level"])
            extra[i] = s

        countries: list[str] = []
        cultures: list[str] = []
        for i in range(n):
            if company[i] >= 0:
                cc = COUNTRIES[comp.country[company[i]]]
            elif kind[i] == STUDENT:
                cc = UNIVERSITIES[uni[i]][2]
            elif kind[i] == COMPETITOR:
                cc = COMPETITORS[rival[i]][2]
            else:
                cc = COUNTRIES[own_country[i]]
            countries.append(cc)
            cult = CULTURE_OF[cc]
            if expat[i] < 0.12:
                cult = _pick(expat[i] / 0.12, EXPAT_CULTURES)
            cultures.append(cult)

        # propensity: industry, company size, seniority, territory, plus noise
        has_c = company >= 0
        cidx = np.where(has_c, company, 0)
        ind = NOUN_INDUSTRY[comp.noun[cidx]]
        emp = comp.employees[cidx]
        sweet = has_c & (emp >= 200) & (emp <= 5000)
        near = has_c & (((emp >= 50) & (emp < 200)) | ((emp > 5000) & (emp <= 20000)))
        in_terr = np.array([c in TERRITORY for c in countries])
        z = (
            -2.1
            + np.where(has_c, INDUSTRY_WEIGHT[ind], 0.0)
            + 0.9 * sweet
            + 0.35 * near
            + 0.6 * in_terr
            + LEVEL_WEIGHT[level]
            + noise
            - np.select([kind == FREEMAIL_KIND, kind == STUDENT, kind == COMPETITOR],
                        [1.0, 2.5, 2.5], 0.0)
        )  # fmt: skip
        prop = 1.0 / (1.0 + np.exp(-z))

        p = People(
            chunk=k, ids=[f"P{base + i + 1:08d}" for i in range(n)],
            first=[], last=[], female=female, country=countries, kind=kind, segment=[],
            comp=company, org_name=[], org_legal=[], org_domain=[], email=[], email_domain=[],
            level=level, title=[], title_lang=[], phone=[], prop=prop, extra=extra,
        )  # fmt: skip
        for i in range(n):
            cc, cult, s = countries[i], cultures[i], extra[i]
            males, females, lasts = NAMES[cult]
            if s:
                first, last = s["first"], s["last"]
            else:
                first = _pick(u_first[i], females if female[i] else males).replace("|", " ")
                last = _pick(u_last[i], lasts).replace("|", " ")
                if cult == "es" and double_surname[i]:
                    second = _pick(u_last2[i], lasts)
                    if second != last:
                        last = f"{last} {second}"
            p.first.append(first)
            p.last.append(last)
            german = cult == "de" and u_last2[i] < 0.8
            c = int(company[i])
            if kind[i] == STUDENT:
                dom, name, _, student_titles = UNIVERSITIES[uni[i]]
                legal, org_domain = name, dom
                title = _pick(u_title[i], student_titles)
                if cc == "DE" and u_title[i] > 0.8:
                    title = "Doktorand"
                local = _email_local(first, last, "first.last", german)
                seg, lang = "student", "en"
            elif kind[i] == COMPETITOR:
                dom, name, _, pattern, legal = COMPETITORS[rival[i]]
                org_domain = dom
                local = _email_local(first, last, pattern, german)
                seg, lang = "competitor", "en"
                title = _title(int(level[i]), lang, bool(female[i]), u_title[i])
            else:
                lang = "en"
                if cc in ("ES", "MX", "AR") and cult == "es" and u_lang[i] < 0.35:
                    lang = "es"
                elif cc == "DE" and cult == "de" and u_lang[i] < 0.25:
                    lang = "de"
                title = _title(int(level[i]), lang, bool(female[i]), u_title[i])
                if c >= 0:
                    name = comp.name(c)
                    legal = LEGAL[COUNTRIES[comp.country[c]]][comp.legal[c]]
                    org_domain = comp.domain(c)
                else:
                    name = _pick(u_org[i], ["", "", "Freelance", "Self-employed", "-", "N/A"])
                    if cc in ("ES", "MX", "AR") and name == "Self-employed":
                        name = "Autónomo"
                    legal, org_domain = "", None
                if kind[i] == FREEMAIL_KIND:
                    seg = "freemail"
                    doms, probs = FREEMAIL.get(cult, FREEMAIL["*"])
                    dom = doms[int(np.searchsorted(np.cumsum(probs), u_free[i] * 0.999999))]
                    style = u_freestyle[i]
                    fs, ls = _slug(first, german), _slug(last.split()[0], german)
                    if style < 0.35:
                        local = f"{fs}.{ls}{free_num[i]}"
                    elif style < 0.6:
                        local = f"{fs}{ls}"
                    elif style < 0.8:
                        local = f"{fs[:1]}{ls}{1960 + free_num[i] % 45}"
                    else:
                        local = f"{fs}_{ls}"
                else:
                    seg = "fit" if cc in TERRITORY else "out_of_territory"
                    dom = org_domain or ""
                    local = _email_local(first, last, EMAIL_PATTERNS[comp.pattern[c]], german)
            if s:
                title = s["title"]
            p.segment.append(seg)
            p.org_name.append(name)
            p.org_legal.append(legal)
            p.org_domain.append(org_domain)
            p.email.append(f"{local}@{dom}")
            p.email_domain.append(dom)
            p.title.append(title)
            p.title_lang.append(lang)
            p.phone.append(_phone(cc, int(phone_r[i]), int(phone_style[i])))
        self._unique_emails(p)
        return p

    # ---- sources

    def chunk(self, k: int, base: int, n: int) -> None:
        r = _rng(self.seed, 0, k)
        p = self.people(r, k, base, n)
        prop = p.prop
        per = self.period

        probs = np.stack(
            [0.31 + 0.45 * prop, 0.11 + 0.15 * prop, 0.08 + 0.35 * prop,
             0.035 + 0.16 * prop, np.full(n, 0.17)], axis=1,
        )  # fmt: skip
        flags = r.random((n, 5)) < probs
        none = ~flags.any(axis=1)
        pick = r.choice(5, size=n, p=np.array([0.6, 0.2, 0.25, 0.12, 0.2]) / 1.37)
        flags[none, pick[none]] = True
        flags[flags.all(axis=1), 4] = False
        extra_forms = r.poisson(0.1 + 1.5 * prop**1.5)
        repeat = r.random((n, 3)) < [0.04, 0.05, 0.03]
        for i, s in enumerate(p.extra):
            if s:
                flags[i] = [name in s["src"] for name in SOURCES]
                extra_forms[i] = s["src"].get("forms", 1) - 1
                repeat[i] = False
        counts = {
            "forms": flags[:, 0] * (1 + extra_forms),
            "tradeshow": flags[:, 1] * (1 + repeat[:, 0]),
            "cards": flags[:, 3] * (1 + repeat[:, 1]),
            "newsletter": flags[:, 4] * (1 + repeat[:, 2]),
        }
        # webinar: one or more of the webinars; attendance rises with propensity
        nw = len(per.webinar_ts)
        wflags = (r.random((n, nw)) < (0.12 + 0.4 * prop)[:, None]) & flags[:, 2:3]
        first_w = r.integers(0, nw, n)
        lonely = flags[:, 2] & ~wflags.any(axis=1)
        wflags[lonely, first_w[lonely]] = True

        first_seen = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
        n_records = np.zeros(n, dtype=np.int64)

        def seen(person: np.ndarray, ts: np.ndarray) -> None:
            np.minimum.at(first_seen, person, ts)
            np.add.at(n_records, person, 1)

        # Activity has its own random stream, so the contact exports do not depend on it.
        ra = _rng(self.seed, 3, k)
        vis = self._visitors(ra, p, base, counts["forms"] > 0)
        forms = self._forms(r, p, counts["forms"], ra, vis)
        seen(forms.person, forms.ts)
        seen(*self._tradeshow(r, p, counts["tradeshow"]))
        w_person, w_ts, w_which = self._webinars(r, p, wflags)
        seen(w_person, w_ts)
        seen(*self._cards(r, p, counts["cards"]))
        seen(*self._newsletter(r, p, counts["newsletter"]))
        news = flags[:, 4].copy()
        news[forms.person[forms.form == FORMS.index("Newsletter")]] = True
        self._activity(ra, p, vis, forms, (w_person, w_ts, w_which), first_seen, news)

        converted = r.random(n) < 0.5 * prop
        # Sales has its own random stream too: every other export is independent of it.
        self._sales(_rng(self.seed, 5, k), p, vis, forms, converted, first_seen)
        src_names = [
            ",".join(s for s, f in zip(SOURCES, row, strict=True) if f)
            for row in np.column_stack([flags[:, :2], wflags.any(axis=1), flags[:, 3:]])
        ]
        batch = pa.table(
            {
                "person_id": p.ids,
                "email": p.email,
                "company_domain": p.org_domain,
                "segment": p.segment,
                "propensity": np.round(prop, 6),
                "first_seen_at": pa.array(first_seen * 1_000_000, pa.timestamp("us", tz="UTC")),
                "first_name": p.first,
                "last_name": p.last,
                "country": p.country,
                "seniority": [LEVELS[lv] for lv in p.level],
                "sources": src_names,
                "n_records": n_records.astype(np.int32),
                "converted": converted,
                "visitor_ids": [
                    vis.text[vis.start[i] : vis.start[i] + vis.count[i]] for i in range(n)
                ],
            },
            schema=TRUTH_SCHEMA,
        )
        self.truth_out.write(batch)


def _period(start: date, months: int) -> Period:
    t0 = _epoch(start)
    month_starts = np.array([_epoch(_add_months(start, i)) for i in range(months + 1)])
    t1 = int(month_starts[-1])
    show_day = start + timedelta(days=int((t1 - t0) / DAY * 0.55))
    show_day += timedelta(days=(1 - show_day.weekday()) % 7)  # a Tuesday
    if _epoch(show_day) + 2 * DAY > t1:
        show_day = datetime.fromtimestamp(t1 - 3 * DAY, UTC).date()
    show_local = _epoch(show_day)
    nw = 3 if months >= 4 else 2
    webinar_ts, slugs = [], []
    for w in range(nw):
        ts = t0 + int((t1 - t0) * (w + 1) / (nw + 1)) // DAY * DAY + 16 * 3600
        webinar_ts.append(ts)
        slugs.append(f"{WEBINAR_TOPICS[w]}-{_fmt(ts, '%Y-%m')}")
    return Period(
        t0=t0, t1=t1, month_starts=month_starts, show_local=show_local,
        show_slug=f"bigdata-madrid-{show_day.year}", webinar_ts=webinar_ts, webinar_slugs=slugs,
    )  # fmt: skip


def generate(
    leads: int,
    seed: int,
    out: Path,
    start: date = date(2026, 1, 1),
    months: int = 10,
    web_format: str = "jsonl",
    follow_up: float = 0.0,
) -> dict:
    """Write a synthetic landing folder under ``out`` and return what was written.

    ``leads`` distinct people over ``months`` months from ``start`` (first of a month is
    assumed; the day is ignored). The same arguments always give byte-identical files.
    ``web_format`` is how the website activity is exported: ``"jsonl"`` (the CDP's nested
    JSON lines) or ``"parquet"`` (the same events, flat, for large benchmark runs); the
    events are the same either way. ``follow_up`` (0 to 1, default 0 as in the sample) is the
    share of the leads that never raised a hand whom sales development also calls and
    decides on, as it does the hand-raisers; the other exports do not change with it.
    Returns ``{"files": {relative path: data rows}, "people": int, "companies": int}``;
    ``companies`` counts the generated companies (those without enrichment included,
    universities and competitors excluded).
    """
    if leads < 1 or months < 1 or seed < 0:
        raise ValueError("leads and months must be positive and seed non-negative")
    if not 0.0 <= follow_up <= 1.0:
        raise ValueError(f"follow_up must be within 0..1, not {follow_up}")
    if web_format not in ("jsonl", "parquet"):
        raise ValueError(f"web_format must be 'jsonl' or 'parquet', not {web_format!r}")
    start = date(start.year, start.month, 1)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    period = _period(start, months)
    n_companies = max(60, round(leads / 6))
    comp = _make_companies(n_companies, seed, period.t0, period.t1)
    (out / "firmographics").mkdir(parents=True, exist_ok=True)
    firmo_rows = _write_companies(comp, out / "firmographics" / "companies.parquet")
    outputs = Outputs(out)
    try:
        market = B2BSaaSMarket(seed, comp, period, outputs, web_format, follow_up)
        for k, base in enumerate(range(0, leads, CHUNK)):
            market.chunk(k, base, min(CHUNK, leads - base))
            pa.default_memory_pool().release_unused()  # Arrow's allocator keeps freed pages
    finally:
        outputs.close()
    files = {"firmographics/companies.parquet": firmo_rows, **outputs.counts}
    return {"files": dict(sorted(files.items())), "people": leads, "companies": n_companies}

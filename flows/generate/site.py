"""The website's pages and the campaigns and e-mail program of a period, as lookup arrays
shared by the web, e-mail and form families.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from flows.generate.common import DAY, MONTH_ABBR, Period, _csv_field, _fmt
from flows.generate.events import WEBINAR_TOPICS
from flows.generate.forms import UTMS

SITE = "https://www.leadflow.example"


PAGE_CATS = [
    "home", "product", "features", "pricing", "blog", "case", "docs", "careers", "support",
    "webinars",
]  # fmt: skip
_T = " | LeadFlow"
SITE_PAGES: dict[str, list[tuple[str, str]]] = {
    "home": [("/", "LeadFlow: qualified leads from every source")],
    "product": [("/product", "Product" + _T)],
    "features": [
        ("/features/lead-scoring", "Lead scoring" + _T),
        ("/features/identity-resolution", "Identity resolution" + _T),
        ("/features/routing", "Lead routing" + _T),
        ("/features/integrations", "Integrations" + _T),
        ("/features/enrichment", "Enrichment" + _T),
    ],
    "pricing": [("/pricing", "Pricing" + _T)],
    "blog": [
        (f"/blog/{slug}", f"{title}{_T} Blog")
        for slug, title in [
            ("what-is-an-mql", "What is an MQL, really?"),
            ("lead-scoring-101", "Lead scoring 101"),
            ("icp-workshop-template", "An ICP workshop template"),
            ("utm-naming-conventions", "UTM naming conventions that survive"),
            ("gdpr-consent-for-marketers", "GDPR consent for marketers"),
            ("dedupe-your-crm", "Dedupe your CRM in a weekend"),
            ("abm-on-a-budget", "ABM on a budget"),
            ("revops-metrics-that-matter", "RevOps metrics that matter"),
            ("webinar-follow-up-emails", "Webinar follow-up e-mails that work"),
            ("b2b-attribution-models", "B2B attribution models compared"),
        ]
    ],
    "case": [
        ("/case-studies/acme-logistics", "Acme Logistics cut lead response time by 60%" + _T),
        ("/case-studies/northwind-finance", "Northwind Finance: one view of every lead" + _T),
        ("/case-studies/helix-health", "Helix Health scores 40k leads a month" + _T),
        ("/case-studies/cobalt-manufacturing", "Cobalt Manufacturing goes ABM" + _T),
    ],
    "docs": [
        (f"/docs/{slug}", f"{title}{_T} Docs")
        for slug, title in [
            ("getting-started", "Getting started"),
            ("mapping-profiles", "Mapping profiles"),
            ("identity-resolution", "Identity resolution"),
            ("api-reference", "API reference"),
            ("dbt-integration", "dbt integration"),
            ("sso-setup", "Single sign-on"),
        ]
    ],
    "careers": [
        ("/careers", "Careers" + _T),
        ("/careers/senior-data-engineer", "Senior Data Engineer (Madrid or remote)" + _T),
        ("/careers/account-executive-madrid", "Account Executive, Madrid" + _T),
        ("/careers/marketing-intern", "Marketing Intern" + _T),
        ("/careers/customer-success-manager", "Customer Success Manager" + _T),
    ],
    "support": [
        ("/support/reset-password", "Reset your password" + _T + " Support"),
        ("/support/billing", "Billing and invoices" + _T + " Support"),
        ("/support/import-errors", "Fixing import errors" + _T + " Support"),
        ("/support/contact", "Contact support" + _T),
    ],
    # webinar pages are added per period (one per webinar)
}


# E-mail program: ESP event names, monthly newsletter, webinar invites, one product update,
# and a three-step nurture sequence after a person's first capture (days after it).


NURTURE = [
    (1, "Nurture 1: Welcome to LeadFlow", "nurture-welcome"),
    (8, "Nurture 2: How Acme Logistics qualifies leads", "nurture-case-study"),
    (18, "Nurture 3: Ready for a demo?", "nurture-demo"),
]
WEBINAR_TITLES = {
    "pipeline-analytics": "Pipeline analytics",
    "lead-scoring-playbook": "The lead scoring playbook",
    "revops-benchmarks": "RevOps benchmarks",
}


@dataclass
class Campaign:
    name: str  # as the e-mail tool shows it
    slug: str  # utm_campaign
    source: str
    ts: int | None  # send time; None for nurture steps (days after first capture)
    days: int = 0
    newsletter: bool = False


class Site:
    """The website's pages, the campaigns and the e-mail program of a period, as lookup
    arrays (Arrow arrays are taken by index when writing)."""

    def __init__(self, period: Period) -> None:
        pages: list[tuple[str, str, int]] = []
        for c, cat in enumerate(PAGE_CATS):
            if cat == "webinars":
                entries = [
                    (f"/webinars/{slug}", f"Webinar: {WEBINAR_TITLES[WEBINAR_TOPICS[w]]}{_T}")
                    for w, slug in enumerate(period.webinar_slugs)
                ]
            else:
                entries = SITE_PAGES[cat]
            pages += [(path, title, c) for path, title in entries]
        cats = np.array([c for *_, c in pages])
        self.cat_start = np.searchsorted(cats, np.arange(len(PAGE_CATS)))
        self.cat_len = np.bincount(cats, minlength=len(PAGE_CATS))
        paths = [path for path, *_ in pages]
        self.webinar_page = [paths.index(f"/webinars/{slug}") for slug in period.webinar_slugs]
        self.path = pa.array([path for path, *_ in pages])
        self.url = pa.array([SITE + path for path, *_ in pages])
        self.title = pa.array([title for _, title, _ in pages])
        for path, title, _ in pages:  # written into JSON lines as they are
            assert json.dumps(path + title, ensure_ascii=False) == f'"{path}{title}"'

        # E-mail campaigns: monthly newsletter, webinar invites, a product update, nurture.
        program: list[Campaign] = []
        for ms in period.month_starts[:-1]:
            ts = int(ms) + 4 * DAY + 9 * 3600
            month = f"{MONTH_ABBR[time.gmtime(ts).tm_mon - 1]} {time.gmtime(ts).tm_year}"
            program.append(
                Campaign(f"Newsletter {month}", f"newsletter-{_fmt(ts, '%Y-%m')}",
                          "newsletter", ts, newsletter=True)
            )  # fmt: skip
        for w, wts in enumerate(period.webinar_ts):
            topic = WEBINAR_TOPICS[w]
            program.append(
                Campaign(f"Webinar invite: {WEBINAR_TITLES[topic]}",
                          f"webinar-invite-{period.webinar_slugs[w]}", "marketing-email",
                          wts - 14 * DAY - 7 * 3600)
            )  # fmt: skip
        update = period.t0 + int((period.t1 - period.t0) * 0.6) // DAY * DAY + 10 * 3600
        program.append(
            Campaign("Product update: identity resolution is here",
                      f"product-update-{_fmt(update, '%Y-%m')}", "marketing-email", update)
        )  # fmt: skip
        for days, name, slug in NURTURE:
            program.append(Campaign(name, slug, "nurture", None, days=days))
        self.program = program
        self.invite_of_webinar = [
            next(c for c, camp in enumerate(program) if camp.slug.endswith(slug))
            for slug in period.webinar_slugs
        ]
        self.esp_name = pa.array([_csv_field(c.name) for c in program])

        # Campaign context of page views: 0 is none, then paid/social, then the e-mails.
        web = [("", "", "")]
        for src, med, camp in UTMS:
            if med != "email":
                web += [(f"{camp}-{lang}", src, med) for lang in ("en", "es", "de")]
        self.n_paid = len(web) - 1
        self.camp_of_email = np.arange(len(program)) + len(web)
        web += [(c.slug, c.source, "email") for c in program]
        self.camp_index = {entry: i for i, entry in enumerate(web) if i}
        self.camp_name = pa.array([e[0] or None for e in web], pa.string())
        self.camp_source = pa.array([e[1] or None for e in web], pa.string())
        self.camp_medium = pa.array([e[2] or None for e in web], pa.string())
        self.camp_query = pa.array(
            [f"?utm_source={src}&utm_medium={med}&utm_campaign={name}" if name else ""
             for name, src, med in web]
        )  # fmt: skip

    def pages_of(self, r: np.random.Generator, cat: np.ndarray) -> np.ndarray:
        """A page of each category, uniformly."""
        return self.cat_start[cat] + (r.random(len(cat)) * self.cat_len[cat]).astype(np.int64)

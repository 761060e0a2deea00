"""Example business ``online-education``: Brightwell Academy, an online school selling
professional certificate courses (data analytics, project management, digital marketing, ...)
to individuals in the UK, Ireland and Spain, some paid for by their employer.

Its landing data is a consumer CRM's exports (``flows.generate.lead_crm``): leads with their
properties on the contact, an activity log, and the outcome of each decided lead. There is no
company file: most leads use free-mail addresses, and the few with a work address carry their
industry and company size on the contact. Mapping profiles and configuration for it are in
``examples/online-education/``.

Each lead has a hidden propensity to enrol. It comes from the lead's attributes (occupation,
lead origin, lead source, course interest) and from its behaviour (time on the website, phone
conversations, WhatsApp messages, a counselling session booked, calls nobody answered), plus
noise. The shipped example configuration under-weights it in documented ways, so that a
calibration from outcomes has something real to find:

- the ICP gives students nearly as many points as working professionals; students rarely
  enrol (``OCCUPATION_WEIGHT``);
- the ICP ignores the lead origin and source; leads from the "Lead Add Form" (referrals,
  partner sites) enrol the most (``ORIGIN_WEIGHT``, ``SOURCE_WEIGHT``);
- time on the website is the strongest behavioural signal, and the configuration gives it few
  points (``TIME_WEIGHT``);
- scoring gives points for SMS sent, which the school sends to everyone (no signal), and few
  for phone conversations and WhatsApp messages, which predict enrolment
  (``BEHAVIOUR_WEIGHT``); calls nobody answered predict the opposite and score nothing.

Generation is column-wise (NumPy, Arrow) per chunk of ``CHUNK`` leads from the random stream
``(seed, 10, chunk)`` (activity ``(seed, 11, chunk)``), so 100,000 leads take seconds.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa

from flows.generate.common import (
    CHUNK,
    DAY,
    Outputs,
    Period,
    _add_months,
    _daytime,
    _epoch,
    _fmt,
    _h64,
    _hex_ids,
    _rng,
    _slug,
)
from flows.generate.companies import INDUSTRY_NOUNS, _brands
from flows.generate.lead_crm import ActivityColumns, LeadCrmExports
from flows.generate.people import _phone
from flows.generate.world import COUNTRY_EN, CULTURE_OF, FREEMAIL, NAMES

NAME = "online-education"
SITE = "https://www.brightwell.example"

COUNTRY = ["GB", "IE", "ES", "IN", "US", "DE", "FR"]
COUNTRY_P = [0.52, 0.10, 0.16, 0.09, 0.05, 0.05, 0.03]
CITIES = {
    "GB": ["London", "Manchester", "Birmingham", "Leeds", "Glasgow", "Bristol", "Edinburgh"],
    "IE": ["Dublin", "Cork", "Galway"],
    "ES": ["Madrid", "Barcelona", "Valencia", "Sevilla", "Bilbao"],
    "IN": ["Mumbai", "Bengaluru", "Pune", "Delhi"],
    "US": ["New York", "Austin", "Chicago"],
    "DE": ["Berlin", "Munich", "Hamburg"],
    "FR": ["Paris", "Lyon"],
}
WORK_TLD = {"GB": ".co.uk", "IE": ".ie", "ES": ".es", "DE": ".de", "FR": ".fr"}

# Lead properties and how much each value adds to the hidden propensity (logit scale).
OCCUPATIONS = ["Working Professional", "Student", "Unemployed", "Self-employed",
               "Career Break", "Other", None]  # fmt: skip
OCCUPATION_P = [0.40, 0.20, 0.14, 0.08, 0.04, 0.03, 0.11]
OCCUPATION_WEIGHT = np.array([1.5, -1.1, 0.2, 0.7, 0.3, -0.4, -0.6])
SPECIALIZATIONS = ["Data Analytics", "Project Management", "Digital Marketing",
                   "Software Development", "UX Design", "Finance", "Human Resources",
                   "Business Administration", "Select", None]  # fmt: skip
SPECIALIZATION_P = [0.16, 0.13, 0.12, 0.10, 0.06, 0.07, 0.05, 0.06, 0.19, 0.06]
SPECIALIZATION_WEIGHT = np.array([0.3, 0.3, 0.0, 0.2, 0.0, 0.1, -0.1, 0.0, -0.3, -0.3])
ORIGINS = ["Landing Page Submission", "API", "Lead Add Form", "Lead Import", "Quick Add Form"]
ORIGIN_P = [0.50, 0.32, 0.08, 0.06, 0.04]
ORIGIN_WEIGHT = np.array([0.1, -0.4, 2.0, -1.0, 0.4])
SOURCES = ["Google", "Direct Traffic", "Organic Search", "Live Chat", "Reference", "Facebook",
           "LinkedIn", "Referral Sites", "Partner Website"]  # fmt: skip
SOURCE_P = [0.31, 0.26, 0.12, 0.17, 0.02, 0.04, 0.04, 0.02, 0.02]
SOURCE_WEIGHT = np.array([0.0, -0.1, 0.1, 0.4, 1.0, -0.7, 0.3, -0.2, 0.8])
HEARD = ["Select", "Online Search", "Word Of Mouth", "Social Media", "Advertisements",
         "Employer", "Other", None]  # fmt: skip
HEARD_P = [0.45, 0.12, 0.06, 0.08, 0.05, 0.04, 0.05, 0.15]
TITLES = {  # job titles of working professionals, by seniority (0 junior .. 2 senior)
    0: ["Data Analyst", "Marketing Executive", "Software Engineer", "HR Assistant",
        "Accounts Assistant", "Customer Service Advisor", "Junior Developer"],
    1: ["Project Manager", "Marketing Manager", "Team Lead", "Product Owner",
        "Finance Manager", "Operations Manager"],
    2: ["Head of Operations", "Director of Marketing", "Founder", "CTO", "Managing Director"],
}  # fmt: skip
INDUSTRIES = list(INDUSTRY_NOUNS)
FEES = {"GB": ("GBP", [1495, 2450, 3200]), "IE": ("EUR", [1695, 2750, 3600]),
        "ES": ("EUR", [1295, 1995, 2900]), "*": ("EUR", [1495, 2450, 3200])}  # fmt: skip

# Activity labels as the CRM names them, in ``Act`` order; the mapping profile maps them.
ACTIVITIES = [
    "Page Visited on Website", "Email Opened", "Email Link Clicked", "Form Submitted on Website",
    "Brochure Downloaded", "Counselling Session Booked", "Fee Enquiry", "SMS Sent",
    "Olark Chat Conversation", "Unreachable", "Had a Phone Conversation", "WhatsApp Message",
    "Unsubscribed", "Email Bounced", "Lead Assigned", "View in browser link Clicked",
]  # fmt: skip
(PAGE, OPEN, CLICK, FORM, BROCHURE, COUNSELLING, FEE_ENQUIRY, SMS, CHAT, UNREACHABLE, PHONE,
 WHATSAPP, UNSUBSCRIBED, BOUNCED, ASSIGNED, VIEW_IN_BROWSER) = range(len(ACTIVITIES))  # fmt: skip
# Behaviour that moves the propensity beyond what the attributes say (logit scale), and
# time on the website per 10 minutes (at most 40 minutes count).
BEHAVIOUR_WEIGHT = {PHONE: 1.1, COUNSELLING: 0.8, WHATSAPP: 0.35, UNREACHABLE: -0.45}
TIME_WEIGHT = 0.55
PAGES_LO = ["/", "/blog/how-to-change-careers", "/blog/salary-guide", "/careers", "/about"]
PAGES_HI = ["/courses", "/fees", "/apply", "/financing", "/courses/syllabus"]
CAMPAIGNS = ["Spring intake", "Career change guide", "Employer sponsorship", "Last places"]
BROKEN_RATE = 0.002  # lead rows with an unreadable number or e-mail, beyond chunk 0's forced ones
REPEAT_RATE = 0.012  # leads who enquire again: a second lead record for the same person
TRUTH_SCHEMA = pa.schema(
    [
        ("prospect_id", pa.string()),
        ("email", pa.string()),
        ("occupation", pa.string()),
        ("lead_origin", pa.string()),
        ("lead_source", pa.string()),
        ("time_on_site_seconds", pa.int64()),
        ("propensity", pa.float64()),
        ("converted", pa.bool_()),
        ("created_at", pa.timestamp("s", tz="UTC")),
        ("decided_at", pa.timestamp("s", tz="UTC")),
    ]
)


def _choice(r: np.random.Generator, items: list, p: list[float], n: int) -> np.ndarray:
    """Indices into ``items`` drawn with probabilities ``p``."""
    return r.choice(len(items), size=n, p=np.asarray(p) / np.sum(p))


def _names(r: np.random.Generator, cc: np.ndarray, female: np.ndarray) -> tuple[list, list]:
    """First and last names from each country's name pool."""
    n = len(cc)
    first, last = np.empty(n, dtype=object), np.empty(n, dtype=object)
    for country in np.unique(cc):
        idx = np.flatnonzero(cc == country)
        males, females, lasts = NAMES[CULTURE_OF[country]]
        pool_m, pool_f = np.array(males, dtype=object), np.array(females, dtype=object)
        pick_m = r.integers(0, len(males), len(idx))
        pick_f = r.integers(0, len(females), len(idx))
        first[idx] = np.where(female[idx], pool_f[pick_f], pool_m[pick_m])
        last[idx] = np.array(lasts, dtype=object)[r.integers(0, len(lasts), len(idx))]
    first = [s.replace("|", " ") for s in first]
    last = [s.replace("|", " ") for s in last]
    return first, last


class OnlineEducation(LeadCrmExports):
    """Brightwell Academy's leads, their activity and their outcomes, chunk by chunk."""

    def __init__(self, seed: int, period: Period, out: Outputs) -> None:
        self.seed = seed
        self.period = period
        self.out = out
        self.seen: set[str] = set()
        brands = _brands()
        nouns = [(noun, ind) for ind, ns in INDUSTRY_NOUNS.items() for noun in ns]
        g = _rng(seed, 12, 0)
        picks = g.choice(len(brands) * len(nouns), size=400, replace=False)
        self.employers = [
            (f"{brands[c // len(nouns)]} {nouns[c % len(nouns)][0]}", nouns[c % len(nouns)][1])
            for c in picks
        ]
        self.employer_size = np.clip(np.rint(g.lognormal(np.log(120), 1.6, 400)), 2, 60_000)
        self._open_lead_crm()
        self.truth_out = out.parquet("_truth/people.parquet", TRUTH_SCHEMA)

    def _emails(
        self, first: list, last: list, domain: np.ndarray, number: np.ndarray
    ) -> np.ndarray:
        """Addresses unique over the run: repeats get the next free number."""
        emails = []
        for f, la, dom, num in zip(first, last, domain, number, strict=True):
            local = f"{_slug(f)}.{_slug(la.split()[0])}" + (str(num) if num else "")
            email = f"{local}@{dom}"
            k = 2
            while email in self.seen:
                email = f"{local}{k}@{dom}"
                k += 1
            self.seen.add(email)
            emails.append(email)
        return np.array(emails, dtype=object)

    def chunk(self, k: int, base: int, n: int) -> None:
        r = _rng(self.seed, 10, k)
        per = self.period
        span = per.t1 - per.t0
        cc = np.array(COUNTRY, dtype=object)[_choice(r, COUNTRY, COUNTRY_P, n)]
        female = r.random(n) < 0.52
        first, last = _names(r, cc, female)
        occ = _choice(r, OCCUPATIONS, OCCUPATION_P, n)
        spec = _choice(r, SPECIALIZATIONS, SPECIALIZATION_P, n)
        origin = _choice(r, ORIGINS, ORIGIN_P, n)
        source = _choice(r, SOURCES, SOURCE_P, n)
        # Referral and partner forms come in through the Lead Add Form; chats through the API.
        referral = np.where(
            r.random(n) < 0.6, SOURCES.index("Reference"), SOURCES.index("Partner Website")
        )
        source = np.where(origin == ORIGINS.index("Lead Add Form"), referral, source)
        chat = (origin == ORIGINS.index("API")) & (r.random(n) < 0.45)
        source = np.where(chat, SOURCES.index("Live Chat"), source)
        working = occ == OCCUPATIONS.index("Working Professional")
        employer = r.integers(0, len(self.employers), n)
        has_employer = working & (r.random(n) < 0.55)
        work_mail = has_employer & np.isin(cc, list(WORK_TLD)) & (r.random(n) < 0.3)
        seniority = np.searchsorted([0.55, 0.88], r.random(n))

        # Interest from the attributes, then behaviour from interest.
        z = (
            -0.9
            + OCCUPATION_WEIGHT[occ]
            + SPECIALIZATION_WEIGHT[spec]
            + ORIGIN_WEIGHT[origin]
            + SOURCE_WEIGHT[source]
            + 0.25 * (seniority * has_employer)
            + r.normal(0, 0.8, n)
        )
        q = 1 / (1 + np.exp(-z))
        visits = np.where(origin == ORIGINS.index("Lead Import"), 0, r.poisson(0.4 + 7 * q))
        browsing = visits > 0
        time_on_site = np.where(
            browsing, np.clip(r.lognormal(np.log(120 + 1300 * q), 0.6), 5, 3600), 0
        ).astype(np.int64)
        pages_per_visit = np.where(browsing, np.round(1 + r.gamma(2.0, 0.4 + 1.1 * q), 2), 0)

        created = _daytime(r, per.t0 + (r.random(n) ** 0.9 * span).astype(np.int64))
        created = np.clip(created, per.t0, per.t1 - 3600)
        ra = _rng(self.seed, 11, k)
        counts = self._activity_counts(ra, q, visits, origin, source)
        if k == 0:
            counts[0, VIEW_IN_BROWSER] = 1  # every run shows one undeclared type
        z_final = z + TIME_WEIGHT * np.minimum(time_on_site, 2400) / 600
        for act, w in BEHAVIOUR_WEIGHT.items():
            z_final = z_final + w * np.minimum(counts[:, act], 3)
        prop = 1 / (1 + np.exp(-(z_final - 1.75)))
        converted = r.random(n) < prop

        # Contact columns, as the CRM shows them.
        number = np.where(r.random(n) < 0.45, r.integers(1, 99, n), 0)
        free = np.empty(n, dtype=object)
        for country in np.unique(cc):
            idx = np.flatnonzero(cc == country)
            doms, probs = FREEMAIL.get(CULTURE_OF[country], FREEMAIL["*"])
            free[idx] = np.array(doms, dtype=object)[_choice(r, doms, probs, len(idx))]
        employer_name = np.array([self.employers[e][0] for e in employer], dtype=object)
        work_dom = [
            _slug(name) + WORK_TLD.get(c, ".com") for name, c in zip(employer_name, cc, strict=True)
        ]
        domain = np.where(work_mail, np.array(work_dom, dtype=object), free)
        email = self._emails(first, last, domain, np.where(work_mail, 0, number))
        hexes = _hex_ids(r.integers(0, 2**64, n, dtype=np.uint64)).to_pylist()
        prospect = np.array([f"{h[:8]}-{h[8:12]}-{h[12:]}" for h in hexes], dtype=object)
        lead_number = np.arange(base, base + n) + 600_001
        phone_r, phone_style = r.integers(0, 2**62, n), r.integers(0, 12, n)
        phone = [
            _phone(c, int(x), int(s)) if u > 0.08 else None
            for c, x, s, u in zip(cc, phone_r, phone_style, r.random(n), strict=True)
        ]
        city = [
            CITIES[c][int(u * len(CITIES[c]))] if u < 0.93 else "Select"
            for c, u in zip(cc, r.random(n), strict=True)
        ]
        title = np.full(n, None, dtype=object)
        for level, titles in TITLES.items():
            idx = np.flatnonzero(working & (seniority == level) & (r.random(n) < 0.8))
            title[idx] = np.array(titles, dtype=object)[r.integers(0, len(titles), len(idx))]
        title[(occ == OCCUPATIONS.index("Student")) & (r.random(n) < 0.5)] = "Student"
        industry = np.where(
            has_employer, np.array([self.employers[e][1] for e in employer], dtype=object), None
        )
        size = np.where(has_employer & (r.random(n) < 0.8), self.employer_size[employer], -1)
        source_text = np.array(SOURCES, dtype=object)[source]
        source_text[r.random(n) < 0.015] = "google"  # the CRM's lower-case duplicate value
        start = np.array(
            [_epoch(_add_months(datetime.fromtimestamp(int(t), UTC).date(), 1 + int(m)))
             for t, m in zip(created, r.integers(0, 4, n), strict=True)]
        )  # fmt: skip
        lead = {
            "Prospect ID": prospect,
            "Lead Number": [str(x) for x in lead_number],
            "First Name": first,
            "Last Name": last,
            "Email": email.copy(),
            "Phone": phone,
            "City": city,
            "Country": np.where(r.random(n) > 0.03, [COUNTRY_EN[c] for c in cc], None),
            "Lead Origin": np.array(ORIGINS, dtype=object)[origin],
            "Lead Source": source_text,
            "Do Not Email": np.where(r.random(n) < 0.08, "Yes", "No"),
            "Do Not Call": np.where(r.random(n) < 0.02, "Yes", "No"),
            "TotalVisits": np.where(r.random(n) > 0.015, visits.astype(str).astype(object), None),
            "Total Time Spent on Website": [str(t) for t in time_on_site],
            "Page Views Per Visit": [f"{x:g}" for x in pages_per_visit],
            "What is your current occupation": np.array(OCCUPATIONS, dtype=object)[occ],
            "Specialization": np.array(SPECIALIZATIONS, dtype=object)[spec],
            "Company": np.where(has_employer, employer_name, None),
            "Job Title": title,
            "Industry": industry,
            "Company Size": [str(int(s)) if s > 0 else None for s in size],
            "How did you hear about us": np.array(HEARD, dtype=object)[
                _choice(r, HEARD, HEARD_P, n)
            ],
            "Preferred Start Date": [
                _fmt(int(s), "%Y-%m-%d") if u < 0.6 else None
                for s, u in zip(start, r.random(n), strict=True)
            ],
        }
        self._break_leads(r, k, lead)
        rows = self._repeat_enquiries(r, lead, created, n)
        self._write_leads(lead, rows)

        acts = self._activities(ra, counts, created, q)
        self._write_activities(ra, acts, ACTIVITIES, prospect, email)

        decided = created + (r.lognormal(np.log(24 * DAY), 0.6, n)).astype(np.int64)
        done = decided < per.t1
        currency = np.array([FEES.get(c, FEES["*"])[0] for c in cc], dtype=object)
        tier = r.integers(0, 3, n)
        amount = [str(FEES.get(c, FEES["*"])[1][t]) for c, t in zip(cc, tier, strict=True)]
        won = converted & done
        self._write_outcomes(
            {
                "Prospect ID": prospect[done],
                "Lead Number": lead_number[done].astype(str),
                "Email": email[done],
                "Status": np.where(won, "Won", "Lost")[done],
                "Converted": np.where(won, "1", "0")[done],
                "Amount": np.where(won, np.array(amount, dtype=object), None)[done],
                "Currency": np.where(won, currency, None)[done],
            },
            decided[done],
        )
        self.truth_out.write(
            pa.table(
                {
                    "prospect_id": prospect,
                    "email": email,
                    "occupation": np.array(OCCUPATIONS, dtype=object)[occ],
                    "lead_origin": np.array(ORIGINS, dtype=object)[origin],
                    "lead_source": np.array(SOURCES, dtype=object)[source],
                    "time_on_site_seconds": time_on_site,
                    "propensity": np.round(prop, 6),
                    "converted": converted,
                    "created_at": pa.array(created, pa.timestamp("s", tz="UTC")),
                    "decided_at": pa.array(decided, pa.timestamp("s", tz="UTC"), mask=~done),
                },
                schema=TRUTH_SCHEMA,
            )
        )

    @staticmethod
    def _activity_counts(
        ra: np.random.Generator, q: np.ndarray, visits: np.ndarray, origin: np.ndarray,
        source: np.ndarray,
    ) -> np.ndarray:  # fmt: skip
        """Activities of each kind per lead (columns in ``ACTIVITIES`` order)."""
        n = len(q)
        c = np.zeros((n, len(ACTIVITIES)), dtype=np.int64)
        c[:, PAGE] = ra.binomial(visits, 0.7)
        c[:, OPEN] = ra.poisson(0.8 + 2.5 * q)
        c[:, CLICK] = ra.poisson(0.1 + 1.2 * q)
        c[:, FORM] = origin == ORIGINS.index("Landing Page Submission")
        c[:, BROCHURE] = ra.random(n) < 0.08 + 0.3 * q
        c[:, COUNSELLING] = ra.random(n) < 0.03 + 0.35 * q
        c[:, FEE_ENQUIRY] = ra.random(n) < 0.02 + 0.25 * q
        c[:, SMS] = ra.poisson(1.3, n)  # sent to everyone: no signal
        live_chat = source == SOURCES.index("Live Chat")
        c[:, CHAT] = ra.random(n) < np.where(live_chat, 0.9, 0.04 + 0.15 * q)
        c[:, UNREACHABLE] = ra.poisson(1.4 * (1 - q))
        c[:, PHONE] = ra.random(n) < 0.05 + 0.55 * q
        c[:, WHATSAPP] = ra.poisson(0.1 + 1.6 * q)
        c[:, UNSUBSCRIBED] = ra.random(n) < 0.07 * (1 - q)
        c[:, BOUNCED] = ra.random(n) < 0.02
        c[:, ASSIGNED] = 1
        c[:, VIEW_IN_BROWSER] = ra.random(n) < 0.004
        return c

    def _activities(
        self,
        ra: np.random.Generator,
        counts: np.ndarray,
        created: np.ndarray,
        q: np.ndarray,
    ) -> ActivityColumns:
        """The activity rows: most within weeks of the lead's creation, none after the
        period. The form and the assignment come with the creation itself."""
        per = self.period
        lead = np.repeat(np.tile(np.arange(len(q)), len(ACTIVITIES)), counts.T.ravel())
        kind = np.repeat(np.arange(len(ACTIVITIES)), counts.sum(axis=0))
        m = len(lead)
        delay = ra.exponential(9 * DAY, m).astype(np.int64)
        delay = np.where(kind == ASSIGNED, ra.integers(60, 7200, m), delay)
        delay = np.where(kind == FORM, 0, delay)
        ts = created[lead] + delay
        ts = np.where(np.isin(kind, (FORM, ASSIGNED)), ts, _daytime(ra, ts))
        keep = ts < per.t1
        lead, kind, ts = lead[keep], kind[keep], ts[keep]
        m = len(lead)
        hi = ra.random(m) < q[lead]
        page = np.where(
            hi,
            np.array(PAGES_HI, dtype=object)[ra.integers(0, len(PAGES_HI), m)],
            np.array(PAGES_LO, dtype=object)[ra.integers(0, len(PAGES_LO), m)],
        )
        is_page = kind == PAGE
        url = np.where(is_page | (kind == BROCHURE), SITE + page, None)
        url = np.where(kind == FORM, SITE + "/enquire", url)
        seconds = np.where(
            is_page, np.clip(ra.lognormal(np.log(40 + 200 * q[lead]), 0.8), 1, 1800), -1
        ).astype(np.int64)
        phone_time = ra.integers(120, 1500, m)
        seconds = np.where(kind == PHONE, phone_time, seconds)
        email_kind = np.isin(kind, (OPEN, CLICK, UNSUBSCRIBED, BOUNCED))
        campaign = np.where(
            email_kind, np.array(CAMPAIGNS, dtype=object)[ra.integers(0, len(CAMPAIGNS), m)], None
        )
        return ActivityColumns(lead, kind, ts, url, seconds, campaign)

    @staticmethod
    def _break_leads(r: np.random.Generator, k: int, lead: dict) -> None:
        """A few unreadable rows: a number that is not one, an e-mail without its @. Chunk 0
        always has one of each."""
        n = len(lead["Email"])
        broken = np.flatnonzero(r.random(n) < BROKEN_RATE)
        kinds = r.integers(0, 3, len(broken))
        if k == 0 and n >= 3:
            broken, kinds = np.r_[np.arange(3), broken], np.r_[np.arange(3), kinds]
        for i, kind in zip(broken, kinds, strict=True):
            if kind == 0:
                lead["TotalVisits"][i] = "n/a"
            elif kind == 1:
                lead["Total Time Spent on Website"][i] = "12 min"
            else:
                lead["Email"][i] = str(lead["Email"][i]).replace("@", " at ")

    @staticmethod
    def _repeat_enquiries(
        r: np.random.Generator, lead: dict, created: np.ndarray, n: int
    ) -> np.ndarray:
        """Leads who enquire again get a second record (new Prospect ID, later date, the
        e-mail in capitals now and then, an updated occupation). Returns the creation times
        of all rows; ``lead`` gains the repeats' rows."""
        again = np.flatnonzero(r.random(n) < REPEAT_RATE)
        later = created[again] + r.integers(3 * DAY, 40 * DAY, len(again))
        for name, values in list(lead.items()):
            values = list(values)
            extra = [values[i] for i in again]
            u = r.random(len(extra))
            if name == "Prospect ID":
                extra = [f"{v[:-4]}{_h64(v) % 10_000:04d}" for v in extra]
            elif name == "Email":
                extra = [v.upper() if x < 0.3 else v for v, x in zip(extra, u, strict=True)]
            elif name == "What is your current occupation":
                extra = [OCCUPATIONS[0] if x < 0.3 else v for v, x in zip(extra, u, strict=True)]
            lead[name] = values + extra
        return np.r_[created, later]


def _period(start: date, months: int) -> Period:
    month_starts = np.array([_epoch(_add_months(start, i)) for i in range(months + 1)])
    return Period(
        t0=int(month_starts[0]), t1=int(month_starts[-1]), month_starts=month_starts,
        show_local=0, show_slug="", webinar_ts=[], webinar_slugs=[],
    )  # fmt: skip


def generate(
    leads: int, seed: int, out: Path, start: date = date(2026, 1, 1), months: int = 10
) -> dict:
    """Write Brightwell Academy's landing folder under ``out``; return what was written.

    ``leads`` distinct people (about 1 % of them enquire twice, so the lead export has a few
    more rows) over ``months`` months from ``start``. The same arguments give byte-identical
    files. Returns ``{"files": {relative path: data rows}, "people": int}``.
    """
    if leads < 1 or months < 1 or seed < 0:
        raise ValueError("leads and months must be positive and seed non-negative")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    period = _period(date(start.year, start.month, 1), months)
    outputs = Outputs(out)
    try:
        business = OnlineEducation(seed, period, outputs)
        for k, base in enumerate(range(0, leads, CHUNK)):
            business.chunk(k, base, min(CHUNK, leads - base))
    finally:
        outputs.close()
    return {"files": dict(sorted(outputs.counts.items())), "people": leads}

"""Export family: the website's form submissions, one CSV per month. A form carries the id
of the browser that submitted it, so anonymous page views before it can be stitched to the
e-mail.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from flows.generate.common import DAY, CsvOut, _daytime, _fmt, _group_ord
from flows.generate.people import FREEMAIL_KIND, STUDENT, ContactRecords, People, _website_text
from flows.generate.world import COUNTRY_EN

if TYPE_CHECKING:  # the site and the browsers are the web family's; forms only read them
    from flows.generate.site import Site
    from flows.generate.web import Visitors


FORMS = [
    "Contact us", "Whitepaper download", "Newsletter", "Demo request", "Pricing request",
    "Contact sales",
]  # fmt: skip
FORM_PATH = ["contact", "resources/whitepaper", "blog", "demo", "pricing", "contact-sales"]
UTMS = [
    ("google", "cpc", "search-brand"), ("google", "cpc", "search-generic"),
    ("linkedin", "paid_social", "abm"), ("linkedin", "social", "organic"),
    ("newsletter", "email", "newsletter"), ("bing", "cpc", "search-generic"),
    ("facebook", "paid_social", "retargeting"), ("partner", "referral", "partner-program"),
]  # fmt: skip


FORMS_HEADER = [
    "Submission ID", "Submitted At", "Form", "Page URL", "First Name", "Last Name", "Email",
    "Company", "Job Title", "Phone", "Country", "Company Website", "Consent", "utm_source",
    "utm_medium", "utm_campaign", "Visitor ID",
]  # fmt: skip


@dataclass
class FormRows:
    person: np.ndarray
    ts: np.ndarray
    form: np.ndarray
    visitor: np.ndarray  # -1: no cookie
    campaign: np.ndarray  # index into the campaign context, 0: none


class FormExports(ContactRecords):
    """The website's form submissions, one CSV per month."""

    site: Site
    forms_out: list[CsvOut]

    def _open_forms(self) -> None:
        self.forms_out = [
            self.out.csv(f"forms/web_form_submissions_{_fmt(int(ms), '%Y-%m')}.csv", FORMS_HEADER)
            for ms in self.period.month_starts[:-1]
        ]

    def _forms(
        self,
        r: np.random.Generator,
        p: People,
        counts: np.ndarray,
        ra: np.random.Generator,
        vis: Visitors,
    ) -> FormRows:
        per = self.period
        span = per.t1 - per.t0
        person, ordinal = _group_ord(counts)
        m = len(person)
        first_t = per.t0 + (r.random(len(counts)) ** 0.85 * span).astype(np.int64)
        gaps = np.where(ordinal > 0, r.exponential(18 * DAY, m), 0.0).astype(np.int64)
        cs = np.cumsum(gaps)
        starts = np.cumsum(counts) - counts
        base = np.repeat(cs[starts[counts > 0]], counts[counts > 0]) if m else cs
        ts = _daytime(r, first_t[person] + cs - base, 1.0)
        keep = (ordinal == 0) | (ts < per.t1)
        person, ordinal, ts = person[keep], ordinal[keep], ts[keep]
        m = len(person)
        rc = self._record_common(r, p, person, ordinal, (7, 0, 8, 2, 1, 3))
        prop = p.prop[person]
        # Hand-raises rise with propensity; a few come from poor fits (students, free-mail).
        poor = np.isin(p.kind[person], (FREEMAIL_KIND, STUDENT))
        fw = np.stack(
            [np.full(m, 0.15), np.full(m, 0.35), 0.05 + 0.2 * (1 - prop),
             0.03 + 0.6 * prop + 0.05 * poor, 0.02 + 0.4 * prop + 0.04 * poor,
             0.005 + 0.15 * prop], axis=1,
        )  # fmt: skip
        fw /= fw.sum(axis=1, keepdims=True)
        form = (r.random(m)[:, None] > np.cumsum(fw, axis=1)).sum(axis=1).clip(0, 5)
        # The browser's anonymous id: mostly the person's main browser, sometimes another
        # one, empty when cookies were refused.
        u_vis = ra.random((m, 3))
        other = vis.start[person] + (u_vis[:, 2] * vis.count[person]).astype(np.int64)
        visitor = np.where(u_vis[:, 1] < 0.8, vis.start[person], other)
        visitor = np.where(u_vis[:, 0] < 0.06, -1, visitor)
        is_show = np.array([bool(p.extra[i]) for i in person], dtype=bool)
        visitor[is_show] = vis.start[person[is_show]]
        ids = r.integers(0, 2**63, (m, 2))
        utm = r.integers(0, len(UTMS) * 3, m)
        month = np.searchsorted(per.month_starts, ts, side="right") - 1
        dup = r.random(m) < 0.003
        fcamp = np.zeros(m, dtype=np.int64)
        showcase_forms = {}
        rows: list[list[tuple[int, list[str]]]] = [[] for _ in per.month_starts[:-1]]
        for j in range(m):
            i = int(person[j])
            t = int(ts[j])
            misc = rc["misc"][j]
            if p.extra[i] and "Demo" not in showcase_forms.get(i, ""):
                form[j] = 3  # showcase people ask for a demo first
                showcase_forms[i] = "Demo"
            submitted = _fmt(t, "%Y-%m-%d %H:%M:%S")
            if rc["broken"][j] and rc["broken_kind"][j] >= 7:
                submitted = "yesterday" if rc["broken_kind"][j] == 7 else ""
            cc = p.country[i]
            lang = "es" if cc in ("ES", "MX", "AR") else "de" if cc == "DE" else "en"
            u = int(utm[j])
            if u < len(UTMS):
                src, med, camp = UTMS[u]
                camp = f"{camp}-{_fmt(t, '%Y-%m')}" if med == "email" else f"{camp}-{lang}"
                fcamp[j] = self.site.camp_index.get((camp, src, med), 0)
            else:
                src = med = camp = ""
            site = ""
            if p.org_domain[i] and p.kind[i] != STUDENT:
                site = _website_text(p.org_domain[i], misc[0])
            sid = f"{ids[j, 0]:016x}{ids[j, 1]:016x}"
            var = "89ab"[int(sid[16], 16) % 4]
            sid = f"{sid[:8]}-{sid[8:12]}-4{sid[13:16]}-{var}{sid[17:20]}-{sid[20:32]}"
            row = [
                sid,
                submitted,
                FORMS[form[j]],
                f"https://www.leadflow.example/{lang}/{FORM_PATH[form[j]]}",
                self._first_of(p, i),
                p.last[i],
                self._email_of(p, i, rc, j),
                self._company_of(p, i, rc, j),
                self._title_of(p, i, rc, j),
                self._phone_of(p, i, rc, j, 0.35),
                COUNTRY_EN[cc] if misc[1] > 0.08 else "",
                site,
                "Yes" if misc[2] < 0.88 or form[j] == 2 else "No",
                src,
                med,
                camp,
                vis.text[visitor[j]] if visitor[j] >= 0 else "",
            ]
            rows[month[j]].append((t, row))
            if dup[j]:
                rows[month[j]].append((t, row))  # double submit: identical line twice
        for mo, batch in enumerate(rows):
            self.forms_out[mo].write(batch)
        return FormRows(person=person, ts=ts, form=form, visitor=visitor, campaign=fcamp)

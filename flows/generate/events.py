"""Export family: event registrations. The trade show's registration list (BOM, semicolons,
Madrid local time) and each webinar's registrations with attendance.
"""

from __future__ import annotations

import time

import numpy as np

from flows.generate.common import (
    DAY,
    MONTH_ABBR,
    CsvOut,
    _daytime,
    _fmt,
    _group_ord,
    _madrid_offset,
)
from flows.generate.people import COMPETITOR, ContactRecords, People
from flows.generate.world import COUNTRY_EN, COUNTRY_ES

WEBINAR_TOPICS = ["pipeline-analytics", "lead-scoring-playbook", "revops-benchmarks"]
BADGES = ["Visitor", "VIP", "Exhibitor", "Speaker", "Press"]


TRADESHOW_HEADER = [
    "Registration Date", "First Name", "Last Name", "E-mail", "Organisation", "Position",
    "Country", "Badge Type", "Opt-in",
]  # fmt: skip
WEBINAR_HEADER = [
    "First Name", "Last Name", "Email", "Organization", "Job Title", "Country/Region",
    "Registration Time", "Attended", "Time in Session (minutes)",
]  # fmt: skip


def _webinar_time(ts: int) -> str:
    t = time.gmtime(ts)
    hour = t.tm_hour % 12 or 12
    ampm = "AM" if t.tm_hour < 12 else "PM"
    mon = MONTH_ABBR[t.tm_mon - 1]
    return f"{mon} {t.tm_mday:02d}, {t.tm_year} {hour:02d}:{t.tm_min:02d} {ampm}"


class EventExports(ContactRecords):
    """Trade-show registrations (BOM, semicolons, Madrid time) and webinar registrations."""

    tradeshow_out: CsvOut
    webinar_out: list[CsvOut]

    def _open_events(self) -> None:
        per = self.period
        self.tradeshow_out = self.out.csv(
            f"events/tradeshow_{per.show_slug}_registrations.csv",
            TRADESHOW_HEADER, "utf-8-sig", ";", "\r\n",
        )  # fmt: skip
        self.webinar_out = [
            self.out.csv(f"events/webinar_{s}_registrations.csv", WEBINAR_HEADER)
            for s in per.webinar_slugs
        ]

    def _tradeshow(
        self, r: np.random.Generator, p: People, counts: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        per = self.period
        person, ordinal = _group_ord(counts)
        m = len(person)
        rc = self._record_common(r, p, person, ordinal, (7, 1))
        show_utc = per.show_local - int(_madrid_offset(per.show_local - 3600)[()])
        window = min(90 * DAY, show_utc - per.t0)
        lead = (r.random(m) ** 1.6 * window).astype(np.int64)
        onsite = r.random(m) < 0.08
        before = _daytime(r, show_utc - lead, 1.0)
        ts = np.where(onsite, show_utc + 7 * 3600 + (r.random(m) * 1.4 * DAY), before)
        ts = np.maximum(ts.astype(np.int64), per.t0) + ordinal * r.integers(600, 4 * 3600, m)
        ts = np.minimum(ts, per.t1 - 60)
        local = ts + _madrid_offset(ts)
        badge = r.choice(len(BADGES), size=m, p=[0.78, 0.08, 0.07, 0.04, 0.03])
        rows = []
        for j in range(m):
            i = int(person[j])
            misc = rc["misc"][j]
            when = _fmt(int(local[j]), "%d/%m/%Y %H:%M")
            if rc["broken"][j] and rc["broken_kind"][j] >= 7:
                when = f"{30 + misc[3] // 0.5:.0f}/02/{when[6:]}"
            first, last = self._first_of(p, i), p.last[i]
            if misc[0] < 0.05:
                first, last = first.upper(), last.upper()
            b = BADGES[badge[j]] if p.kind[i] != COMPETITOR or misc[1] < 0.4 else "Exhibitor"
            opt = "Sí" if misc[2] < 0.55 else "Yes" if misc[2] < 0.75 else "No"
            rows.append((int(ts[j]), [
                when, first, last, self._email_of(p, i, rc, j), self._company_of(p, i, rc, j),
                self._title_of(p, i, rc, j), COUNTRY_ES[p.country[i]] if misc[3] > 0.04 else "",
                b, opt,
            ]))  # fmt: skip
        self.tradeshow_out.write(rows)
        return person, ts

    def _webinars(
        self, r: np.random.Generator, p: People, wflags: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        per = self.period
        persons, stamps, which = [], [], []
        for w, wts in enumerate(per.webinar_ts):
            person = np.flatnonzero(wflags[:, w])
            m = len(person)
            rc = self._record_common(r, p, person, np.zeros(m, dtype=np.int64))
            window = min(28 * DAY, wts - per.t0)
            ts = wts - 600 - (r.random(m) ** 2 * window).astype(np.int64)
            ts = np.minimum(_daytime(r, np.maximum(ts, per.t0), 1.0), wts - 600)
            attended = r.random(m) < 0.2 + 0.65 * p.prop[person]
            minutes = 3 + (r.random(m) * 57 * (0.35 + 0.65 * p.prop[person])).astype(np.int64)
            rows = []
            for j in range(m):
                i = int(person[j])
                misc = rc["misc"][j]
                rows.append((int(ts[j]), [
                    self._first_of(p, i), p.last[i], self._email_of(p, i, rc, j),
                    self._company_of(p, i, rc, j), self._title_of(p, i, rc, j),
                    COUNTRY_EN[p.country[i]] if misc[1] > 0.05 else "",
                    _webinar_time(int(ts[j])), "Yes" if attended[j] else "No",
                    str(minutes[j]) if attended[j] else "0",
                ]))  # fmt: skip
            self.webinar_out[w].write(rows)
            persons.append(person)
            stamps.append(ts)
            which.append(np.full(m, w, dtype=np.int64))
        return np.concatenate(persons), np.concatenate(stamps), np.concatenate(which)

"""Export family: the newsletter tool's subscribers (JSON lines)."""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from flows.generate.common import DAY, LinesOut, _daytime, _fmt, _group_ord, _pick
from flows.generate.people import ContactRecords, People

SIGNUP_SOURCES = ["blog", "footer", "popup", "webinar", "landing-page"]


class NewsletterExports(ContactRecords):
    """The newsletter tool's subscribers (JSON lines)."""

    news_out: LinesOut

    def _open_newsletter(self) -> None:
        self.news_out = self.out.lines("subscriptions/newsletter_subscribers.jsonl")

    def _newsletter(
        self, r: np.random.Generator, p: People, counts: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        per = self.period
        person, ordinal = _group_ord(counts)
        m = len(person)
        rc = self._record_common(r, p, person, ordinal)
        ts = _daytime(r, per.t0 + (r.random(m) * (per.t1 - per.t0)).astype(np.int64), 1.0)
        ts = np.minimum(ts + ordinal * (r.integers(5, 60, m) * DAY), per.t1 - 60)
        rows = []
        for j in range(m):
            i = int(person[j])
            misc = rc["misc"][j]
            email: str | None = self._email_of(p, i, rc, j)
            if email == "" and misc[3] < 0.5:
                email = None
            obj: dict[str, Any] = {"email": email, "first_name": self._first_of(p, i)}
            if misc[0] >= 0.05:
                obj["last_name"] = p.last[i] if misc[0] >= 0.1 else None
            obj.update(
                subscribed_at=_fmt(int(ts[j]), "%Y-%m-%dT%H:%M:%SZ"),
                list="newsletter",
                consent=bool(misc[1] < 0.97),
                signup_source=_pick(misc[2], SIGNUP_SOURCES),
            )
            rows.append((int(ts[j]), json.dumps(obj, ensure_ascii=False) + "\n"))
        rows.sort(key=lambda x: x[0])
        self.news_out.write([line for _, line in rows])
        return person, ts

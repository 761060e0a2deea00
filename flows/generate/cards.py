"""Export family: business cards scanned at the trade show (Windows-1252, CRLF)."""

from __future__ import annotations

import numpy as np

from flows.generate.common import DAY, CsvOut, _fmt, _group_ord, _madrid_offset, _pick
from flows.generate.people import ContactRecords, People
from flows.generate.world import COUNTRY_EN, COUNTRY_ES

CARDS_HEADER = ["Name", "Company", "Title", "Email", "Phone", "Country", "Scanned"]


class CardExports(ContactRecords):
    """Business cards scanned at the trade show's stand (Windows-1252, as the scanner app
    exports them)."""

    cards_out: CsvOut

    def _open_cards(self) -> None:
        self.cards_out = self.out.csv(
            f"cards/business_cards_{self.period.show_slug}.csv", CARDS_HEADER, "cp1252", ",",
            "\r\n",
        )  # fmt: skip

    def _cards(
        self, r: np.random.Generator, p: People, counts: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        per = self.period
        person, ordinal = _group_ord(counts)
        m = len(person)
        rc = self._record_common(r, p, person, ordinal)
        day = r.integers(0, 2, m)
        local = per.show_local + day * DAY + 9 * 3600 + (r.random(m) * 10 * 3600).astype(np.int64)
        local = local + ordinal * 1800
        ts = local - _madrid_offset(local - 3600)
        rows = []
        for j in range(m):
            i = int(person[j])
            misc = rc["misc"][j]
            name = f"{self._first_of(p, i)} {p.last[i]}".replace("'", "’")
            if misc[0] < 0.03:
                name = name.upper()
            cc = p.country[i]
            country = _pick(misc[1], [COUNTRY_EN[cc], cc, COUNTRY_ES[cc], "", ""])
            rows.append((int(ts[j]), [
                name, self._company_of(p, i, rc, j), self._title_of(p, i, rc, j),
                self._email_of(p, i, rc, j), self._phone_of(p, i, rc, j, 0.15), country,
                _fmt(int(local[j]), "%m/%d/%Y %H:%M"),
            ]))  # fmt: skip
        self.cards_out.write(rows)
        return person, ts

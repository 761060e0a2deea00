"""Export family: the e-mail service provider's engagement events (opens, clicks,
unsubscribes, bounces) of the e-mail program, one CSV per month.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from flows.generate.common import (
    DAY,
    LinesOut,
    Market,
    _concat,
    _draw_cat,
    _fmt,
    _hex_ids,
    _offsets_in_group,
)
from flows.generate.people import BUSINESS, People
from flows.generate.site import Site

EMAIL_HEADER = ["Event ID", "Email Address", "Event", "Timestamp", "Campaign Name", "Link URL"]


CLICK_LO = np.array([0.0, 0.10, 0.0, 0.0, 0.70, 0.10, 0.0, 0.0, 0.0, 0.10])
CLICK_HI = np.array([0.0, 0.20, 0.10, 0.35, 0.10, 0.20, 0.0, 0.0, 0.0, 0.05])


ESP_EVENTS = ["open", "click", "unsubscribe", "hard_bounce", "soft_bounce"]

# Share of activity events (e-mail and web) deliberately broken: no ids, an invalid time.
EVENT_BROKEN_RATE = 0.01


class EmailActivity(Market):
    """The e-mail service provider's engagement export, one CSV per month."""

    site: Site
    email_out: list[LinesOut]

    def _open_email(self) -> None:
        self.email_out = [
            self.out.lines(f"email/email_engagement_{_fmt(int(ms), '%Y-%m')}.csv", EMAIL_HEADER)
            for ms in self.period.month_starts[:-1]
        ]

    def _email(
        self, ra: np.random.Generator, p: People, first_seen: np.ndarray, news: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Write the ESP's engagement events; return the real clicks (person, time in
        seconds, landing page, campaign).

        People on the list (consent) get the webinar invites, the product update and the
        nurture sequence from their first capture on; subscribers also the newsletter.
        Opens rise with propensity, clicks more so; machine opens (mail privacy proxies)
        and link scanners add noise; unsubscribes and hard bounces end the sends.
        """
        site, per = self.site, self.period
        prop, n = p.prop, len(p.prop)
        program = site.program
        on_list = ra.random(n) < 0.5
        news = news | (ra.random(n) < 0.1)
        hard_person = ra.random(n) < 0.012
        machine = ra.random(n) < 0.08
        scanned = (p.kind == BUSINESS) & (ra.random(n) < 0.15)
        fixed = [c for c, camp in enumerate(program) if camp.ts is not None]
        sent = np.array([program[c].ts for c in fixed], dtype=np.int64)
        letter = np.array([program[c].newsletter for c in fixed], dtype=bool)
        eligible = (
            on_list[:, None]
            & (sent[None, :] > first_seen[:, None] + DAY)
            & (~letter[None, :] | news[:, None])
        )
        person, k = np.nonzero(eligible)
        camp, ts = np.array(fixed, dtype=np.int64)[k], sent[k]
        for c, c_camp in enumerate(program):
            if c_camp.ts is None:
                who = np.flatnonzero(on_list)
                when = first_seen[who] // DAY * DAY + c_camp.days * DAY + 9 * 3600
                keep = when < per.t1
                person = np.r_[person, who[keep]]
                camp = np.r_[camp, np.full(int(keep.sum()), c)]
                ts = np.r_[ts, when[keep]]
        order = np.lexsort((ts, person))
        person, camp, ts = person[order], camp[order], ts[order]
        m = len(person)
        first = np.r_[True, person[1:] != person[:-1]] if m else np.zeros(0, dtype=bool)
        pp = prop[person]
        u = ra.random((m, 6))
        hard = hard_person[person] & first
        soft = ~hard & (u[:, 0] < 0.012)
        unsub = ~hard & ~soft & (u[:, 1] < 0.002 + 0.012 * (1 - pp))
        stop = (hard | unsub).astype(np.int64)
        before, _ = _offsets_in_group(person, stop) if m else (np.zeros(0), None)
        live = before == 0  # nothing is sent after an unsubscribe or a hard bounce
        hard, soft, unsub = hard & live, soft & live, unsub & live
        delivered = live & ~hard & ~soft
        opened = delivered & (u[:, 2] < 0.04 + 0.55 * pp**2)
        clicked = opened & (u[:, 3] < 0.03 + 0.55 * pp**2)
        bot_open = delivered & machine[person]
        bot_click = delivered & scanned[person] & (u[:, 4] < 0.08)
        n_open = opened * (1 + ra.poisson(0.2, m))
        n_click = clicked * (1 + (u[:, 5] < 0.2))
        first_open = ts + ra.exponential(6 * 3600, m).astype(np.int64) + 30

        ev_send, ev_kind, ev_ts = [], [], []

        def add(mask_or_counts: np.ndarray, kind: int, when: np.ndarray) -> None:
            reps = mask_or_counts.astype(np.int64)
            ev_send.append(np.repeat(np.arange(m), reps))
            ev_kind.append(np.full(int(reps.sum()), kind, dtype=np.int64))
            ev_ts.append(np.repeat(when, reps))

        add(hard, 3, ts + ra.integers(5, 600, m))
        add(soft, 4, ts + ra.integers(5, 600, m))
        add(bot_open, 0, ts + ra.integers(60, 1200, m))
        add(bot_click, 1, ts + ra.integers(2, 90, m))
        add(unsub, 2, np.where(opened, first_open, ts + 3600) + ra.integers(20, 300, m))
        # Real opens and clicks: repeats spread over the next days.
        reps = n_open.astype(np.int64)
        send = np.repeat(np.arange(m), reps)
        k_open = np.arange(len(send)) - np.repeat(np.cumsum(reps) - reps, reps)
        later = ra.exponential(30 * 3600, len(send)).astype(np.int64) * (k_open > 0)
        ev_send.append(send)
        ev_kind.append(np.zeros(len(send), dtype=np.int64))
        ev_ts.append(first_open[send] + later)
        reps = n_click.astype(np.int64)
        send = np.repeat(np.arange(m), reps)
        k_click = np.arange(len(send)) - np.repeat(np.cumsum(reps) - reps, reps)
        click_ts = first_open[send] + ra.integers(8, 400, len(send)) + 300 * k_click
        ev_send.append(send)
        ev_kind.append(np.ones(len(send), dtype=np.int64))
        ev_ts.append(click_ts)
        real_click = np.r_[np.zeros(sum(len(x) for x in ev_send[:-1]), dtype=bool),
                           k_click == 0]  # fmt: skip

        e_send = np.concatenate(ev_send)
        e_kind = np.concatenate(ev_kind)
        e_ts = np.concatenate(ev_ts)
        e = len(e_send)
        # Link of each click: what high-propensity readers click is more commercial.
        e_prop = pp[e_send]
        weights = np.outer(1 - e_prop, CLICK_LO) + np.outer(e_prop, CLICK_HI)
        page = site.pages_of(ra, _draw_cat(ra, weights)) if e else np.zeros(0, dtype=np.int64)
        keep = e_ts < per.t1
        broken = np.where(ra.random(e) < EVENT_BROKEN_RATE, ra.integers(1, 3, e), 0)
        if p.chunk == 0:
            broken[: min(2, e)] = [1, 2][: min(2, e)]
        ids = ra.integers(0, 2**64, e, dtype=np.uint64)
        clicks = real_click & keep
        result = (person[e_send[clicks]], e_ts[clicks], page[clicks], camp[e_send[clicks]])

        sel = np.flatnonzero(keep)
        e_send, e_kind, e_ts, page = e_send[sel], e_kind[sel], e_ts[sel], page[sel]
        broken, ids = broken[sel], ids[sel]
        month = np.searchsorted(per.month_starts, e_ts, side="right") - 1
        emails = pa.array(p.email)
        kinds = pa.array(ESP_EVENTS)
        for mo in range(len(per.month_starts) - 1):
            idx = np.flatnonzero(month == mo)
            idx = idx[np.argsort(e_ts[idx], kind="stable")]
            if not len(idx):
                continue
            b = broken[idx]
            stamp = pc.strftime(pa.array(e_ts[idx], pa.timestamp("s")), format="%Y-%m-%dT%H:%M:%S")
            stamp = pc.if_else(pa.array(b == 2), "0000-00-00T00:00:00", stamp)
            address = emails.take(pa.array(person[e_send[idx]]))
            address = pc.if_else(pa.array(b == 1), "", address)
            is_click = e_kind[idx] == 1
            link = _concat(
                site.url.take(pa.array(page[idx])),
                site.camp_query.take(pa.array(site.camp_of_email[camp[e_send[idx]]])),
            )
            link = pc.if_else(pa.array(is_click), link, "")
            lines = _concat(
                _hex_ids(ids[idx]), ",", address, ",", kinds.take(pa.array(e_kind[idx])), ",",
                stamp, "Z,", site.esp_name.take(pa.array(camp[e_send[idx]])), ",", link, "\n",
            )  # fmt: skip
            self.email_out[mo].write(lines)
        return result

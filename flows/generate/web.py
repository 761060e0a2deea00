"""Export family: the CDP's website page views. Each person has one to three browsers
(anonymous visitor ids); browsing rises with propensity; never-identified visitors, bot-like
scrapers and power users add the heavy tail of real web analytics.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from flows.generate.common import (
    DAY,
    LinesOut,
    TableOut,
    _concat,
    _daytime,
    _draw_cat,
    _fmt,
    _hex_ids,
    _offsets_in_group,
)
from flows.generate.email import EVENT_BROKEN_RATE, EmailActivity
from flows.generate.forms import FormRows
from flows.generate.people import People
from flows.generate.site import PAGE_CATS, Site

WEB_SCHEMA = pa.schema(
    [
        ("message_id", pa.string()),
        ("timestamp", pa.timestamp("ms", tz="UTC")),
        ("anonymous_id", pa.string()),
        ("user_id", pa.string()),
        ("event", pa.string()),
        ("url", pa.string()),
        ("path", pa.string()),
        ("time_on_page_seconds", pa.int64()),
        ("title", pa.string()),
        ("campaign_name", pa.string()),
        ("campaign_source", pa.string()),
        ("campaign_medium", pa.string()),
    ]
)


# Page-category mix of a low- and a high-propensity person (a person mixes them by
# propensity), of never-identified visitors, of the bot-like power users, of the pages read
# just before each form (FORMS order), and of the pages an e-mail click lands on.
#                       home  prod  feat  pric  blog  case  docs  care  supp  webi
CAT_LO = np.array([0.10, 0.03, 0.05, 0.02, 0.38, 0.02, 0.08, 0.14, 0.12, 0.06])
CAT_HI = np.array([0.09, 0.14, 0.18, 0.22, 0.09, 0.12, 0.06, 0.01, 0.02, 0.07])
CAT_ANON = np.array([0.12, 0.03, 0.04, 0.03, 0.33, 0.02, 0.12, 0.15, 0.14, 0.02])
CAT_SCRAPER = np.array([0.02, 0.08, 0.30, 0.40, 0.0, 0.05, 0.15, 0.0, 0.0, 0.0])
CAT_POWER = np.array([0.04, 0.03, 0.12, 0.04, 0.08, 0.01, 0.55, 0.0, 0.13, 0.0])
CAT_FORM = np.array([
    [0.40, 0.20, 0.0, 0.20, 0.0, 0.0, 0.0, 0.0, 0.20, 0.0],
    [0.20, 0.0, 0.20, 0.0, 0.60, 0.0, 0.0, 0.0, 0.0, 0.0],
    [0.10, 0.0, 0.0, 0.0, 0.90, 0.0, 0.0, 0.0, 0.0, 0.0],
    [0.0, 0.30, 0.30, 0.20, 0.0, 0.20, 0.0, 0.0, 0.0, 0.0],
    [0.0, 0.20, 0.20, 0.60, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    [0.0, 0.20, 0.0, 0.50, 0.0, 0.30, 0.0, 0.0, 0.0, 0.0],
])  # fmt: skip


# Median time on page (seconds) per category; high-intent pages hold high-propensity
# readers longer.
CAT_SECONDS = np.array([15, 45, 50, 40, 70, 80, 60, 40, 35, 30], dtype=np.float64)
CAT_INTENT = np.array([0, 1, 1, 1, 0, 1, 0, 0, 0, 1], dtype=np.float64)


# Volumes, the same for every run size. Browsing sessions per person are log-normal (most
# people none or one, a few dozens); heavy visitors, one per HEAVY_EVERY leads over the
# run, bring the tail: bot-like scrapers (Pareto from 30,000 page views, up to 1,000,000)
# and power users (Pareto from 2,000, up to 20,000), so large runs get the heavy skew of
# real web analytics and the 2,500-lead sample stays small.
WEB_SHARE = (0.15, 0.5)  # P(person browses at all) = a + b * propensity (form fillers do)
WEB_SESSIONS = (-3.0, 4.6, 1.0)  # log-normal: mu = a + b * propensity, sigma = c
BURST = (0.3, 0.65, 9)  # share of sessions in the research burst: a + b * propensity; sd days
WEB_PAGES = (0.2, 0.8)  # pages per session: 1 + Poisson(a + b * propensity)
UNKNOWN_PER_LEAD = 0.08  # never-identified visitors per lead
UNKNOWN_SESSIONS = (-0.7, 0.8)
HEAVY_EVERY = 4000
PRE_FORM = 0.45  # share of form submits preceded by pages read on the same browser
IDENTIFIED = 0.45  # share of page views of an identified browser that carry the userId
WRITE_BATCH = 40_000  # page views serialised at a time


@dataclass
class Visitors:
    """A chunk's browsers (anonymous ids): each person's ``count[i]`` from ``start[i]``, then
    never-identified visitors. ``style`` 0 is ordinary, 1 a bot-like scraper, 2 a power user;
    heavy ones have their page-view total in ``hits``."""

    ids: np.ndarray
    text: list[str]
    owner: np.ndarray
    start: np.ndarray
    count: np.ndarray
    style: np.ndarray
    hits: np.ndarray


@dataclass
class Views:
    """Page views as parallel arrays; ``ts`` in milliseconds, ``seconds`` -1 when unknown."""

    ts: np.ndarray
    visitor: np.ndarray
    page: np.ndarray
    seconds: np.ndarray
    camp: np.ndarray
    query: np.ndarray
    forced: np.ndarray  # the view identified the browser (e-mail link): it carries the userId

    @staticmethod
    def concat(parts: list[Views]) -> Views:
        names = [f.name for f in fields(Views)]
        return Views(*(np.concatenate([getattr(v, f) for v in parts]) for f in names))


class WebActivity(EmailActivity):
    """The CDP's website page views, one file per month: nested JSON lines, or flat Parquet
    for large benchmark runs (the same events either way). Built on the e-mail family:
    ``_activity`` writes a chunk's e-mail engagement first, since e-mail clicks land on the
    site."""

    site: Site
    web_out: list[LinesOut | TableOut]

    def _open_web(self, web_format: str) -> None:
        self.web_out = []
        for ms in self.period.month_starts[:-1]:
            rel = f"web/site_activity_{_fmt(int(ms), '%Y-%m')}.{web_format}"
            if web_format == "parquet":
                self.web_out.append(self.out.parquet(rel, WEB_SCHEMA))
            else:
                self.web_out.append(self.out.lines(rel))

    def _visitors(
        self, ra: np.random.Generator, p: People, base: int, fills_forms: np.ndarray
    ) -> Visitors:
        """Each person's browsers (1-3), never-identified visitors and heavy visitors.

        One heavy visitor per ``HEAVY_EVERY`` leads, counted over the whole run: odd ones
        are bot-like scrapers nobody identifies, even ones a person's main browser (a power
        user who also fills forms, so the pipeline can stitch thousands of views to a lead).
        """
        n = len(p.ids)
        count = 1 + (ra.random(n) < 0.3) + (ra.random(n) < 0.08)
        start = np.cumsum(count) - count
        n_unknown = int(round(UNKNOWN_PER_LEAD * n))
        first_heavy = base // HEAVY_EVERY + 1
        heavy = np.arange(first_heavy, (base + n) // HEAVY_EVERY + 1)
        scrapers = heavy[heavy % 2 == 1]
        total = int(count.sum()) + n_unknown + len(scrapers)
        owner = np.full(total, -1, dtype=np.int64)
        owner[: count.sum()] = np.repeat(np.arange(n), count)
        style = np.zeros(total, dtype=np.int8)
        hits = np.zeros(total, dtype=np.int64)
        # Scrapers: Pareto tail from 30,000 page views; power users from 2,000.
        at = int(count.sum()) + n_unknown
        style[at:] = 1
        hits[at:] = np.minimum(30_000 * ra.random(len(scrapers)) ** (-1 / 1.3), 1_000_000)
        candidates = np.flatnonzero(fills_forms & ~np.array([bool(e) for e in p.extra]))
        for _ in heavy[heavy % 2 == 0]:
            if candidates.size:
                i = int(candidates[int(ra.random() * candidates.size)])
                style[start[i]] = 2
                hits[start[i]] = min(int(2_000 * ra.random() ** (-1 / 1.5)), 20_000)
        for i, extra in enumerate(p.extra):
            if extra.get("power_user"):
                style[start[i]], hits[start[i]] = 1, extra["power_user"]
        ids = ra.integers(0, 2**64, total, dtype=np.uint64)
        text = _hex_ids(ids, "v-").to_pylist()
        return Visitors(ids, text, owner, start, count, style, hits)

    def _activity(
        self,
        ra: np.random.Generator,
        p: People,
        vis: Visitors,
        forms: FormRows,
        webinars: tuple[np.ndarray, np.ndarray, np.ndarray],
        first_seen: np.ndarray,
        news: np.ndarray,
    ) -> None:
        """E-mail engagement and page views of a chunk, driven by propensity."""
        site, per = self.site, self.period
        prop = p.prop
        n = len(prop)
        clicks = self._email(ra, p, first_seen, news)
        parts: list[Views] = []

        # 1. Browsing sessions of people, some before they were first captured.
        fills = np.bincount(forms.person, minlength=n) > 0
        has_web = (ra.random(n) < WEB_SHARE[0] + WEB_SHARE[1] * prop) | fills
        a, b, sigma = WEB_SESSIONS
        n_sess = has_web * np.floor(ra.lognormal(a + b * prop, sigma)).astype(np.int64)
        owner = np.repeat(np.arange(n), n_sess)
        lo = np.maximum(per.t0, first_seen - 75 * DAY)[owner]
        start = lo + (ra.random(len(owner)) * (per.t1 - lo)).astype(np.int64)
        # Buying research comes in bursts, around the first capture: the more interested,
        # the more of a person's sessions fall in it.
        center = first_seen + ra.normal(-14 * DAY, 10 * DAY, n).astype(np.int64)
        in_burst = ra.random(len(owner)) < BURST[0] + BURST[1] * prop[owner]
        burst = center[owner] + ra.normal(0, BURST[2] * DAY, len(owner)).astype(np.int64)
        start = np.where(in_burst, burst, start)
        start = np.clip(_daytime(ra, start, 1.0), per.t0, per.t1 - 3600)
        u = ra.random((len(owner), 2))
        other = vis.start[owner] + (u[:, 1] * vis.count[owner]).astype(np.int64)
        visitor = np.where(u[:, 0] < 0.75, vis.start[owner], other)
        weights = np.outer(1 - prop, CAT_LO) + np.outer(prop, CAT_HI)
        pages = 1 + ra.poisson(WEB_PAGES[0] + WEB_PAGES[1] * prop[owner])
        paid = self._paid_campaign(ra, p, owner)
        parts.append(
            self._session_views(ra, start, visitor, pages, weights[owner], prop[owner], paid)
        )

        # 2. Never-identified visitors (job seekers, customers, readers).
        unknown = np.flatnonzero((vis.owner < 0) & (vis.style == 0))
        n_sess = np.maximum(1, np.floor(ra.lognormal(*UNKNOWN_SESSIONS, len(unknown))))
        n_sess = n_sess.astype(np.int64)
        visitor = np.repeat(unknown, n_sess)
        start = per.t0 + (ra.random(len(visitor)) * (per.t1 - per.t0)).astype(np.int64)
        start = np.clip(_daytime(ra, start, 1.0), per.t0, per.t1 - 3600)
        m = len(visitor)
        parts.append(
            self._session_views(
                ra, start, visitor, 1 + ra.poisson(0.3, m), np.tile(CAT_ANON, (m, 1)),
                np.zeros(m), self._paid_campaign(ra, None, visitor),
            )
        )  # fmt: skip

        # 3. Pages read just before a form, on the browser that submitted it.
        pre = np.flatnonzero((forms.visitor >= 0) & (ra.random(len(forms.ts)) < PRE_FORM))
        parts.append(
            self._session_views(
                ra, forms.ts[pre], forms.visitor[pre], 1 + ra.poisson(0.3, len(pre)),
                CAT_FORM[forms.form[pre]], prop[forms.person[pre]], forms.campaign[pre],
                end=True,
            )
        )  # fmt: skip

        # 4. The webinar's page, just before registering (some came from the invite).
        w_person, w_ts, w_which = webinars
        sel = np.flatnonzero(ra.random(len(w_ts)) < 0.35)
        invited = ra.random(len(sel)) < 0.4
        camp = np.where(
            invited, site.camp_of_email[np.array(site.invite_of_webinar)[w_which[sel]]], 0
        )
        m = len(sel)
        parts.append(
            Views(
                ts=(w_ts[sel] - ra.integers(20, 240, m)) * 1000 + ra.integers(0, 1000, m),
                visitor=vis.start[w_person[sel]],
                page=np.array(site.webinar_page)[w_which[sel]],
                seconds=ra.integers(10, 120, m),
                camp=camp,
                query=invited,
                forced=np.zeros(m, dtype=bool),
            )
        )

        # 5. E-mail clicks land on the site with the address (the browser is identified).
        c_person, c_ts, c_page, c_camp = clicks
        land = np.flatnonzero(ra.random(len(c_ts)) < 0.7)
        who = c_person[land]
        visitor = vis.start[who] + (ra.random(len(land)) * vis.count[who]).astype(np.int64)
        views = self._session_views(
            ra, c_ts[land] + ra.integers(2, 12, len(land)), visitor,
            1 + ra.poisson(0.05 + 0.5 * prop[who]), weights[who], prop[who],
            site.camp_of_email[c_camp[land]], first_page=c_page[land],
        )  # fmt: skip
        views.forced[:] = True
        parts.append(views)

        allv = Views.concat(parts)
        # Browsers are identified from their first form submit or e-mail click on.
        ident = np.full(len(vis.ids), np.iinfo(np.int64).max, dtype=np.int64)
        has = forms.visitor >= 0
        np.minimum.at(ident, forms.visitor[has], forms.ts[has] * 1000)
        np.minimum.at(ident, allv.visitor[allv.forced], allv.ts[allv.forced])
        self._write_web(ra, p, vis, allv, ident)

    def _paid_campaign(
        self, ra: np.random.Generator, p: People | None, owner: np.ndarray
    ) -> np.ndarray:
        """Campaign context of sessions: about one in five came from an ad or a social post."""
        m = len(owner)
        paid = ra.random(m) < 0.22
        pick = (ra.random(m) * (self.site.n_paid // 3)).astype(np.int64)
        if p is None:
            lang = np.zeros(m, dtype=np.int64)
        else:
            cc = np.array(p.country, dtype=object)[owner] if m else np.array([], dtype=object)
            lang = np.where(np.isin(cc, ["ES", "MX", "AR"]), 1, np.where(cc == "DE", 2, 0))
        return np.where(paid, 1 + pick * 3 + lang, 0)

    def _session_views(
        self,
        ra: np.random.Generator,
        start: np.ndarray,
        visitor: np.ndarray,
        pages: np.ndarray,
        weights: np.ndarray,
        prop: np.ndarray,
        camp: np.ndarray,
        end: bool = False,
        first_page: np.ndarray | None = None,
    ) -> Views:
        """Page views of sessions (``pages`` each) read one after the other from ``start``
        (seconds), or, with ``end``, ending 15-90 s before ``start``.

        The first page of a session with a campaign carries the UTM query in its URL;
        ``first_page`` fixes each session's first page (an e-mail link's target).
        """
        sess = np.repeat(np.arange(len(start)), pages)
        m = len(sess)
        cat = _draw_cat(ra, weights[sess]) if m else np.zeros(0, dtype=np.int64)
        mu = np.log(CAT_SECONDS[cat]) + 0.9 * prop[sess] * CAT_INTENT[cat]
        seconds = np.clip(ra.lognormal(mu, 0.8), 1, 1800).astype(np.int64)
        seconds[ra.random(m) < 0.04] = -1  # the last page of a tab left open: not measured
        gap = ra.integers(1, 9, m)
        offset, total = _offsets_in_group(sess, np.where(seconds >= 0, seconds, 30) + gap)
        if end:
            start = start - total.astype(np.int64) - ra.integers(15, 90, len(start))
        first = np.r_[True, sess[1:] != sess[:-1]] if m else np.zeros(0, dtype=bool)
        page = self.site.pages_of(ra, cat)
        if first_page is not None:
            page = np.where(first, first_page[sess], page)
        return Views(
            ts=(start[sess] + offset.astype(np.int64)) * 1000 + ra.integers(0, 1000, m),
            visitor=visitor[sess],
            page=page,
            seconds=seconds,
            camp=np.where(first, camp[sess], 0),
            query=first & (camp[sess] > 0),
            forced=np.zeros(m, dtype=bool),
        )

    def _heavy_views(
        self,
        ra: np.random.Generator,
        vis: Visitors,
        heavy: np.ndarray,
        count: np.ndarray,
        lo: int,
        hi: int,
    ) -> Views:
        """``count`` page views of each heavy visitor between ``lo`` and ``hi`` (seconds),
        in time order: scrapers around the clock with almost no time on page, power users
        in office hours, mostly in the docs."""  # fmt: skip
        visitor = np.repeat(heavy, count)
        m = len(visitor)
        scraper = vis.style[visitor] == 1
        ts = lo + (ra.random(m) * (hi - lo)).astype(np.int64)
        ts = np.where(scraper, ts, np.clip(_daytime(ra, ts, 1.0), lo, hi - 1))
        u = ra.random(m)
        cat = np.where(
            scraper,
            np.searchsorted(np.cumsum(CAT_SCRAPER), u * CAT_SCRAPER.sum(), side="right"),
            np.searchsorted(np.cumsum(CAT_POWER), u * CAT_POWER.sum(), side="right"),
        ).clip(0, len(PAGE_CATS) - 1)
        seconds = np.where(
            scraper, ra.integers(0, 3, m), np.clip(ra.lognormal(np.log(40), 1.0, m), 1, 1800)
        ).astype(np.int64)
        order = np.argsort(ts, kind="stable")
        return Views(
            ts=ts[order] * 1000 + ra.integers(0, 1000, m),
            visitor=visitor[order],
            page=self.site.pages_of(ra, cat[order]),
            seconds=seconds[order],
            camp=np.zeros(m, dtype=np.int64),
            query=np.zeros(m, dtype=bool),
            forced=np.zeros(m, dtype=bool),
        )

    def _write_web(
        self, ra: np.random.Generator, p: People, vis: Visitors, v: Views, ident: np.ndarray
    ) -> None:
        """Write the page views month by month: the chunk's people and unknown visitors in
        time order, then the heavy visitors' in time windows of at most WRITE_BATCH."""
        per = self.period
        vis_text = pa.array(vis.text)
        emails = pa.array(p.email)
        month_ms = per.month_starts * 1000
        heavy = np.flatnonzero(vis.hits > 0)
        # Chunk 0's first views carry every kind of breakage, so even tiny runs show them.
        force = [1, 2, 3] if p.chunk == 0 else []
        for mo in range(len(per.month_starts) - 1):
            sel = np.flatnonzero((v.ts >= month_ms[mo]) & (v.ts < month_ms[mo + 1]))
            sel = sel[np.argsort(v.ts[sel], kind="stable")]
            views = Views(*(getattr(v, f.name)[sel] for f in fields(Views)))
            force = self._write_views(ra, mo, vis, views, ident, force, vis_text, emails)
            lo, hi = int(per.month_starts[mo]), int(per.month_starts[mo + 1])
            count = ra.binomial(vis.hits[heavy], (hi - lo) / (per.t1 - per.t0))
            windows = max(1, -(-int(count.sum()) // WRITE_BATCH))
            split = ra.multinomial(count, np.full(windows, 1 / windows)) if heavy.size else None
            for w in range(windows if heavy.size else 0):
                a, b = lo + (hi - lo) * w // windows, lo + (hi - lo) * (w + 1) // windows
                views = self._heavy_views(ra, vis, heavy, split[:, w], a, b)
                force = self._write_views(ra, mo, vis, views, ident, force, vis_text, emails)
            pa.default_memory_pool().release_unused()

    def _write_views(
        self,
        ra: np.random.Generator,
        mo: int,
        vis: Visitors,
        views: Views,
        ident: np.ndarray,
        force: list[int],
        vis_text: pa.Array,
        emails: pa.Array,
    ) -> list[int]:
        """Identify, break a few and write page views (in time order) to month ``mo``;
        returns the breakages still to force."""
        m = len(views.ts)
        owner = vis.owner[views.visitor]
        # A browser identified earlier sends the e-mail as userId on some of its views.
        known = views.ts > ident[views.visitor]
        user = np.where(
            (owner >= 0) & (views.forced | (known & (ra.random(m) < IDENTIFIED))), owner, -1
        )
        broken = np.where(ra.random(m) < EVENT_BROKEN_RATE, ra.integers(1, 4, m), 0)
        take = min(len(force), m)
        broken[:take], force = force[:take], force[take:]
        visitor = np.where(broken == 1, -1, views.visitor)
        user = np.where(broken == 1, -1, user)
        twice = ra.random(m) < 0.003  # the CDP delivers a few events twice
        ids = ra.integers(0, 2**64, m, dtype=np.uint64)
        rows = np.repeat(np.arange(m), 1 + twice)
        for lo in range(0, len(rows), WRITE_BATCH):  # bounded memory
            at = rows[lo : lo + WRITE_BATCH]
            part = Views(*(getattr(views, f.name)[at] for f in fields(Views)))
            cols = self._web_columns(
                part, visitor[at], user[at], broken[at], ids[at], vis_text, emails
            )
            out = self.web_out[mo]
            if isinstance(out, TableOut):
                out.write(pa.table(cols, schema=WEB_SCHEMA))
            else:
                out.write(self._web_json(cols, broken[at]))
        return force

    def _web_columns(
        self,
        v: Views,
        visitor: np.ndarray,
        user: np.ndarray,
        broken: np.ndarray,
        ids: np.ndarray,
        vis_text: pa.Array,
        emails: pa.Array,
    ) -> dict[str, pa.Array]:
        """The flat columns of page views (the Parquet layout)."""
        site = self.site
        m = len(v.ts)
        page, camp = pa.array(v.page), pa.array(v.camp)
        url = site.url.take(page)
        url = pc.if_else(pa.array(v.query), _concat(url, site.camp_query.take(camp)), url)
        no_camp = v.camp == 0
        return {
            "message_id": _hex_ids(ids),
            "timestamp": pa.array(v.ts, pa.timestamp("ms", tz="UTC"), mask=broken == 2),
            "anonymous_id": vis_text.take(pa.array(np.maximum(visitor, 0), mask=visitor < 0)),
            "user_id": emails.take(pa.array(np.maximum(user, 0), mask=user < 0)),
            "event": pa.repeat(pa.scalar("Page Viewed"), m),
            "url": url,
            "path": site.path.take(page),
            "time_on_page_seconds": pa.array(
                v.seconds, pa.int64(), mask=(v.seconds < 0) | (broken == 3)
            ),
            "title": site.title.take(page),
            "campaign_name": site.camp_name.take(pa.array(v.camp, mask=no_camp)),
            "campaign_source": site.camp_source.take(pa.array(v.camp, mask=no_camp)),
            "campaign_medium": site.camp_medium.take(pa.array(v.camp, mask=no_camp)),
        }

    def _web_json(self, cols: dict[str, pa.Array], broken: np.ndarray) -> pa.Array:
        """The CDP's nested JSON lines, built from the flat columns."""

        def quoted(col: pa.Array) -> pa.Array:
            return pc.fill_null(_concat('"', col, '"'), "null")

        stamp = pc.strftime(cols["timestamp"].cast(pa.timestamp("ms")), format="%Y-%m-%dT%H:%M:%S")
        stamp = pc.fill_null(_concat('"', stamp, 'Z"'), '"Invalid Date"')
        seconds = pc.fill_null(cols["time_on_page_seconds"].cast(pa.string()), "null")
        seconds = pc.if_else(pa.array(broken == 3), '"NaN"', seconds)
        campaign = _concat(
            '{"campaign":{"name":', quoted(cols["campaign_name"]), ',"source":',
            quoted(cols["campaign_source"]), ',"medium":', quoted(cols["campaign_medium"]), "}}",
        )  # fmt: skip
        context = pc.if_else(pc.is_null(cols["campaign_name"]), "{}", campaign)
        return _concat(
            '{"messageId":"', cols["message_id"], '","timestamp":', stamp, ',"anonymousId":',
            quoted(cols["anonymous_id"]), ',"userId":', quoted(cols["user_id"]),
            ',"event":"Page Viewed","properties":{"url":', quoted(cols["url"]), ',"path":',
            quoted(cols["path"]), ',"time_on_page_seconds":', seconds, ',"title":',
            quoted(cols["title"]), '},"context":', context,
            "}\n",
        )  # fmt: skip

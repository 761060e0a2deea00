"""Export family: sales' side. CRM decisions and discovery answers by month, Salesforce
month-end opportunity snapshots, and the chat tool's conversations of returning leads.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from flows.generate import zoho
from flows.generate.common import (
    DAY,
    CsvOut,
    LinesOut,
    Market,
    _concat,
    _daytime,
    _fmt,
    _h64,
    _hex_ids,
    _pick,
    _rng,
)
from flows.generate.companies import INDUSTRIES, Companies
from flows.generate.forms import FormRows
from flows.generate.people import (
    COMPETITOR,
    FREEMAIL_KIND,
    STUDENT,
    People,
    _broken_email,
    _raw_email,
)
from flows.generate.site import SITE
from flows.generate.web import Visitors
from flows.generate.world import COUNTRY_SPELLINGS

# Sales works the inbound hand-raises (forms 3-5); a rejected lead may come back later
# through the chat; accepted ones get discovery calls and sometimes an opportunity.
DIRECT_TO_SALES = 0.12  # hand-raisers routed to sales before enrichment
# Optional outbound follow-up (``generate(follow_up=...)``): sales development calls this share
# of the leads that never raised a hand, this many days after the CRM routed them to sales
# (their first record, or their company's enrichment when that came later).
FOLLOW_UP_DAYS = (2, 15)
HAND_RAISES = (3, 4, 5)  # FORMS indices: Demo request, Pricing request, Contact sales
REPS = [
    "Lucía Ortega", "Javier Molina", "Oliver Bennett", "Charlotte Hayes", "Ethan Brooks",
    "Valentina Cruz", "Lena Vogel", "Camille Laurent",
]  # fmt: skip
# Reps of each country (a lead's rep is picked among them by a hash of the e-mail).
REPS_OF = {
    "ES": (0, 1), "PT": (1,), "MX": (5,), "AR": (5,), "BR": (5,), "GB": (2, 3), "IE": (3,),
    "US": (4,), "DE": (6,), "NL": (6,), "FR": (7,), "IT": (7,),
}  # fmt: skip
OTHER_REPS = (2, 4)
# Rejection reasons as the CRM labels them; the mapping profile maps them to the keys.
REASONS = [
    "No budget", "No need", "Bad timing", "Not the decision maker", "No response",
    "Competitor", "Student / personal", "Invalid contact", "Duplicate", "Do not contact",
    "Out of territory",
]  # fmt: skip
R_BAD_TIMING, R_COMPETITOR, R_STUDENT, R_OOT = 2, 5, 6, 10
NOT_DECIDED = -2  # a hand-raiser sales has not decided on (yet): -1 is accepted
# Reasons of a business lead in territory that sales turns down (REASONS indices, weights).
BUSINESS_REASONS = np.array([0, 1, 2, 3, 4, 8, 9, 7])
BUSINESS_REASON_P = np.array([0.21, 0.19, 0.2, 0.14, 0.18, 0.03, 0.03, 0.02])
RECYCLE_P = np.array([0.25, 0.25, 0.5, 0.25, 0.25])  # P(comes back) for reasons 0-4
RECYCLE_AFTER = 185 * DAY  # renewed interest at least this long after the rejection
RECYCLE_MIN_AGE = 200 * DAY  # only decisions at least this long before the period end
DECISION_HEADER = [
    "Decision ID", "Lead Email", "Status", "Rejection Reason", "Owner", "First Contacted At",
    "Decided At", "Notes",
]  # fmt: skip
NOTES_ACCEPTED = [
    "", "", "", "Booked discovery call", "Strong fit, wants a demo for the team",
    "Called twice, booked discovery", "Referred by a customer",
]  # fmt: skip
NOTES_REJECTED = [
    "", "", "", "", "Left voicemail", "No reply to 3 e-mails, 2 calls", "Revisit next quarter",
    'Said "not now"',
]  # fmt: skip
# Discovery questions (as the call form asks them), their criterion keys, and whether
# the question is MEDDICC-specific (harder to confirm on a first call).
QUESTIONS = [
    ("Budget confirmed", "budget", 0), ("Decision maker engaged", "authority", 0),
    ("Need or pain confirmed", "need", 0), ("Purchase timeline", "timeline", 0),
    ("Challenges identified", "challenges", 0), ("Initiative prioritised", "priority", 0),
    ("Success metrics agreed", "metrics", 1), ("Economic buyer identified", "economic_buyer", 1),
    ("Decision criteria known", "decision_criteria", 1),
    ("Decision process known", "decision_process", 1), ("Pain identified", "pain", 0),
    ("Champion identified", "champion", 1), ("Competition known", "competition", 1),
    ("Goals stated", "goals", 0), ("Plans stated", "plans", 0),
    ("Negative consequences understood", "negative_consequences", 0),
    ("Positive implications understood", "positive_implications", 0),
]  # fmt: skip
Q_TIMELINE = 3
Q_BANT = [0, 1, 2, 3]
ANSWER_TEXT = ["Yes", "No", "Not sure", "Partially"]  # the last one is a broken value
ANSWERS_HEADER = [
    "Answer ID", "Call ID", "Call Date", "Lead Email", "Question", "Answer",
    "Timeline (months)", "Rep",
]  # fmt: skip
OPPORTUNITY_HEADER = [
    "Id", "Name", "AccountId", "Account.Name", "Account.Website", "Primary_Contact_Email__c",
    "CreatedDate", "Amount", "CurrencyIsoCode", "CloseDate", "StageName", "Closed_At__c",
    "Loss_Reason__c", "Owner.Name", "LastModifiedDate",
]  # fmt: skip
STAGES = ["Proposal/Price Quote", "Negotiation/Review", "Closed Won", "Closed Lost"]
LOSS_REASONS = ["Price", "Competitor", "No decision", "Timing", "Status quo"]
EURO = {"ES", "DE", "FR", "PT", "IE", "IT", "NL"}
CHAT_INTENTS = ["talk_to_sales", "book_demo", "pricing_question"]
CHAT_PAGES = ["/", "/pricing", "/product", "/features/lead-scoring", "/case-studies/acme-logistics"]
_ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
# Deliberately broken rows (beyond the forced ones of chunk 0), per record of each sales export.
SALES_BROKEN_RATE = {"decisions": 0.01, "answers": 0.002, "opportunities": 0.01, "chats": 0.01}


def _zoho_time(ts: int) -> str:
    """A timestamp as Zoho's exports write it: ``2026-01-17 05:38:58``."""
    return _fmt(ts, "%Y-%m-%d %H:%M:%S")


def _assign_reps(p: Any, rep: np.ndarray, persons: np.ndarray) -> None:
    """Each person's sales rep: one of their country's reps, picked by a hash of the e-mail."""
    for i in persons:
        reps = REPS_OF.get(p.country[i], OTHER_REPS)
        rep[i] = reps[_h64(p.email[i]) % len(reps)]


class SalesExports(Market):
    """Sales' exports: CRM decisions and discovery answers by month, Salesforce month-end
    snapshots of the opportunities, the chat tool's conversations."""

    comp: Companies
    follow_up: float
    crm: str  # "salesforce" (the sample) or "zoho": which CRM's opportunity exports
    decisions_out: list[CsvOut]
    answers_out: list[LinesOut]
    opportunities_out: list[CsvOut]
    zoho_people_out: tuple[CsvOut, CsvOut]  # Zoho's Leads and Contacts (crm="zoho")
    chat_out: LinesOut

    def _open_sales(self) -> None:
        per, out = self.period, self.out
        months = [_fmt(int(ms), "%Y-%m") for ms in per.month_starts[:-1]]
        self.decisions_out = [
            out.csv(f"crm/lead_decisions_{m}.csv", DECISION_HEADER) for m in months
        ]
        self.answers_out = [
            out.lines(f"crm/discovery_answers_{m}.csv", ANSWERS_HEADER) for m in months
        ]
        if self.crm == "zoho":
            self.opportunities_out = [
                out.csv(zoho.deals_path(_fmt(int(end) - DAY, "%Y-%m-%d")), zoho.DEALS_HEADER)
                for end in per.month_starts[1:]
            ]
            day = _fmt(int(per.month_starts[-1]) - DAY, "%Y-%m-%d")
            self.zoho_people_out = (
                out.csv(zoho.leads_path(day), zoho.LEADS_HEADER),
                out.csv(zoho.contacts_path(day), zoho.CONTACTS_HEADER),
            )
        else:
            self.opportunities_out = [
                out.csv(f"salesforce/Opportunity_{_fmt(int(end) - DAY, '%Y-%m-%d')}.csv",
                        OPPORTUNITY_HEADER)
                for end in per.month_starts[1:]
            ]  # fmt: skip
        self.chat_out = out.lines("chat/chat_conversations.jsonl")

    # ---- sales: decisions, discovery calls, opportunities, returners' chats

    def _sales(
        self,
        rs: np.random.Generator,
        p: People,
        vis: Visitors,
        forms: FormRows,
        converted: np.ndarray,
        first_seen: np.ndarray,
    ) -> None:
        """Sales' side of the chunk's hand-raisers, from its own random stream ``rs``.

        Each person's first hand-raise form is worked (most are): first contacted after a
        log-normal delay (some beyond a day: SLA breaches), then accepted or rejected with
        a reason. Some rejected for a business reason come back through the chat at least
        ``RECYCLE_AFTER`` later and are decided again. Accepted leads get a discovery call
        (some a follow-up), and, the keener and the more criteria confirmed, an
        opportunity that the month-end snapshots follow to its close: won when the person
        converted (truth), lost otherwise. A few hand-raisers sales never worked still get
        an opportunity. Chats always come after a person's first hand-raise form. With
        ``follow_up`` > 0, sales development also calls that share of the other leads
        (``_follow_ups``), decided and worked as the hand-raisers are.
        """
        per = self.period
        n = len(p.ids)
        big = np.iinfo(np.int64).max
        hand = np.isin(forms.form, HAND_RAISES)
        h1 = np.full(n, big, dtype=np.int64)
        np.minimum.at(h1, forms.person[hand], forms.ts[hand])
        raiser = np.flatnonzero(h1 < big)
        m = len(raiser)
        seg = np.array(p.segment, dtype=object)
        rep = np.zeros(n, dtype=np.int64)
        _assign_reps(p, rep, raiser)

        # 1. First decisions on the first hand-raise. The CRM routes a hand-raiser to sales
        # once the company's enrichment is in (marketing's hand-off); a few inbound requests
        # go to sales directly, before the lead is profiled (flagged as stage skips later).
        worked = rs.random(m) < 0.92
        delay = np.clip(rs.lognormal(np.log(3 * 3600), 1.75, m), 120, 20 * DAY)
        c = np.maximum(p.comp, 0)
        enriched_at = np.where((p.comp >= 0) & self.comp.enriched[c], self.comp.as_of[c], 0)
        known = enriched_at[raiser]
        direct = rs.random(m) < DIRECT_TO_SALES
        routed = np.where(direct, h1[raiser], np.maximum(h1[raiser], known))
        contacted = routed + delay.astype(np.int64)
        think = np.where(
            rs.random(m) < 0.2,
            rs.integers(300, 3300, m),
            np.minimum(rs.exponential(1.5 * DAY, m), 6 * DAY),
        ).astype(np.int64)
        decided = contacted + think
        reason = self._outcome(rs, p, seg, raiser)
        done = np.flatnonzero(worked & (decided < per.t1))
        d_person, d_contacted = raiser[done], contacted[done]
        d_decided, d_reason = decided[done], reason[done]
        if self.follow_up > 0:
            routed_at = np.maximum(first_seen, enriched_at)
            f_person, f_contacted, f_decided = self._follow_ups(p, routed_at, h1 == big)
            _assign_reps(p, rep, f_person)
            d_person, d_contacted = np.r_[d_person, f_person], np.r_[d_contacted, f_contacted]
            d_decided = np.r_[d_decided, f_decided]
            d_reason = np.r_[d_reason, self._outcome(rs, p, seg, f_person)]
            done = np.arange(len(d_person))

        # 2. Returners: rejected for a business reason, back through the chat much later.
        recyclable = (d_reason >= 0) & (d_reason <= 4)
        back = np.flatnonzero(
            recyclable
            & (d_decided <= per.t1 - RECYCLE_MIN_AGE)
            & (rs.random(len(done)) < RECYCLE_P[np.clip(d_reason, 0, 4)])
        )
        k = len(back)
        r_person = d_person[back]
        lo = d_decided[back] + RECYCLE_AFTER
        hi = per.t1 - 4 * DAY
        chat_ts = np.clip(_daytime(rs, lo + (rs.random(k) * (hi - lo)).astype(np.int64)), lo, hi)
        r_decided = chat_ts + rs.integers(600, 3 * DAY, k)
        r_contacted = chat_ts + (rs.random(k) * 0.5 * (r_decided - chat_ts)).astype(np.int64)
        r_reason = np.where(rs.random(k) < 0.6, -1, self._business_reason(rs, k))
        r_intent = rs.integers(0, 2, k)  # talk_to_sales or book_demo

        dec_person = np.r_[d_person, r_person]
        dec_decided = np.r_[d_decided, r_decided]
        dec_reason = np.r_[d_reason, r_reason]
        showcase = np.array([bool(e) for e in p.extra], dtype=bool)
        protect = showcase[dec_person] | np.isin(dec_person, r_person)
        self._write_decisions(
            rs, p, rep, dec_person, np.r_[d_contacted, r_contacted], dec_decided, dec_reason,
            protect,
        )  # fmt: skip

        # 3. Discovery calls of the accepted, then opportunities.
        acc = np.flatnonzero(dec_reason < 0)
        o_person, last_call, share = self._discovery(rs, p, rep, dec_person[acc], dec_decided[acc])
        want = rs.random(len(o_person)) < 0.1 + 0.75 * p.prop[o_person] * share
        created = last_call + rs.integers(1800, 14 * DAY, len(o_person))
        unworked = raiser[~worked]
        stray = unworked[rs.random(len(unworked)) < 0.12]  # never decided, yet an opportunity
        s_created = h1[stray] + rs.integers(5 * DAY, 40 * DAY, len(stray))
        o_person = np.r_[o_person[want], stray]
        created = np.r_[created[want], s_created]
        keep = created < per.t1
        self._opportunities(rs, p, rep, o_person[keep], created[keep], converted, showcase)
        if self.crm == "zoho":
            decision = np.where(worked & (decided < per.t1), reason, NOT_DECIDED)
            called = worked & (contacted < per.t1)
            self._zoho_people(
                p, rep, raiser, routed, decision, called, o_person[keep], created[keep]
            )

        # 4. Chats: the returners', and a few more from hand-raisers after their first form.
        extra = raiser[rs.random(m) < 0.05]
        e_ts = h1[extra] + rs.integers(3600, 60 * DAY, len(extra))
        e_intent = rs.choice(3, size=len(extra), p=[0.35, 0.25, 0.4])
        ok = e_ts < per.t1
        self._chats(
            rs, p, vis, np.r_[r_person, extra[ok]], np.r_[chat_ts, e_ts[ok]],
            np.r_[r_intent, e_intent[ok]], np.arange(k + int(ok.sum())) < k,
        )  # fmt: skip

    def _zoho_people(
        self,
        p: People,
        rep: np.ndarray,
        raiser: np.ndarray,
        routed: np.ndarray,
        decision: np.ndarray,
        called: np.ndarray,
        o_person: np.ndarray,
        o_created: np.ndarray,
    ) -> None:
        """Zoho's Leads and Contacts of the chunk (see :mod:`flows.generate.zoho`): each
        hand-raiser routed to sales in the period is a lead, with the status of sales' first
        ``decision`` (``NOT_DECIDED``: none yet; ``called``: contacted by then), unless it
        has a deal: then it is a contact, created with its first deal."""
        first_deal: dict[int, int] = {}
        for i, at in zip(o_person.tolist(), o_created.tolist(), strict=True):
            first_deal[i] = min(at, first_deal.get(i, at))
        leads = []
        for j, i in enumerate(raiser.tolist()):
            at = int(routed[j])
            if at >= self.period.t1 or i in first_deal:
                continue
            d = int(decision[j])
            status = zoho.lead_status(None if d == NOT_DECIDED else d, bool(called[j]))
            leads.append(
                (at, zoho.lead_row(self._zoho_person(p, rep, i, at), _zoho_time(at), status))
            )
        contacts = [
            (at, zoho.contact_row(self._zoho_person(p, rep, i, at), _zoho_time(at)))
            for i, at in first_deal.items()
        ]
        self.zoho_people_out[0].write(leads)
        self.zoho_people_out[1].write(contacts)

    def _zoho_person(self, p: People, rep: np.ndarray, i: int, at: int) -> dict[str, str]:
        """Person ``i`` as a Zoho record created at ``at``: owner, name, company (as on the
        deals), canonical e-mail, and the company's firmographics once its enrichment is in."""
        c = int(p.comp[i])
        comp = self.comp
        known = c >= 0 and bool(comp.enriched[c]) and at >= int(comp.as_of[c])
        cc = p.country[i]
        return {
            "owner": REPS[rep[i]], "first": p.first[i], "last": p.last[i], "title": p.title[i],
            "company": self._account(p, i)[1], "email": p.email[i], "phone": p.phone[i],
            "website": p.org_domain[i] or "", "country": COUNTRY_SPELLINGS.get(cc, [cc])[0],
            "industry": INDUSTRIES[comp.industry(c)] if known else "",
            "revenue": f"{comp.revenue[c]:.0f}" if known and not comp.rev_null[c] else "",
            "employees": str(int(comp.employees[c])) if known and not comp.emp_null[c] else "",
        }  # fmt: skip

    def _follow_ups(
        self, p: People, routed_at: np.ndarray, silent: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Outbound follow-up of leads that never raised a hand (``silent``): each is called
        with probability ``follow_up``, ``FOLLOW_UP_DAYS`` after it was routed to sales, and
        decided within a few days. From a random stream of its own, so the other exports do
        not change with it. Returns person, first contact and decision times in the period."""
        per = self.period
        rf = _rng(self.seed, 6, p.chunk)
        cand = np.flatnonzero(silent & (routed_at < per.t1))
        called = cand[rf.random(len(cand)) < self.follow_up]
        m = len(called)
        lo, hi = FOLLOW_UP_DAYS
        contacted = _daytime(rf, routed_at[called] + rf.integers(lo, hi, m) * DAY, 1.0)
        decided = contacted + rf.integers(600, 3 * DAY, m)
        keep = decided < per.t1
        return called[keep], contacted[keep], decided[keep]

    def _outcome(
        self, rs: np.random.Generator, p: People, seg: np.ndarray, person: np.ndarray
    ) -> np.ndarray:
        """Sales' decision on each person's first hand-raise: -1 accepted, else the REASONS
        index of the rejection."""
        m = len(person)
        kind, prop = p.kind[person], p.prop[person]
        u = rs.random((m, 2))
        reason = np.where(u[:, 0] < 0.25 + 0.65 * prop, -1, self._business_reason(rs, m))
        reason = np.where((seg[person] == "out_of_territory") & (u[:, 1] < 0.85), R_OOT, reason)
        reason = np.where(kind == COMPETITOR, R_COMPETITOR, reason)
        poor = np.isin(kind, (FREEMAIL_KIND, STUDENT))
        return np.where(poor, np.where(u[:, 1] < 0.07, -1, R_STUDENT), reason)

    @staticmethod
    def _business_reason(rs: np.random.Generator, m: int) -> np.ndarray:
        w = BUSINESS_REASON_P
        pick = np.searchsorted(np.cumsum(w), rs.random(m) * w.sum(), side="right")
        return BUSINESS_REASONS[pick.clip(0, len(w) - 1)]

    @staticmethod
    def _force(broken: np.ndarray, eligible: dict[int, np.ndarray]) -> None:
        """Break the first eligible, still unbroken row with each kind (chunk 0), so even
        tiny runs contain every kind of broken row."""
        for kind, ok in eligible.items():
            cand = np.flatnonzero(ok & (broken == 0))
            if cand.size:
                broken[cand[0]] = kind

    def _write_decisions(
        self,
        rs: np.random.Generator,
        p: People,
        rep: np.ndarray,
        person: np.ndarray,
        contacted: np.ndarray,
        decided: np.ndarray,
        reason: np.ndarray,
        protect: np.ndarray,
    ) -> None:
        """The CRM's lead decisions, by month of the decision. Broken kinds: 1 an unknown
        status, 2 a rejection without reason, 3 a malformed e-mail, 4 a zero date."""
        per = self.period
        m = len(person)
        broken = np.where(rs.random(m) < SALES_BROKEN_RATE["decisions"], rs.integers(1, 5, m), 0)
        broken[(broken == 2) & (reason < 0)] = 0
        broken[protect] = 0
        if p.chunk == 0:
            free = ~protect
            self._force(broken, {1: free, 2: free & (reason >= 0), 3: free, 4: free})
        ids = _hex_ids(rs.integers(0, 2**64, m, dtype=np.uint64)).to_pylist()
        u_case = rs.random(m)
        u_note = rs.random(m)
        month = np.searchsorted(per.month_starts, decided, side="right") - 1
        rows: list[list[tuple[int, list[str]]]] = [[] for _ in per.month_starts[:-1]]
        for j in range(m):
            i, b = int(person[j]), int(broken[j])
            email = p.email[i]
            if b == 3:
                email = _broken_email(email, p.first[i], p.last[i], 5)
            elif u_case[j] < 0.03:
                email = email.upper()
            elif u_case[j] < 0.08:
                email = _raw_email(email, 0.75)
            accepted = reason[j] < 0
            status = "Maybe" if b == 1 else "Sales Accepted" if accepted else "Rejected"
            label = "" if accepted or b == 2 else REASONS[reason[j]]
            notes = _pick(u_note[j], NOTES_ACCEPTED if accepted else NOTES_REJECTED)
            when = "0000-00-00 00:00:00" if b == 4 else _fmt(int(decided[j]), "%Y-%m-%d %H:%M:%S")
            rows[month[j]].append((int(decided[j]), [
                ids[j], email, status, label, REPS[rep[i]],
                _fmt(int(contacted[j]), "%Y-%m-%d %H:%M:%S"), when, notes,
            ]))  # fmt: skip
        for mo, batch in enumerate(rows):
            self.decisions_out[mo].write(batch)

    @staticmethod
    def _answers(rs: np.random.Generator, p_yes: np.ndarray) -> np.ndarray:
        """Answer codes (ANSWER_TEXT indices): 0 yes, 1 no, 2 not sure."""
        u = rs.random((2, *p_yes.shape))
        return np.where(u[0] < p_yes, 0, np.where(u[1] < 0.35, 2, 1))

    def _discovery(
        self,
        rs: np.random.Generator,
        p: People,
        rep: np.ndarray,
        person: np.ndarray,
        decided: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Discovery calls of accepted leads (every question asked); a follow-up call of
        some re-asks what was not confirmed. Returns, for leads with a call in the period,
        the person, the last call's time and the share of BANT criteria confirmed."""
        per = self.period
        a, nq = len(person), len(QUESTIONS)
        prop = p.prop[person]
        hard = np.array([q[2] for q in QUESTIONS])
        call1 = _daytime(rs, decided + rs.integers(1, 11, a) * DAY, 1.0)
        noise = rs.normal(0.0, 0.1, (a, nq))
        p_yes = np.clip(0.15 + 0.75 * prop[:, None] - 0.12 * hard + noise, 0.02, 0.97)
        ans1 = self._answers(rs, p_yes)
        follow = rs.random(a) < 0.3
        call2 = _daytime(rs, call1 + rs.integers(7, 31, a) * DAY, 1.0)
        ans2 = self._answers(rs, np.clip(p_yes + 0.1, 0.02, 0.97))
        months = 1 + rs.poisson(1 + 9 * (1 - prop), (2, a))
        call_ids = rs.integers(0, 2**64, (2, a), dtype=np.uint64)
        ok = call1 < per.t1
        has2 = ok & follow & (ans1 != 0).any(axis=1) & (call2 < per.t1)
        final = np.where(has2[:, None] & (ans1 != 0), ans2, ans1)
        l1, q1 = np.nonzero(np.broadcast_to(ok[:, None], (a, nq)))
        l2, q2 = np.nonzero(has2[:, None] & (ans1 != 0))
        lead, q = np.r_[l1, l2], np.r_[q1, q2]
        second = np.arange(len(lead)) >= len(l1)
        cols = (
            np.where(second, call2[lead], call1[lead]),
            np.where(second, ans2[lead, q], ans1[lead, q]),
            np.where(second, months[1, lead], months[0, lead]),
            np.where(second, call_ids[1, lead], call_ids[0, lead]),
        )
        self._write_answers(rs, p, rep, person[lead], q, *cols)
        last = np.where(has2, call2, call1)
        share = (final[:, Q_BANT] == 0).mean(axis=1) if a else np.zeros(0)
        return person[ok], last[ok], share[ok]

    def _write_answers(
        self,
        rs: np.random.Generator,
        p: People,
        rep: np.ndarray,
        person: np.ndarray,
        q: np.ndarray,
        ts: np.ndarray,
        ans: np.ndarray,
        months: np.ndarray,
        call_id: np.ndarray,
    ) -> None:
        """One row per question asked, by month of the call. Broken kinds: 1 an answer
        outside the list, 2 an unparseable call date, 3 a range as timeline."""
        per = self.period
        m = len(person)
        timeline = (q == Q_TIMELINE) & (ans == 0)
        broken = np.where(rs.random(m) < SALES_BROKEN_RATE["answers"], rs.integers(1, 4, m), 0)
        broken[(broken == 3) & ~timeline] = 0
        if p.chunk == 0:
            every = np.ones(m, dtype=bool)
            self._force(broken, {1: every, 2: every, 3: timeline})
        answer_ids = _hex_ids(rs.integers(0, 2**64, m, dtype=np.uint64), "ans_")
        ans = np.where(broken == 1, 3, ans)
        month = np.searchsorted(per.month_starts, ts, side="right") - 1
        emails, reps = pa.array(p.email), pa.array(REPS)
        questions = pa.array([text for text, *_ in QUESTIONS])
        answers = pa.array(ANSWER_TEXT)
        for mo in range(len(per.month_starts) - 1):
            idx = np.flatnonzero(month == mo)
            idx = idx[np.lexsort((q[idx], call_id[idx], ts[idx]))]
            if not len(idx):
                continue
            b = pa.array(broken[idx])
            stamp = pc.strftime(pa.array(ts[idx], pa.timestamp("s")), format="%Y-%m-%d %H:%M")
            stamp = pc.if_else(pc.equal(b, 2), "TBC", stamp)
            span = pc.if_else(pa.array(timeline[idx]), pa.array(months[idx]).cast(pa.string()), "")
            span = pc.if_else(pc.equal(b, 3), "6-9", span)
            lines = _concat(
                answer_ids.take(pa.array(idx)), ",", _hex_ids(call_id[idx], "call_"), ",", stamp,
                ",", emails.take(pa.array(person[idx])), ",", questions.take(pa.array(q[idx])),
                ",", answers.take(pa.array(ans[idx])), ",", span, ",",
                reps.take(pa.array(rep[person[idx]])), "\n",
            )  # fmt: skip
            self.answers_out[mo].write(lines)

    def _account(self, p: People, i: int) -> tuple[str, str, str]:
        """Salesforce account of a person: id, name and website (blank without a company)."""
        c = int(p.comp[i])
        key = f"company:{c}" if c >= 0 else f"person:{p.email[i]}"
        digest = hashlib.blake2b(f"{self.seed}:{key}".encode(), digest_size=12).digest()
        code = int.from_bytes(digest, "little") % len(_ALNUM) ** 15
        chars = []
        for _ in range(15):
            code, d = divmod(code, len(_ALNUM))
            chars.append(_ALNUM[d])
        if c < 0:
            return "001" + "".join(chars), f"{p.first[i]} {p.last[i]}", ""
        return "001" + "".join(chars), self.comp.legal_name(c), f"https://www.{p.org_domain[i]}/"

    def _opportunities(
        self,
        rs: np.random.Generator,
        p: People,
        rep: np.ndarray,
        person: np.ndarray,
        created: np.ndarray,
        converted: np.ndarray,
        showcase: np.ndarray,
    ) -> None:
        """Opportunities in every month-end snapshot from their creation on, each with its
        state as of the snapshot: proposal, then (most) negotiation, then closed around
        the expected close date, won when the person converted. Broken kinds: 1 an
        unknown stage in the first snapshot, 2 an unparseable close date, 3 a non-numeric
        amount, 4 neither contact e-mail nor website."""
        per = self.period
        m = len(person)
        big = np.iinfo(np.int64).max
        c = p.comp[person]
        employees = np.where(c >= 0, self.comp.employees[np.maximum(c, 0)], 10)
        amount = np.round(rs.lognormal(np.log(2500 * employees**0.45), 0.5), -2)
        u_amount = rs.random(m)  # under 0.015: zero; under 0.03: blank
        expected = created // DAY * DAY + rs.integers(30, 151, m) * DAY
        close = expected + rs.normal(0, 12 * DAY, m).astype(np.int64)
        close = _daytime(rs, np.maximum(close, created + 14 * DAY), 1.0)
        won = converted[person]
        reach = won | (rs.random(m) < 0.6)
        t_neg = created + (rs.uniform(0.3, 0.7, m) * (close - created)).astype(np.int64)
        t_neg = np.where(reach, t_neg, big)
        loss = rs.integers(0, len(LOSS_REASONS), m)
        website = np.array(
            [bool(p.org_domain[i]) and p.kind[i] != STUDENT for i in person], dtype=bool
        )
        no_email = website & (rs.random(m) < 0.05)
        id_chars = rs.integers(0, len(_ALNUM), (m, 15))
        broken = np.where(
            rs.random(m) < SALES_BROKEN_RATE["opportunities"], rs.integers(1, 5, m), 0
        )
        broken[showcase[person]] = 0
        if p.chunk == 0:
            free = ~showcase[person]
            self._force(broken, {1: free, 2: free, 3: free, 4: free})
        static = []
        for j in range(m):
            i, b = int(person[j]), int(broken[j])
            account_id, account, site = self._account(p, i)
            text = "" if u_amount[j] < 0.03 and u_amount[j] >= 0.015 else f"{amount[j]:.0f}"
            text = "0" if u_amount[j] < 0.015 else "12.5k" if b == 3 else text
            plan = (
                "Starter"
                if amount[j] < 15_000
                else "Growth"
                if amount[j] < 60_000
                else "Enterprise"
            )
            cc = p.country[i]
            static.append([
                "006" + "".join(_ALNUM[d] for d in id_chars[j]),
                f"{p.org_name[i] or account} - LeadFlow {plan}", account_id, account,
                "" if b == 4 else site, "" if no_email[j] or b == 4 else p.email[i],
                _fmt(int(created[j]), "%Y-%m-%dT%H:%M:%S.000+0000"), text,
                "EUR" if cc in EURO else "GBP" if cc == "GB" else "USD",
                "TBD" if b == 2 else _fmt(int(expected[j]), "%Y-%m-%d"),
            ])  # fmt: skip
        for mo in range(len(per.month_starts) - 1):
            start, end = int(per.month_starts[mo]), int(per.month_starts[mo + 1])
            rows = []
            for j in np.flatnonzero(created < end):
                closed, negotiating = close[j] < end, t_neg[j] < end
                stage = (2 if won[j] else 3) if closed else 1 if negotiating else 0
                last = close[j] if closed else t_neg[j] if negotiating else created[j]
                rows.append((int(created[j]), [
                    *static[j],
                    "Qualification" if broken[j] == 1 and created[j] >= start else STAGES[stage],
                    _fmt(int(close[j]), "%Y-%m-%dT%H:%M:%S.000+0000") if closed else "",
                    LOSS_REASONS[loss[j]] if closed and not won[j] else "",
                    REPS[rep[person[j]]], _fmt(int(last), "%Y-%m-%dT%H:%M:%S.000+0000"),
                ]))  # fmt: skip
            if self.crm == "zoho":
                rows = [(key, zoho.deal_row(row)) for key, row in rows]
            self.opportunities_out[mo].write(rows)

    def _chats(
        self,
        rs: np.random.Generator,
        p: People,
        vis: Visitors,
        person: np.ndarray,
        ts: np.ndarray,
        intent: np.ndarray,
        returner: np.ndarray,
    ) -> None:
        """The chat tool's conversations (one JSON object per line). Broken kinds (never a
        returner's): 1 neither visitor id nor e-mail, 2 an invalid start time."""
        m = len(person)
        ids = _hex_ids(rs.integers(0, 2**64, m, dtype=np.uint64), "conv_").to_pylist()
        cookie = rs.random(m) >= 0.2
        page = rs.integers(0, len(CHAT_PAGES), m)
        broken = np.where(rs.random(m) < SALES_BROKEN_RATE["chats"], rs.integers(1, 3, m), 0)
        broken[returner] = 0
        if p.chunk == 0:
            self._force(broken, {1: ~returner, 2: ~returner})
        rows = []
        for j in range(m):
            i, b = int(person[j]), int(broken[j])
            obj = {
                "conversation_id": ids[j],
                "started_at": "Invalid Date" if b == 2 else _fmt(int(ts[j]), "%Y-%m-%dT%H:%M:%SZ"),
                "visitor": {
                    "id": vis.text[vis.start[i]] if cookie[j] and b != 1 else None,
                    "email": None if b == 1 else p.email[i],
                },
                "intent": CHAT_INTENTS[intent[j]],
                "page": SITE + CHAT_PAGES[page[j]],
            }
            rows.append((int(ts[j]), json.dumps(obj, ensure_ascii=False) + "\n"))
        rows.sort(key=lambda x: x[0])
        self.chat_out.write([line for _, line in rows])

"""B2B people as contact exports show them: job titles by level and language, universities
and competitors, e-mail patterns, the showcase people every sample starts with, and the
``ContactRecords`` mixin (a person's e-mail, title, phone and company as typed on one
record, sometimes changed or broken).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from flows.generate.common import Market, _h64, _pick, _slug
from flows.generate.world import CALLING_CODE

LEVELS = ["exec", "vp", "director", "manager", "practitioner", "blank"]
LEVEL_P = [0.08, 0.07, 0.15, 0.30, 0.32, 0.08]


# Titles per level and language; "Masc|Fem" where the title is gendered.
TITLES: dict[str, dict[str, list[str]]] = {
    "exec": {
        "en": ["CEO", "CTO", "CFO", "COO", "Chief Revenue Officer", "Chief Marketing Officer",
               "Founder & CEO", "Managing Director"],
        "es": ["Director General|Directora General", "Consejero Delegado|Consejera Delegada",
               "CEO", "Fundador|Fundadora"],
        "de": ["Geschäftsführer|Geschäftsführerin", "Vorstand|Vorständin", "CEO"],
    },
    "vp": {
        "en": ["VP Sales", "Vice President of Marketing", "VP of Operations", "SVP Revenue",
               "VP Engineering"],
        "es": ["Vicepresidente de Ventas|Vicepresidenta de Ventas",
               "Director Comercial|Directora Comercial"],
        "de": ["Bereichsleiter Vertrieb|Bereichsleiterin Vertrieb", "VP Sales"],
    },
    "director": {
        "en": ["Head of Growth", "Director of Operations", "Sales Director", "Head of Marketing",
               "Director of Demand Generation", "Head of Data", "IT Director"],
        "es": ["Director de Marketing|Directora de Marketing", "Jefe de Ventas|Jefa de Ventas",
               "Director de Operaciones|Directora de Operaciones"],
        "de": ["Leiter Marketing|Leiterin Marketing", "Vertriebsleiter|Vertriebsleiterin"],
    },
    "manager": {
        "en": ["Marketing Manager", "Sales Operations Manager", "Product Manager",
               "Account Manager", "Operations Manager", "CRM Manager",
               "Revenue Operations Manager"],
        "es": ["Responsable de Marketing", "Responsable de Operaciones", "Gerente de Cuentas"],
        "de": ["Marketing Manager", "Teamleiter Vertrieb|Teamleiterin Vertrieb"],
    },
    "practitioner": {
        "en": ["Data Analyst", "Marketing Specialist", "Sales Representative",
               "Business Development Representative", "Software Engineer",
               "Marketing Coordinator", "Data Engineer", "Consultant"],
        "es": ["Ingeniero de Datos|Ingeniera de Datos", "Analista de Datos", "Comercial",
               "Técnico de Marketing|Técnica de Marketing"],
        "de": ["Datenanalyst|Datenanalystin", "Vertriebsmitarbeiter|Vertriebsmitarbeiterin"],
    },
    "blank": {"en": [""], "es": [""], "de": [""]},
}  # fmt: skip


UNIVERSITIES = [  # domain, name, country, student titles
    ("alumnos.upm.es", "Universidad Politécnica de Madrid", "ES", ["Estudiante", "Student"]),
    ("student.ucl.ac.uk", "University College London", "GB", ["Student", "PhD candidate"]),
    ("mit.edu", "MIT", "US", ["Student", "PhD candidate"]),
    ("uni-heidelberg.de", "Universität Heidelberg", "DE", ["Student", "PhD candidate"]),
]
COMPETITORS = [  # domain, name, country, e-mail pattern, legal form
    ("pipelinepro.io", "PipelinePro", "US", "first", "Inc."),
    ("leadforge.com", "LeadForge", "GB", "first.last", "Ltd"),
    ("funnelworks.de", "FunnelWorks", "DE", "f.last", "GmbH"),
]
EMAIL_PATTERNS = ["first.last", "flast", "first", "firstlast", "first_last", "f.last"]
EMAIL_PATTERN_P = [0.62, 0.12, 0.08, 0.06, 0.06, 0.06]


BUSINESS, FREEMAIL_KIND, STUDENT, COMPETITOR = 0, 1, 2, 3


BROKEN_RATE = 0.016


# Showcase people

# Fixed people at the start of chunk 0, so every sample shows the awkward cases.
# (first, last, culture, country, female, level, title, sources, overrides)
SHOWCASE: list[dict[str, Any]] = [
    {"first": "José", "last": "Núñez", "cc": "ES", "f": False, "level": "exec",
     "title": "CEO", "src": {"forms": 3, "webinar": 1, "tradeshow": 1}, "acme": True},
    {"first": "Begoña", "last": "Peña", "cc": "ES", "f": True, "level": "director",
     "title": "Directora de Marketing", "src": {"forms": 1, "newsletter": 1},
     "company_text": "{company}\nDepartamento de Marketing"},
    {"first": "Íñigo", "last": "Ibáñez", "cc": "ES", "f": False, "level": "director",
     "title": "Jefe de Ventas", "src": {"cards": 1, "tradeshow": 1}},
    {"first": "María José", "last": "Gómez", "cc": "MX", "f": True, "level": "practitioner",
     "title": "Ingeniera de Datos", "src": {"webinar": 1, "forms": 1}},
    {"first": "Jürgen", "last": "Müller", "cc": "DE", "f": False, "level": "exec",
     "title": "Geschäftsführer", "src": {"cards": 1, "tradeshow": 1, "forms": 1}},
    {"first": "Zoë", "last": "O'Brien", "cc": "IE", "f": True, "level": "vp",
     "title": "VP Sales", "src": {"cards": 1, "forms": 2}},
    {"first": "Siobhán", "last": "Murphy", "cc": "IE", "f": True, "level": "director",
     "title": "Head of Growth", "src": {"webinar": 1, "newsletter": 1}},
    {"first": "Petra", "last": "Šebesta", "cc": "DE", "f": True, "level": "manager",
     "title": "Marketing Manager", "src": {"cards": 1, "webinar": 1}},
    {"first": "Robert", "last": "Tables", "cc": "GB", "f": False, "level": "manager",
     "title": "Operations Manager", "src": {"forms": 1},
     "company_text": "Robert'); DROP TABLE raw.contacts;--", "power_user": 120},
    {"first": "Hannah", "last": "Link", "cc": "GB", "f": True, "level": "practitioner",
     "title": '=HYPERLINK("http://example.invalid","click")', "src": {"forms": 1, "tradeshow": 1}},
    {"first": "Emma", "last": "Scriptor", "cc": "US", "f": True, "level": "manager",
     "title": "CRM Manager", "src": {"webinar": 1, "newsletter": 1},
     "first_text": "<script>alert(1)</script>"},
]  # fmt: skip


def _phone(cc: str, r: int, style: int) -> str:
    """A plausible phone number for country ``cc`` from random integer ``r``."""
    code = CALLING_CODE[cc]
    if cc == "US":
        a, b, c = 200 + r % 800, 200 + r // 800 % 800, r // 640_000 % 10_000
        return [f"+1 ({a}) {b}-{c:04d}", f"{a}-{b}-{c:04d}", f"+1{a}{b}{c:04d}"][style % 3]
    if cc == "ES":
        d = f"{6 + r % 2}{r // 2 % 100_000_000:08d}"
        spaced = f"(+34) {d[:3]} {d[3:5]} {d[5:7]} {d[7:]}"
        return [f"+34 {d[:3]} {d[3:6]} {d[6:]}", d, f"+34{d}", spaced][style % 4]
    if cc == "GB":
        d = f"7{r % 1_000_000_000:09d}"
        return [f"+44 {d[:4]} {d[4:]}", f"0{d[:4]} {d[4:]}", f"+44{d}"][style % 3]
    if cc == "DE":
        d = f"15{r % 10}{r // 10 % 100_000_000:08d}"
        return [f"+49 {d[:3]} {d[3:]}", f"0{d[:3]} {d[3:]}", f"+49 ({d[:3]}) {d[3:]}"][style % 3]
    d = f"{r % 1_000_000_000:09d}"
    return [f"+{code} {d[:3]} {d[3:6]} {d[6:]}", f"+{code}{d}", f"00{code} {d}"][style % 3]


def _email_local(first: str, last: str, pattern: str, german: bool) -> str:
    f = _slug(first, german)
    surname = last.split()[0] if " " in last and not last[0].islower() else last
    last_slug = _slug(surname, german)
    return {
        "first.last": f"{f}.{last_slug}",
        "flast": f"{f[:1]}{last_slug}",
        "first": f,
        "firstlast": f"{f}{last_slug}",
        "first_last": f"{f}_{last_slug}",
        "f.last": f"{f[:1]}.{last_slug}",
    }[pattern]


def _raw_email(email: str, code: float) -> str:
    """How a person typed the canonical e-mail this time: case and whitespace variants."""
    if code < 0.72:
        return email
    local, _, domain = email.partition("@")
    title_local = ".".join(p[:1].upper() + p[1:] for p in local.split("."))
    label, _, rest = domain.partition(".")
    if code < 0.82:
        return f"{title_local}@{domain}"
    if code < 0.87:
        return f"{local}@{label.upper()}.{rest}"
    if code < 0.92:
        return f" {email}  " if code < 0.9 else f"{email} "
    if code < 0.95:
        return email.upper()
    return f"  {title_local}@{label.upper()}.{rest} "


def _broken_email(email: str, first: str, last: str, kind: int) -> str:
    local, _, domain = email.partition("@")
    return [
        "",
        "n/a",
        f"{local}@",
        f"{_slug(first)} {_slug(last)}@{domain}",
        f"{local}.{domain}",
        f"{local}@@{domain}",
        f"{local}@{domain.rsplit('.', 1)[0]}",
    ][kind % 7]


def _company_text(name: str, legal: str, u: float) -> str:
    """How a person typed their company's name."""
    if u < 0.55:
        return name
    if u < 0.72:
        return f"{name} {legal}"
    if u < 0.77:
        return f"{name}, {legal}"
    if u < 0.83:
        return name.upper()
    if u < 0.9:
        return name.lower()
    return name.split()[0]


def _website_text(domain: str, u: float) -> str:
    if u < 0.45:
        return ""
    if u < 0.65:
        return f"https://www.{domain}/"
    if u < 0.8:
        return domain
    if u < 0.9:
        return f"www.{domain}"
    return f"http://{domain}"


def _title(level: int, lang: str, female: bool, u: float) -> str:
    options = TITLES[LEVELS[level]].get(lang) or TITLES[LEVELS[level]]["en"]
    text = _pick(u, options)
    if "|" in text:
        masc, fem = text.split("|")
        return fem if female else masc
    return text


@dataclass
class People:
    """One chunk of people: per-person lists aligned by index."""

    chunk: int
    ids: list[str]
    first: list[str]
    last: list[str]
    female: np.ndarray
    country: list[str]
    kind: np.ndarray
    segment: list[str]
    comp: np.ndarray
    org_name: list[str]
    org_legal: list[str]
    org_domain: list[str | None]
    email: list[str]
    email_domain: list[str]
    level: np.ndarray
    title: list[str]
    title_lang: list[str]
    phone: list[str]
    prop: np.ndarray
    extra: list[dict[str, Any]]


class ContactRecords(Market):
    """How a person appears in a contact export: e-mail, title, phone and company as typed
    on that record (sometimes changed, sometimes broken), and unique e-mails across chunks."""

    seen: np.ndarray

    def _unique_emails(self, p: People) -> None:
        """Make canonical e-mails unique across all chunks by numbering repeats."""
        hashes = np.fromiter((_h64(e) for e in p.email), dtype=np.uint64, count=len(p.email))
        # ``seen`` is sorted: look the chunk up in it (np.isin would sort all of it again)
        at = np.searchsorted(self.seen, hashes)
        clash = np.zeros(len(hashes), dtype=bool)
        if len(self.seen):
            clash = self.seen[np.minimum(at, len(self.seen) - 1)] == hashes
        local_seen: set[int] = set()

        def taken(h: int) -> bool:
            if h in local_seen:
                return True
            j = np.searchsorted(self.seen, np.uint64(h))
            return bool(j < len(self.seen) and self.seen[j] == np.uint64(h))

        for i, e in enumerate(p.email):
            h = int(hashes[i])
            if clash[i] or h in local_seen:
                local, _, dom = e.partition("@")
                n = 2
                while taken(h := _h64(cand := f"{local}{n}@{dom}")):
                    n += 1
                p.email[i] = cand
                hashes[i] = h
            local_seen.add(h)
        # the chunk's hashes are distinct and none is in ``seen``: merge them in, in order
        # (np.union1d would sort every hash seen so far once per chunk)
        new = np.sort(hashes)
        self.seen = np.insert(self.seen, np.searchsorted(self.seen, new), new)

    def _record_common(
        self,
        r: np.random.Generator,
        p: People,
        person: np.ndarray,
        ordinal: np.ndarray,
        force: tuple[int, ...] = (),
    ) -> dict[str, np.ndarray]:
        """Per-record random draws shared by all sources.

        Showcase people are never broken; in chunk 0 the first records of other people get
        the breakages in ``force`` (kinds: 0-6 e-mail, 7-9 timestamp), so even tiny runs
        contain every kind of broken row.
        """
        m = len(person)
        showcase = np.array([bool(p.extra[i]) for i in person], dtype=bool)
        broken = (r.random(m) < BROKEN_RATE) & ~showcase
        kind = r.integers(0, 10, m)
        if p.chunk == 0:
            targets = np.flatnonzero(~showcase)[: len(force)]
            broken[targets] = True
            kind[targets] = force[: len(targets)]
        return {
            "email_u": r.random(m),
            "broken": broken,
            "broken_kind": kind,
            "company_u": r.random(m),
            "title_change": ((ordinal > 0) & (r.random(m) < 0.15)) | (r.random(m) < 0.04),
            "title_u": r.random(m),
            "phone_change": (ordinal > 0) & (r.random(m) < 0.15),
            "phone_r": r.integers(0, 2**62, m),
            "phone_blank": r.random(m),
            "misc": r.random((m, 4)),
        }

    def _email_of(self, p: People, i: int, rc: dict[str, np.ndarray], j: int) -> str:
        if rc["broken"][j] and rc["broken_kind"][j] < 7:
            return _broken_email(p.email[i], p.first[i], p.last[i], int(rc["broken_kind"][j]))
        return _raw_email(p.email[i], float(rc["email_u"][j]))

    def _title_of(self, p: People, i: int, rc: dict[str, np.ndarray], j: int) -> str:
        if rc["title_change"][j] and p.kind[i] != STUDENT and not p.extra[i]:
            return _title(int(p.level[i]), p.title_lang[i], bool(p.female[i]), rc["title_u"][j])
        return p.title[i]

    def _phone_of(self, p: People, i: int, rc: dict[str, np.ndarray], j: int, blank: float) -> str:
        if rc["phone_blank"][j] < blank:
            return ""
        if rc["phone_change"][j]:
            return _phone(p.country[i], int(rc["phone_r"][j]), int(rc["phone_r"][j] % 5))
        return p.phone[i]

    def _company_of(self, p: People, i: int, rc: dict[str, np.ndarray], j: int) -> str:
        text = p.extra[i].get("company_text") if p.extra[i] else None
        if text:
            return text.format(company=p.org_name[i])
        if not p.org_legal[i] or p.kind[i] == STUDENT:
            return p.org_name[i]
        return _company_text(p.org_name[i], p.org_legal[i], float(rc["company_u"][j]))

    def _first_of(self, p: People, i: int) -> str:
        return p.extra[i].get("first_text", p.first[i]) if p.extra[i] else p.first[i]

"""Export family: firmographics. The generated companies (unique names and domains, size,
revenue, country) and the enrichment vendor's Parquet file of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from flows.generate.common import CHUNK, DAY, _pick, _rng, _slug, _w
from flows.generate.people import COMPETITORS, EMAIL_PATTERN_P, EMAIL_PATTERNS, UNIVERSITIES
from flows.generate.world import _CI, COMPANY_COUNTRY_WEIGHTS, COUNTRIES, COUNTRY_SPELLINGS

TLDS = {
    "ES": ([".es", ".com"], [0.6, 0.4]),
    "GB": ([".co.uk", ".com", ".io"], [0.55, 0.3, 0.15]),
    "US": ([".com", ".io"], [0.8, 0.2]),
    "DE": ([".de", ".com", ".io"], [0.75, 0.15, 0.1]),
    "FR": ([".fr", ".com"], [0.7, 0.3]),
    "PT": ([".pt", ".com"], [0.7, 0.3]),
    "IE": ([".ie", ".com"], [0.6, 0.4]),
    "IT": ([".it", ".com"], [0.7, 0.3]),
    "NL": ([".nl", ".com"], [0.7, 0.3]),
    "MX": ([".com.mx", ".mx", ".com"], [0.5, 0.2, 0.3]),
    "BR": ([".com.br"], [1.0]),
    "IN": ([".in", ".com"], [0.5, 0.5]),
    "JP": ([".co.jp", ".jp"], [0.6, 0.4]),
    "AU": ([".com.au"], [1.0]),
    "CN": ([".cn", ".com.cn"], [0.6, 0.4]),
    "AR": ([".com.ar"], [1.0]),
    "ZA": ([".co.za"], [1.0]),
}
LEGAL = {
    "ES": ["S.L.", "S.A.", "SL"], "GB": ["Ltd", "Limited", "PLC"], "US": ["Inc.", "LLC", "Corp."],
    "DE": ["GmbH", "AG", "GmbH & Co. KG"], "FR": ["SAS", "SA", "SARL"], "PT": ["Lda.", "S.A."],
    "IE": ["Ltd", "DAC"], "IT": ["S.r.l.", "S.p.A."], "NL": ["B.V.", "N.V."],
    "MX": ["S.A. de C.V."], "BR": ["Ltda."], "IN": ["Pvt Ltd"], "JP": ["K.K.", "Co., Ltd."],
    "AU": ["Pty Ltd"], "CN": ["Co., Ltd."], "AR": ["S.A.", "S.R.L."], "ZA": ["(Pty) Ltd"],
}  # fmt: skip

INDUSTRY_NOUNS = {
    "Software": ["Software", "Cloud", "Data", "Systems", "Analytics", "Tech", "Apps"],
    "Financial Services": ["Capital", "Finance", "Payments", "Insurance", "Wealth", "Lending"],
    "Healthcare": ["Health", "Medical", "Pharma", "Clinics", "Care", "Biotech"],
    "Manufacturing": ["Industries", "Manufacturing", "Components", "Steel", "Motors"],
    "Retail": ["Retail", "Stores", "Market", "Fashion", "Home"],
    "Logistics": ["Logistics", "Freight", "Transport", "Cargo", "Shipping"],
    "Telecommunications": ["Telecom", "Networks", "Mobile", "Connect"],
    "Media": ["Media", "Studios", "Publishing", "News"],
    "Education": ["Learning", "Academy", "Education"],
    "Government": ["Public Services", "Civic", "Agency"],
    "Hospitality": ["Hotels", "Hospitality", "Resorts", "Travel"],
    "Agriculture": ["Agro", "Farms", "Harvest", "Foods"],
}
INDUSTRIES = list(INDUSTRY_NOUNS)
NOUNS = [n for ns in INDUSTRY_NOUNS.values() for n in ns]
NOUN_INDUSTRY = np.array(
    [INDUSTRIES.index(i) for i, ns in INDUSTRY_NOUNS.items() for _ in ns], dtype=np.int8
)


VARIANTS = [
    "", " Group", " Labs", " Partners", " Global", " Solutions", " Holdings",
    " International", " Works", " Consulting", " Ventures", " Iberia", " Europe",
    # appended (a name's code maps to the same name whatever follows): room for 10 M leads
    " Digital", " Dynamics", " Worldwide", " Associates", " Alliance", " Enterprises",
    " Nordic", " Americas",
]  # fmt: skip

_CURATED_BRANDS = _w(
    "Acme Nova Atlas Orion Iberia Cobalt Granite Bluebird Northwind Solaris Vértice Aurora "
    "Brücke Nórdica Élan Helix Quantum Pinnacle Summit Vector Apex Zenith Lumen Vortex "
    "Meridian Horizon Sierra Cantábrico Alameda Rhein Thames Sequoia Cedar Maple Falcon "
    "Kestrel Oriel Tagus Duero Ebro Alpen Baltic Delta Fjord Gaia Indigo Juniper Kepler Lynx "
    "Magellan Neptune Olympus Polaris Quasar Redwood Saturn Titan Vela Willow Xenon Zephyr "
    "Andes Bravo Castell Dorado Estrella Faro Girasol Hércules Ícaro Júpiter Libra Mistral "
    "Olivo Pampa Quetzal Roble Tramontana Ulises Valle Albatros Bergmann Eichen Falke Greif "
    "Hafen Kristall Morgen Nordlicht Sonnen Stern Tanne Wolke Ziegel Lumière Étoile Rivage "
    "Soleil Azur Brisa Marea Norte Pirineo Keystone Lighthouse Harbor Ironbridge Silverline"
)
_SYL_A = _w(
    "Vel Tor Kal Mir Zen Lum Nor Ast Cor Dar Fen Gal Hel Ith Jor Kes Lor Mar Nex Oro Pax Quin "
    "Riv Sol Tal Ulm Ver Wex Xan Yor Zar Bel Cal Dex Erm Fal Gor Hal Lin Mon"
)
_SYL_B = _w(
    "a ia ora ex is on ium ara ent ica ity o us en ar ix ana eon ova ant "
    "ero ina ode ura yx ella ane ios ada ire ock una ast ely ine ori eta aro ume ivo"
)


def _brands() -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for name in _CURATED_BRANDS + [a + b for a in _SYL_A for b in _SYL_B]:
        key = _slug(name)
        if key not in seen:
            seen.add(key)
            out.append(name)
    return out


COMPANIES_SCHEMA = pa.schema(
    [
        ("domain", pa.string()),
        ("company_name", pa.string()),
        ("industry", pa.string()),
        ("employees", pa.int64()),
        ("annual_revenue_usd", pa.float64()),
        ("country", pa.string()),
        ("as_of", pa.timestamp("us", tz="UTC")),
    ]
)


@dataclass
class Companies:
    """All companies as compact arrays; names and domains are derived on demand."""

    brands: list[str]
    brand: np.ndarray
    noun: np.ndarray
    variant: np.ndarray
    joined: np.ndarray
    country: np.ndarray
    tld: np.ndarray
    legal: np.ndarray
    pattern: np.ndarray
    employees: np.ndarray
    revenue: np.ndarray
    enriched: np.ndarray
    emp_null: np.ndarray
    rev_null: np.ndarray
    industry_case: np.ndarray
    spelling: np.ndarray
    as_of: np.ndarray
    cdf: np.ndarray
    domain_fix: dict[int, str]

    @property
    def n(self) -> int:
        return len(self.brand)

    def name(self, c: int) -> str:
        return f"{self.brands[self.brand[c]]} {NOUNS[self.noun[c]]}{VARIANTS[self.variant[c]]}"

    def domain(self, c: int) -> str:
        fixed = self.domain_fix.get(c)
        if fixed is not None:
            return fixed
        sep = "" if self.joined[c] else "-"
        cc = COUNTRIES[self.country[c]]
        return _slug(self.name(c), sep=sep) + TLDS[cc][0][self.tld[c]]

    def legal_name(self, c: int) -> str:
        return f"{self.name(c)} {LEGAL[COUNTRIES[self.country[c]]][self.legal[c]]}"

    def industry(self, c: int) -> int:
        return int(NOUN_INDUSTRY[self.noun[c]])


def _make_companies(n: int, seed: int, t0: int, t1: int) -> Companies:
    """``n`` companies with unique names and domains; company 0 is Acme Logistics (Spain)."""
    brands = _brands()
    per_variant = len(brands) * len(NOUNS)
    curated = len(_CURATED_BRANDS) * len(NOUNS)
    space = min(max(curated, 3 * n), per_variant * len(VARIANTS))
    if n > space:
        raise ValueError(f"too many companies ({n}); at most {space}")
    g = _rng(seed, 2, 0)
    codes = g.choice(space, size=n, replace=False)
    acme = brands.index("Acme") * len(NOUNS) + NOUNS.index("Logistics")
    hit = np.flatnonzero(codes == acme)
    if hit.size:
        codes[hit[0]] = codes[0]
    codes[0] = acme
    variant, rest = np.divmod(codes, per_variant)
    brand, noun = np.divmod(rest, len(NOUNS))

    parts: dict[str, list[np.ndarray]] = {}
    for k, lo in enumerate(range(0, n, CHUNK)):
        m = min(CHUNK, n - lo)
        r = _rng(seed, 1, k)
        country = r.choice(len(COUNTRIES), size=m, p=COMPANY_COUNTRY_WEIGHTS).astype(np.int8)
        u_tld = r.random(m)
        tld = np.array(
            [
                np.searchsorted(np.cumsum(TLDS[COUNTRIES[c]][1]), u, side="right")
                for c, u in zip(country, u_tld, strict=True)
            ],
            dtype=np.int8,
        )
        tld = np.minimum(tld, [len(TLDS[COUNTRIES[c]][0]) - 1 for c in country]).astype(np.int8)
        legal = (r.random(m) * 3).astype(np.int8)
        legal = np.minimum(legal, [len(LEGAL[COUNTRIES[c]]) - 1 for c in country]).astype(np.int8)
        employees = np.clip(np.rint(r.lognormal(np.log(60), 1.7, m)), 2, 50_000).astype(np.int64)
        per_head = r.lognormal(np.log(140_000), 0.45, m)
        revenue = np.round(employees * per_head, -3)
        pattern = r.choice(len(EMAIL_PATTERNS), size=m, p=EMAIL_PATTERN_P).astype(np.int8)
        pattern[(pattern == 2) & (employees >= 50)] = 0  # only small firms use first@
        chunk = {
            "country": country,
            "tld": tld,
            "legal": legal,
            "employees": employees,
            "revenue": revenue,
            "pattern": pattern,
            "joined": r.random(m) < 0.25,
            "enriched": r.random(m) >= 0.05,
            "emp_null": r.random(m) < 0.07,
            "rev_null": r.random(m) < 0.15,
            "industry_case": r.choice(3, size=m, p=[0.86, 0.08, 0.06]).astype(np.int8),
            "spelling": r.random(m),
            "as_of": t0 + (r.random(m) * (t1 - t0)).astype(np.int64) // DAY * DAY + 7200,
        }
        for key, arr in chunk.items():
            parts.setdefault(key, []).append(arr)
    a = {key: np.concatenate(v) for key, v in parts.items()}
    a["joined"] &= variant == 0
    if n:
        a["country"][0], a["tld"][0], a["employees"][0] = _CI["ES"], 0, 850
        a["revenue"][0], a["enriched"][0], a["joined"][0] = 96_500_000.0, True, False
        a["emp_null"][0] = a["rev_null"][0] = False
        a["pattern"][0] = 0
    weights = np.sqrt(a["employees"].astype(np.float64))
    cdf = np.cumsum(weights)
    cdf /= cdf[-1] if n else 1.0
    comp = Companies(
        brands=brands, brand=brand, noun=noun, variant=variant, cdf=cdf, domain_fix={}, **a
    )
    taken = {d for d, *_ in UNIVERSITIES} | {d for d, *_ in COMPETITORS}
    for c in range(n):
        d = comp.domain(c)
        if d in taken:
            cc = COUNTRIES[comp.country[c]]
            d = f"{_slug(comp.name(c), sep='-')}-{c}{TLDS[cc][0][comp.tld[c]]}"
            comp.domain_fix[c] = d
        taken.add(d)
    return comp


def _write_companies(comp: Companies, path: Path) -> int:
    """Firmographics Parquet, one row per enriched company; returns rows written."""
    rows = 0
    with pq.ParquetWriter(path, COMPANIES_SCHEMA, compression="zstd") as writer:
        for lo in range(0, max(comp.n, 1), CHUNK):
            idx = [c for c in range(lo, min(lo + CHUNK, comp.n)) if comp.enriched[c]]
            if not idx:
                continue
            industries = []
            countries = []
            for c in idx:
                ind = INDUSTRIES[comp.industry(c)]
                case = comp.industry_case[c]
                industries.append(ind.lower() if case == 1 else ind.upper() if case == 2 else ind)
                sp = COUNTRY_SPELLINGS[COUNTRIES[comp.country[c]]]
                u = comp.spelling[c]
                countries.append(sp[0] if u < 0.55 else _pick((u - 0.55) / 0.45, sp))
            ix = np.array(idx)
            table = pa.table(
                {
                    "domain": [comp.domain(c) for c in idx],
                    "company_name": [comp.legal_name(c) for c in idx],
                    "industry": industries,
                    "employees": pa.array(comp.employees[ix], mask=comp.emp_null[ix]),
                    "annual_revenue_usd": pa.array(comp.revenue[ix], mask=comp.rev_null[ix]),
                    "country": countries,
                    "as_of": pa.array(comp.as_of[ix] * 1_000_000, pa.timestamp("us", tz="UTC")),
                },
                schema=COMPANIES_SCHEMA,
            )
            writer.write_table(table)
            rows += len(idx)
    return rows

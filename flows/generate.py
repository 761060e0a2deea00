"""Synthetic landing data for leadflow: exports of forms, events, cards, newsletter, enrichment.

``generate()`` writes the landing layout that the mapping profiles in ``sources/mappings/``
describe, plus a hidden truth table under ``_truth/`` (ignored by ingestion). It is
deterministic: the same arguments give byte-identical files. People are made in chunks of
``CHUNK`` with a ``numpy.random.Generator(PCG64)`` seeded from ``(seed, chunk index)``, and
rows are streamed to the files, so memory stays bounded: per person only an 8-byte e-mail
hash is kept (to keep e-mails unique); per company a few numbers.
"""

from __future__ import annotations

import csv
import hashlib
import json
import time
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import IO, Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

CHUNK = 20_000
"""People per chunk (and companies per company chunk)."""

DAY = 86_400


def _w(text: str) -> list[str]:
    """Words of a space-separated literal (keeps the reference lists compact)."""
    return text.split()


# --------------------------------------------------------------------------- reference data

COUNTRIES = [
    "ES", "GB", "US", "DE", "FR", "PT", "IE", "IT", "NL", "MX",
    "BR", "IN", "JP", "AU", "CN", "AR", "ZA",
]  # fmt: skip
TERRITORY = COUNTRIES[:10]
_CI = {c: i for i, c in enumerate(COUNTRIES)}
COMPANY_COUNTRY_WEIGHTS = [
    0.26, 0.14, 0.14, 0.12, 0.07, 0.04, 0.03, 0.05, 0.04, 0.05,
    0.012, 0.012, 0.008, 0.01, 0.006, 0.006, 0.006,
]  # fmt: skip

COUNTRY_EN = {
    "ES": "Spain", "GB": "United Kingdom", "US": "United States", "DE": "Germany",
    "FR": "France", "PT": "Portugal", "IE": "Ireland", "IT": "Italy", "NL": "Netherlands",
    "MX": "Mexico", "BR": "Brazil", "IN": "India", "JP": "Japan", "AU": "Australia",
    "CN": "China", "AR": "Argentina", "ZA": "South Africa",
}  # fmt: skip
COUNTRY_ES = {
    "ES": "España", "GB": "Reino Unido", "US": "Estados Unidos", "DE": "Alemania",
    "FR": "Francia", "PT": "Portugal", "IE": "Irlanda", "IT": "Italia", "NL": "Países Bajos",
    "MX": "México", "BR": "Brasil", "IN": "India", "JP": "Japón", "AU": "Australia",
    "CN": "China", "AR": "Argentina", "ZA": "Sudáfrica",
}  # fmt: skip
# Spellings an enrichment vendor mixes (first entry is the most common).
COUNTRY_SPELLINGS = {
    "ES": ["Spain", "ES", "España", "spain"],
    "GB": ["United Kingdom", "UK", "GB", "Great Britain"],
    "US": ["United States", "USA", "U.S.", "US", "United States of America"],
    "DE": ["Germany", "Deutschland", "DE"],
    "FR": ["France", "FR"],
    "PT": ["Portugal", "PT"],
    "IE": ["Ireland", "IE", "Éire"],
    "IT": ["Italy", "Italia", "IT"],
    "NL": ["Netherlands", "The Netherlands", "NL", "Holland"],
    "MX": ["Mexico", "México", "MX"],
    "BR": ["Brazil", "Brasil", "BR"],
    "IN": ["India", "IN"],
    "JP": ["Japan", "JP"],
    "AU": ["Australia", "AU"],
    "CN": ["China", "CN"],
    "AR": ["Argentina", "AR"],
    "ZA": ["South Africa", "ZA"],
}
CALLING_CODE = {
    "ES": "34", "GB": "44", "US": "1", "DE": "49", "FR": "33", "PT": "351", "IE": "353",
    "IT": "39", "NL": "31", "MX": "52", "BR": "55", "IN": "91", "JP": "81", "AU": "61",
    "CN": "86", "AR": "54", "ZA": "27",
}  # fmt: skip
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
GOOD_INDUSTRIES = [
    INDUSTRIES.index(i)
    for i in ("Software", "Financial Services", "Healthcare", "Manufacturing", "Logistics")
]
VARIANTS = [
    "", " Group", " Labs", " Partners", " Global", " Solutions", " Holdings",
    " International", " Works", " Consulting", " Ventures", " Iberia", " Europe",
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


# Name pools by culture: (male first names, female first names, last names). All cp1252.
NAMES: dict[str, tuple[list[str], list[str], list[str]]] = {
    "es": (
        _w(
            "José Íñigo Javier Álvaro Raúl Andrés Pablo Sergio Jesús Iñaki Ramón Óscar Daniel "
            "Rubén Víctor Alejandro Adrián Jorge Joaquín Tomás Juan|Carlos Miguel|Ángel Juan "
            "Francisco Antonio Manuel"
        ),
        _w(
            "María|José Begoña Carmen Lucía Sofía Marta Elena Laura Ainhoa Nuria Inés Pilar "
            "Cristina Mónica Belén Paula Irene Rocío Ángela Noelia Ana|Belén Montserrat Itziar "
            "Lourdes Guadalupe"
        ),
        _w(
            "Núñez Peña Ibáñez Gómez García Fernández López Martínez Sánchez Pérez Rodríguez "
            "González Díaz Hernández Muñoz Álvarez Romero Jiménez Ruiz Moreno Castaño Ortega Rubio "
            "Marín Sanz Iglesias Medina Garrido Cortés Castillo Santos Lozano Guerrero Cano Prieto "
            "Méndez Cruz Calvo Gallego Vidal León Herrera Márquez Echeverría Zubizarreta Goñi "
            "Aldecoa Muñiz Yáñez Ordóñez"
        ),
    ),
    "en": (
        _w(
            "James Oliver Thomas William Harry Jack Daniel Michael David Matthew Christopher "
            "Andrew Ryan Benjamin George Samuel Joseph Edward Henry Alexander"
        ),
        _w(
            "Emily Sarah Zoë Chloe Charlotte Amelia Sophie Emma Olivia Jessica Hannah Rebecca "
            "Laura Megan Lauren Grace Lucy Eleanor Isabel Abigail"
        ),
        _w(
            "Smith Jones Taylor Brown Williams Wilson Johnson Davies Robinson Wright Thompson "
            "Evans Walker White Roberts Green Hall Wood Jackson Clarke O'Brien O'Connor Murphy "
            "Kelly Anderson Miller Davis Martin Moore Clark Lewis Young Allen King Scott Baker "
            "Hughes Turner"
        ),
    ),
    "ie": (
        _w("Seán Ciarán Pádraig Eoin Cian Darragh Conor Cillian Oisín Liam"),
        _w("Siobhán Aoife Niamh Orla Róisín Saoirse Caoimhe Sinéad Clodagh Áine"),
        _w(
            "Murphy O'Brien O'Sullivan Kelly Byrne Ryan Walsh O'Connor McCarthy Doyle "
            "Ó|Súilleabháin Gallagher Kennedy Lynch Quinn"
        ),
    ),
    "de": (
        _w(
            "Jürgen Lukas Stefan Jörg Björn Matthias Tobias Michael Florian Maximilian Sören "
            "Günther Felix Uwe Andreas Klaus Dieter Jan Moritz Niklas"
        ),
        _w(
            "Anna Katharina Sabine Ursula Jana Lena Claudia Julia Andrea Käthe Nina Birgit Petra "
            "Susanne Monika Franziska Jördis Anja Heike Mareike"
        ),
        _w(
            "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Schäfer "
            "Koch Bauer Richter Klein Wolf Schröder Neumann Schwarz Zimmermann Braun Krüger "
            "Hofmann Hartmann Lange Weiß Köhler Günther Jäger Groß Šebesta Žižek Nowak "
            "Yilmaz"
        ),
    ),
    "fr": (
        _w(
            "François Théo Jérôme Noël Benoît Loïc Mathieu Nicolas Sébastien Hugo Étienne "
            "Jean-Pierre"
        ),
        _w("Chloé Hélène Amélie Léa Élodie Anaïs Céline Gaëlle Camille Julie Manon Inès Zoé Agnès"),
        _w(
            "Dubois Lefèvre Moreau Laurent Girard Rousseau Bonnet Dupont Lambert Fontaine Mercier "
            "Chevalier Garnier Faure Bérenger Lemaître Ménard Lebœuf Bœuf Lévêque"
        ),
    ),
    "pt": (
        _w("João Gonçalo Tiago Rui André Luís Vítor Duarte Sérgio Fábio"),
        _w("Conceição Inês Beatriz Sílvia Joana Mariana Catarina Leonor Ângela Márcia"),
        _w(
            "Silva Santos Ferreira Pereira Oliveira Costa Rodrigues Martins Gonçalves Araújo "
            "Magalhães Simões Conceição Brandão"
        ),
    ),
    "it": (
        _w("Giuseppe Niccolò Lorenzo Matteo Luca Andrea Davide Simone"),
        _w("Francesca Chiara Giulia Alessandra Federica Martina Sara Elisa"),
        _w(
            "Rossi Russo Ferrari Esposito Bianchi Romano Colombo Ricci Marino Greco Bruno Gallo "
            "De|Luca D'Angelo Conti"
        ),
    ),
    "nl": (
        _w("Daan Joost Bram Sem Thijs Ruben Jeroen Sander"),
        _w("Sanne Femke Lotte Anouk Eva Fleur Marloes Ilse"),
        _w(
            "de|Vries van|Dijk Jansen de|Jong Bakker Visser Smit Meijer van|den|Berg Mulder Bos Vos"
        ),
    ),
    "in": (
        _w("Aarav Rohan Vikram Arjun Rahul Karthik"),
        _w("Priya Ananya Sneha Kavya Divya Meera"),
        _w("Sharma Patel Gupta Iyer Reddy Nair Singh Menon"),
    ),
    "jp": (
        _w("Haruto Sota Ren Takumi Hiroshi Kenji"),
        _w("Yuki Aoi Hina Sakura Yui Mei"),
        _w("Sato Suzuki Takahashi Tanaka Watanabe Ito Yamamoto Nakamura"),
    ),
    "cn": (
        _w("Wei Hao Jun Ming Lei Tao"),
        _w("Jing Mei Yan Xiu Li|Na Fang"),
        _w("Wang Li Zhang Liu Chen Yang Huang Zhao"),
    ),
}
CULTURE_OF = {
    "ES": "es", "MX": "es", "AR": "es", "GB": "en", "US": "en", "AU": "en", "ZA": "en",
    "IE": "ie", "DE": "de", "FR": "fr", "PT": "pt", "BR": "pt", "IT": "it", "NL": "nl",
    "IN": "in", "JP": "jp", "CN": "cn",
}  # fmt: skip
EXPAT_CULTURES = ["es", "en", "de", "fr", "it"]

LEVELS = ["exec", "vp", "director", "manager", "practitioner", "blank"]
LEVEL_P = [0.08, 0.07, 0.15, 0.30, 0.32, 0.08]
LEVEL_WEIGHT = np.array([1.1, 0.9, 0.7, 0.25, -0.1, -0.2])
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

FREEMAIL = {
    "es": (["gmail.com", "hotmail.es", "hotmail.com", "yahoo.es", "outlook.com"],
           [0.5, 0.2, 0.1, 0.1, 0.1]),
    "de": (["gmail.com", "gmx.de", "web.de", "outlook.com"], [0.35, 0.3, 0.25, 0.1]),
    "en": (["gmail.com", "hotmail.com", "yahoo.com", "outlook.com", "icloud.com"],
           [0.5, 0.15, 0.15, 0.1, 0.1]),
    "*": (["gmail.com", "yahoo.com", "outlook.com", "icloud.com", "protonmail.com"],
          [0.6, 0.1, 0.1, 0.1, 0.1]),
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

FORMS = ["Contact us", "Whitepaper download", "Newsletter", "Demo request", "Pricing request"]
FORM_PATH = ["contact", "resources/whitepaper", "blog", "demo", "pricing"]
UTMS = [
    ("google", "cpc", "search-brand"), ("google", "cpc", "search-generic"),
    ("linkedin", "paid_social", "abm"), ("linkedin", "social", "organic"),
    ("newsletter", "email", "newsletter"), ("bing", "cpc", "search-generic"),
    ("facebook", "paid_social", "retargeting"), ("partner", "referral", "partner-program"),
]  # fmt: skip
WEBINAR_TOPICS = ["pipeline-analytics", "lead-scoring-playbook", "revops-benchmarks"]
BADGES = ["Visitor", "VIP", "Exhibitor", "Speaker", "Press"]
SIGNUP_SOURCES = ["blog", "footer", "popup", "webinar", "landing-page"]
MONTH_ABBR = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

FORMS_HEADER = [
    "Submission ID", "Submitted At", "Form", "Page URL", "First Name", "Last Name", "Email",
    "Company", "Job Title", "Phone", "Country", "Company Website", "Consent", "utm_source",
    "utm_medium", "utm_campaign",
]  # fmt: skip
TRADESHOW_HEADER = [
    "Registration Date", "First Name", "Last Name", "E-mail", "Organisation", "Position",
    "Country", "Badge Type", "Opt-in",
]  # fmt: skip
WEBINAR_HEADER = [
    "First Name", "Last Name", "Email", "Organization", "Job Title", "Country/Region",
    "Registration Time", "Attended", "Time in Session (minutes)",
]  # fmt: skip
CARDS_HEADER = ["Name", "Company", "Title", "Email", "Phone", "Country", "Scanned"]

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
TRUTH_SCHEMA = pa.schema(
    [
        ("person_id", pa.string()),
        ("email", pa.string()),
        ("company_domain", pa.string()),
        ("segment", pa.string()),
        ("propensity", pa.float64()),
        ("first_seen_at", pa.timestamp("us", tz="UTC")),
        ("first_name", pa.string()),
        ("last_name", pa.string()),
        ("country", pa.string()),
        ("seniority", pa.string()),
        ("sources", pa.string()),
        ("n_records", pa.int32()),
        ("converted", pa.bool_()),
    ]
)

BUSINESS, FREEMAIL_KIND, STUDENT, COMPETITOR = 0, 1, 2, 3
SOURCES = ["forms", "tradeshow", "webinar", "cards", "newsletter"]
BROKEN_RATE = 0.016

# --------------------------------------------------------------------------- small helpers

_TRANSLIT = str.maketrans({"ß": "ss", "œ": "oe", "Œ": "oe", "æ": "ae", "ø": "o", "ı": "i"})
_GERMAN = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def _slug(text: str, german: bool = False, sep: str = "") -> str:
    """ASCII lower-case slug of a name: accents dropped, words joined by ``sep``."""
    text = text.lower()
    if german:
        text = text.translate(_GERMAN)
    text = unicodedata.normalize("NFKD", text.translate(_TRANSLIT))
    text = "".join(c for c in text if not unicodedata.combining(c))
    words = ["".join(c for c in w if c.isascii() and c.isalnum()) for w in text.split()]
    return sep.join(w for w in words if w)


def _add_months(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    return date(d.year + y, m + 1, 1)


def _epoch(d: date) -> int:
    return int(datetime(d.year, d.month, d.day, tzinfo=UTC).timestamp())


def _madrid_offset(ts: np.ndarray | int) -> np.ndarray:
    """UTC offset in seconds of Europe/Madrid (CET/CEST, EU rules) at UTC instants ``ts``."""
    ts = np.asarray(ts, dtype=np.int64)
    off = np.full(ts.shape, 3600, dtype=np.int64)
    years = {time.gmtime(int(t)).tm_year for t in (ts.min(), ts.max())} if ts.size else set()
    for y in range(min(years, default=0), max(years, default=-1) + 1):
        mar, octo = date(y, 3, 31), date(y, 10, 31)
        start = _epoch(mar - timedelta(days=(mar.weekday() + 1) % 7)) + 3600
        end = _epoch(octo - timedelta(days=(octo.weekday() + 1) % 7)) + 3600
        off[(ts >= start) & (ts < end)] = 7200
    return off


def _fmt(ts: int, pattern: str) -> str:
    return time.strftime(pattern, time.gmtime(ts))


def _webinar_time(ts: int) -> str:
    t = time.gmtime(ts)
    hour = t.tm_hour % 12 or 12
    ampm = "AM" if t.tm_hour < 12 else "PM"
    mon = MONTH_ABBR[t.tm_mon - 1]
    return f"{mon} {t.tm_mday:02d}, {t.tm_year} {hour:02d}:{t.tm_min:02d} {ampm}"


def _h64(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")


def _pick(u: float, items: list[Any]) -> Any:
    return items[min(int(u * len(items)), len(items) - 1)]


def _rng(seed: int, stream: int, index: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64([seed, stream, index]))


# --------------------------------------------------------------------------- companies


@dataclass
class _Companies:
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


def _make_companies(n: int, seed: int, t0: int, t1: int) -> _Companies:
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
    comp = _Companies(
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


def _write_companies(comp: _Companies, path: Path) -> int:
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


# --------------------------------------------------------------------------- showcase people

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
     "company_text": "Robert'); DROP TABLE raw.contacts;--"},
    {"first": "Hannah", "last": "Link", "cc": "GB", "f": True, "level": "practitioner",
     "title": '=HYPERLINK("http://example.invalid","click")', "src": {"forms": 1, "tradeshow": 1}},
    {"first": "Emma", "last": "Scriptor", "cc": "US", "f": True, "level": "manager",
     "title": "CRM Manager", "src": {"webinar": 1, "newsletter": 1},
     "first_text": "<script>alert(1)</script>"},
]  # fmt: skip


# --------------------------------------------------------------------------- people chunk


@dataclass
class _Period:
    t0: int
    t1: int
    month_starts: np.ndarray
    show_local: int  # trade show first day, 00:00 Madrid wall-clock, as naive epoch seconds
    show_slug: str
    webinar_ts: list[int]
    webinar_slugs: list[str]


class _Writers:
    """Open CSV/JSONL/Parquet outputs and their row counts."""

    def __init__(self, out: Path, period: _Period) -> None:
        self.out = out
        self.counts: dict[str, int] = {}
        self._files: list[IO[str]] = []
        self.forms = []
        for ms in period.month_starts[:-1]:
            rel = f"forms/web_form_submissions_{_fmt(int(ms), '%Y-%m')}.csv"
            self.forms.append(self._csv(rel, FORMS_HEADER, "utf-8", ",", "\n"))
        self.tradeshow = self._csv(
            f"events/tradeshow_{period.show_slug}_registrations.csv",
            TRADESHOW_HEADER, "utf-8-sig", ";", "\r\n",
        )  # fmt: skip
        self.webinars = [
            self._csv(f"events/webinar_{s}_registrations.csv", WEBINAR_HEADER, "utf-8", ",", "\n")
            for s in period.webinar_slugs
        ]
        self.cards = self._csv(
            f"cards/business_cards_{period.show_slug}.csv", CARDS_HEADER, "cp1252", ",", "\r\n"
        )
        rel = "subscriptions/newsletter_subscribers.jsonl"
        self.news_rel = rel
        self.news = self._open(rel, "utf-8")
        self.counts[rel] = 0
        self.truth_rel = "_truth/people.parquet"
        (out / "_truth").mkdir(parents=True, exist_ok=True)
        self.truth = pq.ParquetWriter(out / self.truth_rel, TRUTH_SCHEMA, compression="zstd")
        self.counts[self.truth_rel] = 0

    def _open(self, rel: str, encoding: str) -> IO[str]:
        path = self.out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = path.open("w", encoding=encoding, newline="", errors="strict")
        self._files.append(handle)
        return handle

    def _csv(self, rel: str, header: list[str], enc: str, delim: str, eol: str) -> _CsvOut:
        handle = self._open(rel, enc)
        w = _CsvOut(rel, csv.writer(handle, delimiter=delim, lineterminator=eol), self.counts)
        w.writer.writerow(header)
        self.counts[rel] = 0
        return w

    def close(self) -> None:
        self.truth.close()
        for handle in self._files:
            handle.close()


@dataclass
class _CsvOut:
    rel: str
    writer: Any
    counts: dict[str, int]

    def write(self, rows: list[tuple[int, list[str]]]) -> None:
        """Write rows sorted by their timestamp key."""
        rows.sort(key=lambda r: r[0])
        self.writer.writerows(r[1] for r in rows)
        self.counts[self.rel] += len(rows)


def _daytime(r: np.random.Generator, ts: np.ndarray, offset: float = 0.0) -> np.ndarray:
    """Move instants to a plausible time of day (office hours, some evenings) on the same day.

    ``offset`` is the audience's typical UTC offset in hours.
    """
    hours = np.where(
        r.random(len(ts)) < 0.8, r.normal(12.5, 2.6, len(ts)), r.uniform(0, 24, len(ts))
    )
    tod = (np.mod(hours - offset, 24) * 3600).astype(np.int64)
    return ts // DAY * DAY + tod


def _group_ord(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Person index and ordinal within the person for ``counts[i]`` records of person i."""
    person = np.repeat(np.arange(len(counts)), counts)
    starts = np.cumsum(counts) - counts
    ordinal = np.arange(len(person)) - np.repeat(starts, counts)
    return person, ordinal


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
class _People:
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


class _Generator:
    def __init__(self, seed: int, comp: _Companies, period: _Period, writers: _Writers) -> None:
        self.seed = seed
        self.comp = comp
        self.period = period
        self.w = writers
        self.seen = np.empty(0, dtype=np.uint64)

    # ---- people

    def people(self, r: np.random.Generator, k: int, base: int, n: int) -> _People:
        comp = self.comp
        u = r.random(n)
        kind = np.select([u < 0.08, u < 0.11, u < 0.13], [FREEMAIL_KIND, STUDENT, COMPETITOR], 0)
        company = np.searchsorted(comp.cdf, r.random(n), side="right").clip(0, comp.n - 1)
        employed = (kind == BUSINESS) | ((kind == FREEMAIL_KIND) & (r.random(n) < 0.6))
        company = np.where(employed, company, -1)
        uni = r.integers(0, len(UNIVERSITIES), n)
        rival = r.integers(0, len(COMPETITORS), n)
        own_country = r.choice(len(COUNTRIES), size=n, p=COMPANY_COUNTRY_WEIGHTS)
        female = r.random(n) < 0.46
        expat = r.random(n)
        u_first, u_last, u_last2 = r.random(n), r.random(n), r.random(n)
        double_surname = r.random(n) < 0.3
        level = np.searchsorted(np.cumsum(LEVEL_P), r.random(n), side="right").clip(0, 5)
        u_lang, u_title = r.random(n), r.random(n)
        phone_r = r.integers(0, 2**62, n)
        phone_style = r.integers(0, 12, n)
        u_free = r.random(n)
        free_num = r.integers(1, 100, n)
        u_freestyle = r.random(n)
        noise = r.normal(0.0, 0.85, n)
        u_org = r.random(n)

        # showcase overrides (chunk 0 only)
        show = SHOWCASE[:n] if k == 0 else []
        extra: list[dict[str, Any]] = [{} for _ in range(n)]
        for i, s in enumerate(show):
            cc = _CI[s["cc"]]
            kind[i] = BUSINESS
            if s.get("acme"):
                company[i] = 0
            else:
                same = np.flatnonzero(comp.country == cc)
                company[i] = int(same[(i * 7) % len(same)]) if same.size else company[i]
            own_country[i] = comp.country[company[i]]
            expat[i] = 1.0
            female[i] = s["f"]
            level[i] = LEVELS.index(s["level"])
            extra[i] = s

        countries: list[str] = []
        cultures: list[str] = []
        for i in range(n):
            if company[i] >= 0:
                cc = COUNTRIES[comp.country[company[i]]]
            elif kind[i] == STUDENT:
                cc = UNIVERSITIES[uni[i]][2]
            elif kind[i] == COMPETITOR:
                cc = COMPETITORS[rival[i]][2]
            else:
                cc = COUNTRIES[own_country[i]]
            countries.append(cc)
            cult = CULTURE_OF[cc]
            if expat[i] < 0.12:
                cult = _pick(expat[i] / 0.12, EXPAT_CULTURES)
            cultures.append(cult)

        # propensity: fit of company, seniority, territory, plus noise
        has_c = company >= 0
        cidx = np.where(has_c, company, 0)
        ind = NOUN_INDUSTRY[comp.noun[cidx]]
        emp = comp.employees[cidx]
        good = has_c & np.isin(ind, GOOD_INDUSTRIES)
        sweet = has_c & (emp >= 200) & (emp <= 5000)
        near = has_c & (((emp >= 50) & (emp < 200)) | ((emp > 5000) & (emp <= 20000)))
        in_terr = np.array([c in TERRITORY for c in countries])
        z = (
            -2.1
            + 0.9 * good
            + 0.9 * sweet
            + 0.35 * near
            + 0.6 * in_terr
            + LEVEL_WEIGHT[level]
            + noise
            - np.select([kind == FREEMAIL_KIND, kind == STUDENT, kind == COMPETITOR],
                        [1.0, 2.5, 2.5], 0.0)
        )  # fmt: skip
        prop = 1.0 / (1.0 + np.exp(-z))

        p = _People(
            chunk=k, ids=[f"P{base + i + 1:08d}" for i in range(n)],
            first=[], last=[], female=female, country=countries, kind=kind, segment=[],
            comp=company, org_name=[], org_legal=[], org_domain=[], email=[], email_domain=[],
            level=level, title=[], title_lang=[], phone=[], prop=prop, extra=extra,
        )  # fmt: skip
        for i in range(n):
            cc, cult, s = countries[i], cultures[i], extra[i]
            males, females, lasts = NAMES[cult]
            if s:
                first, last = s["first"], s["last"]
            else:
                first = _pick(u_first[i], females if female[i] else males).replace("|", " ")
                last = _pick(u_last[i], lasts).replace("|", " ")
                if cult == "es" and double_surname[i]:
                    second = _pick(u_last2[i], lasts)
                    if second != last:
                        last = f"{last} {second}"
            p.first.append(first)
            p.last.append(last)
            german = cult == "de" and u_last2[i] < 0.8
            c = int(company[i])
            if kind[i] == STUDENT:
                dom, name, _, student_titles = UNIVERSITIES[uni[i]]
                legal, org_domain = name, dom
                title = _pick(u_title[i], student_titles)
                if cc == "DE" and u_title[i] > 0.8:
                    title = "Doktorand"
                local = _email_local(first, last, "first.last", german)
                seg, lang = "student", "en"
            elif kind[i] == COMPETITOR:
                dom, name, _, pattern, legal = COMPETITORS[rival[i]]
                org_domain = dom
                local = _email_local(first, last, pattern, german)
                seg, lang = "competitor", "en"
                title = _title(int(level[i]), lang, bool(female[i]), u_title[i])
            else:
                lang = "en"
                if cc in ("ES", "MX", "AR") and cult == "es" and u_lang[i] < 0.35:
                    lang = "es"
                elif cc == "DE" and cult == "de" and u_lang[i] < 0.25:
                    lang = "de"
                title = _title(int(level[i]), lang, bool(female[i]), u_title[i])
                if c >= 0:
                    name = comp.name(c)
                    legal = LEGAL[COUNTRIES[comp.country[c]]][comp.legal[c]]
                    org_domain = comp.domain(c)
                else:
                    name = _pick(u_org[i], ["", "", "Freelance", "Self-employed", "-", "N/A"])
                    if cc in ("ES", "MX", "AR") and name == "Self-employed":
                        name = "Autónomo"
                    legal, org_domain = "", None
                if kind[i] == FREEMAIL_KIND:
                    seg = "freemail"
                    doms, probs = FREEMAIL.get(cult, FREEMAIL["*"])
                    dom = doms[int(np.searchsorted(np.cumsum(probs), u_free[i] * 0.999999))]
                    style = u_freestyle[i]
                    fs, ls = _slug(first, german), _slug(last.split()[0], german)
                    if style < 0.35:
                        local = f"{fs}.{ls}{free_num[i]}"
                    elif style < 0.6:
                        local = f"{fs}{ls}"
                    elif style < 0.8:
                        local = f"{fs[:1]}{ls}{1960 + free_num[i] % 45}"
                    else:
                        local = f"{fs}_{ls}"
                else:
                    seg = "fit" if cc in TERRITORY else "out_of_territory"
                    dom = org_domain or ""
                    local = _email_local(first, last, EMAIL_PATTERNS[comp.pattern[c]], german)
            if s:
                title = s["title"]
            p.segment.append(seg)
            p.org_name.append(name)
            p.org_legal.append(legal)
            p.org_domain.append(org_domain)
            p.email.append(f"{local}@{dom}")
            p.email_domain.append(dom)
            p.title.append(title)
            p.title_lang.append(lang)
            p.phone.append(_phone(cc, int(phone_r[i]), int(phone_style[i])))
        self._unique_emails(p)
        return p

    def _unique_emails(self, p: _People) -> None:
        """Make canonical e-mails unique across all chunks by numbering repeats."""
        hashes = np.fromiter((_h64(e) for e in p.email), dtype=np.uint64, count=len(p.email))
        clash = np.isin(hashes, self.seen)
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
        self.seen = np.union1d(self.seen, hashes)

    # ---- sources

    def chunk(self, k: int, base: int, n: int) -> None:
        r = _rng(self.seed, 0, k)
        p = self.people(r, k, base, n)
        prop = p.prop
        per = self.period

        probs = np.stack(
            [0.31 + 0.45 * prop, 0.11 + 0.15 * prop, 0.08 + 0.35 * prop,
             0.035 + 0.16 * prop, np.full(n, 0.17)], axis=1,
        )  # fmt: skip
        flags = r.random((n, 5)) < probs
        none = ~flags.any(axis=1)
        pick = r.choice(5, size=n, p=np.array([0.6, 0.2, 0.25, 0.12, 0.2]) / 1.37)
        flags[none, pick[none]] = True
        flags[flags.all(axis=1), 4] = False
        extra_forms = r.poisson(0.1 + 1.5 * prop**1.5)
        repeat = r.random((n, 3)) < [0.04, 0.05, 0.03]
        for i, s in enumerate(p.extra):
            if s:
                flags[i] = [name in s["src"] for name in SOURCES]
                extra_forms[i] = s["src"].get("forms", 1) - 1
                repeat[i] = False
        counts = {
            "forms": flags[:, 0] * (1 + extra_forms),
            "tradeshow": flags[:, 1] * (1 + repeat[:, 0]),
            "cards": flags[:, 3] * (1 + repeat[:, 1]),
            "newsletter": flags[:, 4] * (1 + repeat[:, 2]),
        }
        # webinar: one or more of the webinars; attendance rises with propensity
        nw = len(per.webinar_ts)
        wflags = (r.random((n, nw)) < (0.12 + 0.4 * prop)[:, None]) & flags[:, 2:3]
        first_w = r.integers(0, nw, n)
        lonely = flags[:, 2] & ~wflags.any(axis=1)
        wflags[lonely, first_w[lonely]] = True

        first_seen = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
        n_records = np.zeros(n, dtype=np.int64)

        def seen(person: np.ndarray, ts: np.ndarray) -> None:
            np.minimum.at(first_seen, person, ts)
            np.add.at(n_records, person, 1)

        seen(*self._forms(r, p, counts["forms"]))
        seen(*self._tradeshow(r, p, counts["tradeshow"]))
        seen(*self._webinars(r, p, wflags))
        seen(*self._cards(r, p, counts["cards"]))
        seen(*self._newsletter(r, p, counts["newsletter"]))

        converted = r.random(n) < 0.5 * prop
        src_names = [
            ",".join(s for s, f in zip(SOURCES, row, strict=True) if f)
            for row in np.column_stack([flags[:, :2], wflags.any(axis=1), flags[:, 3:]])
        ]
        batch = pa.table(
            {
                "person_id": p.ids,
                "email": p.email,
                "company_domain": p.org_domain,
                "segment": p.segment,
                "propensity": np.round(prop, 6),
                "first_seen_at": pa.array(first_seen * 1_000_000, pa.timestamp("us", tz="UTC")),
                "first_name": p.first,
                "last_name": p.last,
                "country": p.country,
                "seniority": [LEVELS[lv] for lv in p.level],
                "sources": src_names,
                "n_records": n_records.astype(np.int32),
                "converted": converted,
            },
            schema=TRUTH_SCHEMA,
        )
        self.w.truth.write_table(batch)
        self.w.counts[self.w.truth_rel] += n

    def _record_common(
        self,
        r: np.random.Generator,
        p: _People,
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

    def _email_of(self, p: _People, i: int, rc: dict[str, np.ndarray], j: int) -> str:
        if rc["broken"][j] and rc["broken_kind"][j] < 7:
            return _broken_email(p.email[i], p.first[i], p.last[i], int(rc["broken_kind"][j]))
        return _raw_email(p.email[i], float(rc["email_u"][j]))

    def _title_of(self, p: _People, i: int, rc: dict[str, np.ndarray], j: int) -> str:
        if rc["title_change"][j] and p.kind[i] != STUDENT and not p.extra[i]:
            return _title(int(p.level[i]), p.title_lang[i], bool(p.female[i]), rc["title_u"][j])
        return p.title[i]

    def _phone_of(self, p: _People, i: int, rc: dict[str, np.ndarray], j: int, blank: float) -> str:
        if rc["phone_blank"][j] < blank:
            return ""
        if rc["phone_change"][j]:
            return _phone(p.country[i], int(rc["phone_r"][j]), int(rc["phone_r"][j] % 5))
        return p.phone[i]

    def _company_of(self, p: _People, i: int, rc: dict[str, np.ndarray], j: int) -> str:
        text = p.extra[i].get("company_text") if p.extra[i] else None
        if text:
            return text.format(company=p.org_name[i])
        if not p.org_legal[i] or p.kind[i] == STUDENT:
            return p.org_name[i]
        return _company_text(p.org_name[i], p.org_legal[i], float(rc["company_u"][j]))

    def _first_of(self, p: _People, i: int) -> str:
        return p.extra[i].get("first_text", p.first[i]) if p.extra[i] else p.first[i]

    def _forms(
        self, r: np.random.Generator, p: _People, counts: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
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
        fw = np.stack(
            [np.full(m, 0.15), np.full(m, 0.35), 0.05 + 0.2 * (1 - prop),
             0.03 + 0.6 * prop, 0.02 + 0.4 * prop], axis=1,
        )  # fmt: skip
        fw /= fw.sum(axis=1, keepdims=True)
        form = (r.random(m)[:, None] > np.cumsum(fw, axis=1)).sum(axis=1).clip(0, 4)
        ids = r.integers(0, 2**63, (m, 2))
        utm = r.integers(0, len(UTMS) * 3, m)
        month = np.searchsorted(per.month_starts, ts, side="right") - 1
        dup = r.random(m) < 0.003
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
            ]
            rows[month[j]].append((t, row))
            if dup[j]:
                rows[month[j]].append((t, row))  # double submit: identical line twice
        for mo, batch in enumerate(rows):
            self.w.forms[mo].write(batch)
        return person, ts

    def _tradeshow(
        self, r: np.random.Generator, p: _People, counts: np.ndarray
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
        self.w.tradeshow.write(rows)
        return person, ts

    def _webinars(
        self, r: np.random.Generator, p: _People, wflags: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        per = self.period
        persons, stamps = [], []
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
            self.w.webinars[w].write(rows)
            persons.append(person)
            stamps.append(ts)
        return np.concatenate(persons), np.concatenate(stamps)

    def _cards(
        self, r: np.random.Generator, p: _People, counts: np.ndarray
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
        self.w.cards.write(rows)
        return person, ts

    def _newsletter(
        self, r: np.random.Generator, p: _People, counts: np.ndarray
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
        self.w.news.writelines(line for _, line in rows)
        self.w.counts[self.w.news_rel] += m
        return person, ts


# --------------------------------------------------------------------------- entry point


def _period(start: date, months: int) -> _Period:
    t0 = _epoch(start)
    month_starts = np.array([_epoch(_add_months(start, i)) for i in range(months + 1)])
    t1 = int(month_starts[-1])
    show_day = start + timedelta(days=int((t1 - t0) / DAY * 0.55))
    show_day += timedelta(days=(1 - show_day.weekday()) % 7)  # a Tuesday
    if _epoch(show_day) + 2 * DAY > t1:
        show_day = datetime.fromtimestamp(t1 - 3 * DAY, UTC).date()
    show_local = _epoch(show_day)
    nw = 3 if months >= 4 else 2
    webinar_ts, slugs = [], []
    for w in range(nw):
        ts = t0 + int((t1 - t0) * (w + 1) / (nw + 1)) // DAY * DAY + 16 * 3600
        webinar_ts.append(ts)
        slugs.append(f"{WEBINAR_TOPICS[w]}-{_fmt(ts, '%Y-%m')}")
    return _Period(
        t0=t0, t1=t1, month_starts=month_starts, show_local=show_local,
        show_slug=f"bigdata-madrid-{show_day.year}", webinar_ts=webinar_ts, webinar_slugs=slugs,
    )  # fmt: skip


def generate(
    leads: int, seed: int, out: Path, start: date = date(2026, 1, 1), months: int = 10
) -> dict:
    """Write a synthetic landing folder under ``out`` and return what was written.

    ``leads`` distinct people over ``months`` months from ``start`` (first of a month is
    assumed; the day is ignored). The same arguments always give byte-identical files.
    Returns ``{"files": {relative path: data rows}, "people": int, "companies": int}``;
    ``companies`` counts the generated companies (those without enrichment included,
    universities and competitors excluded).
    """
    if leads < 1 or months < 1 or seed < 0:
        raise ValueError("leads and months must be positive and seed non-negative")
    start = date(start.year, start.month, 1)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    period = _period(start, months)
    n_companies = max(60, round(leads / 6))
    comp = _make_companies(n_companies, seed, period.t0, period.t1)
    (out / "firmographics").mkdir(parents=True, exist_ok=True)
    firmo_rows = _write_companies(comp, out / "firmographics" / "companies.parquet")
    writers = _Writers(out, period)
    try:
        gen = _Generator(seed, comp, period, writers)
        for k, base in enumerate(range(0, leads, CHUNK)):
            gen.chunk(k, base, min(CHUNK, leads - base))
    finally:
        writers.close()
    files = {"firmographics/companies.parquet": firmo_rows, **writers.counts}
    return {"files": dict(sorted(files.items())), "people": leads, "companies": n_companies}

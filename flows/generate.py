"""Synthetic landing data for leadflow: exports of forms, events, cards, newsletter, enrichment,
and the buying-interest activity behind them (website page views, e-mail engagement).

``generate()`` writes the landing layout that the mapping profiles in ``sources/mappings/``
describe, plus a hidden truth table under ``_truth/`` (ignored by ingestion). It is
deterministic: the same arguments give byte-identical files. People are made in chunks of
``CHUNK`` with a ``numpy.random.Generator(PCG64)`` seeded from ``(seed, chunk index)``, and
rows are streamed to the files, so memory stays bounded: per person only an 8-byte e-mail
hash is kept (to keep e-mails unique); per company a few numbers. Activity draws from its
own stream ``(seed, 3, chunk index)`` and is built column-wise (NumPy, Arrow), since it is
most of the rows.

Each person's hidden propensity drives the activity: high-propensity people browse more
(product, features, pricing, case studies), click e-mails and ask for demos; low-propensity
people mostly open e-mails and read the blog, careers and support pages. Each person has
one to three browsers (anonymous visitor ids); a form carries the id of the browser that
submitted it, so the anonymous page views before it can be stitched to the e-mail.

The propensity comes from industry, company size, seniority and territory, plus noise. Two of
those weights differ from the shipped ICP on purpose (``INDUSTRY_WEIGHT``, ``LEVEL_WEIGHT``):
retail and telecom buy more and financial services and healthcare less than the ICP's points
say, and directors more than executives. That is the drift a calibration from outcomes
(``leadflow calibrate``) is there to find.
"""

from __future__ import annotations

import csv
import hashlib
import json
import time
import unicodedata
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import IO, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
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
# How much each industry adds to the hidden propensity to buy. The market differs from the
# shipped ICP (config/icp.yml) here on purpose, as markets drift from what marketing wrote
# down: retail and telecom run the high-volume lead funnels the product serves and buy as
# often as software companies, while financial services and healthcare come to learn but buy
# through procurement cycles longer than a sales horizon. The ICP still scores them the other
# way round, so a calibration from outcomes has something real to find.
INDUSTRY_WEIGHT = np.array(
    [
        {"Software": 0.9, "Financial Services": -0.4, "Healthcare": -0.4, "Manufacturing": 0.5,
         "Retail": 1.0, "Logistics": 0.9, "Telecommunications": 1.0, "Media": 0.3,
         "Education": 0.0, "Government": -0.3, "Hospitality": 0.3, "Agriculture": 0.0}[i]
        for i in INDUSTRIES
    ]
)  # fmt: skip
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
# How much each level adds to the hidden propensity. Also unlike the shipped ICP, which gives
# executives the most points: the leads that turn into opportunities are the directors and
# heads who run an evaluation (and their managers); executives fill a form to see a demo and
# hand it on.
LEVEL_WEIGHT = np.array([-0.1, 0.5, 1.0, 0.6, -0.1, -0.2])
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
WEBINAR_TOPICS = ["pipeline-analytics", "lead-scoring-playbook", "revops-benchmarks"]
BADGES = ["Visitor", "VIP", "Exhibitor", "Speaker", "Press"]
SIGNUP_SOURCES = ["blog", "footer", "popup", "webinar", "landing-page"]
MONTH_ABBR = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

FORMS_HEADER = [
    "Submission ID", "Submitted At", "Form", "Page URL", "First Name", "Last Name", "Email",
    "Company", "Job Title", "Phone", "Country", "Company Website", "Consent", "utm_source",
    "utm_medium", "utm_campaign", "Visitor ID",
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
        ("visitor_ids", pa.list_(pa.string())),
    ]
)

BUSINESS, FREEMAIL_KIND, STUDENT, COMPETITOR = 0, 1, 2, 3
SOURCES = ["forms", "tradeshow", "webinar", "cards", "newsletter"]
BROKEN_RATE = 0.016

# --------------------------------------------------------------------------- activity reference

SITE = "https://www.leadflow.example"
EMAIL_HEADER = ["Event ID", "Email Address", "Event", "Timestamp", "Campaign Name", "Link URL"]
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
PAGE_CATS = [
    "home", "product", "features", "pricing", "blog", "case", "docs", "careers", "support",
    "webinars",
]  # fmt: skip
_T = " | LeadFlow"
SITE_PAGES: dict[str, list[tuple[str, str]]] = {
    "home": [("/", "LeadFlow: qualified leads from every source")],
    "product": [("/product", "Product" + _T)],
    "features": [
        ("/features/lead-scoring", "Lead scoring" + _T),
        ("/features/identity-resolution", "Identity resolution" + _T),
        ("/features/routing", "Lead routing" + _T),
        ("/features/integrations", "Integrations" + _T),
        ("/features/enrichment", "Enrichment" + _T),
    ],
    "pricing": [("/pricing", "Pricing" + _T)],
    "blog": [
        (f"/blog/{slug}", f"{title}{_T} Blog")
        for slug, title in [
            ("what-is-an-mql", "What is an MQL, really?"),
            ("lead-scoring-101", "Lead scoring 101"),
            ("icp-workshop-template", "An ICP workshop template"),
            ("utm-naming-conventions", "UTM naming conventions that survive"),
            ("gdpr-consent-for-marketers", "GDPR consent for marketers"),
            ("dedupe-your-crm", "Dedupe your CRM in a weekend"),
            ("abm-on-a-budget", "ABM on a budget"),
            ("revops-metrics-that-matter", "RevOps metrics that matter"),
            ("webinar-follow-up-emails", "Webinar follow-up e-mails that work"),
            ("b2b-attribution-models", "B2B attribution models compared"),
        ]
    ],
    "case": [
        ("/case-studies/acme-logistics", "Acme Logistics cut lead response time by 60%" + _T),
        ("/case-studies/northwind-finance", "Northwind Finance: one view of every lead" + _T),
        ("/case-studies/helix-health", "Helix Health scores 40k leads a month" + _T),
        ("/case-studies/cobalt-manufacturing", "Cobalt Manufacturing goes ABM" + _T),
    ],
    "docs": [
        (f"/docs/{slug}", f"{title}{_T} Docs")
        for slug, title in [
            ("getting-started", "Getting started"),
            ("mapping-profiles", "Mapping profiles"),
            ("identity-resolution", "Identity resolution"),
            ("api-reference", "API reference"),
            ("dbt-integration", "dbt integration"),
            ("sso-setup", "Single sign-on"),
        ]
    ],
    "careers": [
        ("/careers", "Careers" + _T),
        ("/careers/senior-data-engineer", "Senior Data Engineer (Madrid or remote)" + _T),
        ("/careers/account-executive-madrid", "Account Executive, Madrid" + _T),
        ("/careers/marketing-intern", "Marketing Intern" + _T),
        ("/careers/customer-success-manager", "Customer Success Manager" + _T),
    ],
    "support": [
        ("/support/reset-password", "Reset your password" + _T + " Support"),
        ("/support/billing", "Billing and invoices" + _T + " Support"),
        ("/support/import-errors", "Fixing import errors" + _T + " Support"),
        ("/support/contact", "Contact support" + _T),
    ],
    # webinar pages are added per period (one per webinar)
}
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
CLICK_LO = np.array([0.0, 0.10, 0.0, 0.0, 0.70, 0.10, 0.0, 0.0, 0.0, 0.10])
CLICK_HI = np.array([0.0, 0.20, 0.10, 0.35, 0.10, 0.20, 0.0, 0.0, 0.0, 0.05])
# Median time on page (seconds) per category; high-intent pages hold high-propensity
# readers longer.
CAT_SECONDS = np.array([15, 45, 50, 40, 70, 80, 60, 40, 35, 30], dtype=np.float64)
CAT_INTENT = np.array([0, 1, 1, 1, 0, 1, 0, 0, 0, 1], dtype=np.float64)

# E-mail program: ESP event names, monthly newsletter, webinar invites, one product update,
# and a three-step nurture sequence after a person's first capture (days after it).
ESP_EVENTS = ["open", "click", "unsubscribe", "hard_bounce", "soft_bounce"]
NURTURE = [
    (1, "Nurture 1: Welcome to LeadFlow", "nurture-welcome"),
    (8, "Nurture 2: How Acme Logistics qualifies leads", "nurture-case-study"),
    (18, "Nurture 3: Ready for a demo?", "nurture-demo"),
]
WEBINAR_TITLES = {
    "pipeline-analytics": "Pipeline analytics",
    "lead-scoring-playbook": "The lead scoring playbook",
    "revops-benchmarks": "RevOps benchmarks",
}

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
EVENT_BROKEN_RATE = 0.01
WRITE_BATCH = 40_000  # page views serialised at a time

# --------------------------------------------------------------------------- sales reference

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


def _assign_reps(p: Any, rep: np.ndarray, persons: np.ndarray) -> None:
    """Each person's sales rep: one of their country's reps, picked by a hash of the e-mail."""
    for i in persons:
        reps = REPS_OF.get(p.country[i], OTHER_REPS)
        rep[i] = reps[_h64(p.email[i]) % len(reps)]


def _pick(u: float, items: list[Any]) -> Any:
    return items[min(int(u * len(items)), len(items) - 1)]


def _rng(seed: int, stream: int, index: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64([seed, stream, index]))


_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


def _hex_ids(u: np.ndarray, prefix: str = "") -> pa.StringArray:
    """``prefix`` + 16 lower-case hex digits of each uint64, built without a Python loop."""
    m = len(u)
    shifts = np.arange(60, -1, -4, dtype=np.uint64)
    nibbles = (u.astype(np.uint64)[:, None] >> shifts) & np.uint64(15)
    digits = _HEX[nibbles.astype(np.intp)]
    head = np.broadcast_to(np.frombuffer(prefix.encode(), dtype=np.uint8), (m, len(prefix)))
    chars = np.ascontiguousarray(np.concatenate([head, digits], axis=1))
    width = chars.shape[1]
    offsets = np.arange(0, (m + 1) * width, width, dtype=np.int32)
    return pa.StringArray.from_buffers(m, pa.py_buffer(offsets), pa.py_buffer(chars))


def _concat(*parts: Any) -> pa.Array:
    """Element-wise concatenation of string arrays and literals (nulls stay null)."""
    return pc.binary_join_element_wise(*parts, "")


def _write_text(handle: IO[bytes], lines: pa.Array) -> None:
    """Write the UTF-8 bytes of a string array (each element ends with its own newline)."""
    if len(lines) == 0:
        return
    lines = pa.array(lines) if not isinstance(lines, pa.Array) else lines
    lines = lines.cast(pa.large_string())
    _, offsets, data = lines.buffers()
    at = np.frombuffer(offsets, dtype=np.int64, count=len(lines) + 1, offset=8 * lines.offset)
    handle.write(memoryview(data)[int(at[0]) : int(at[-1])])


def _draw_cat(r: np.random.Generator, weights: np.ndarray) -> np.ndarray:
    """One category per row of ``weights`` (rows need not sum to one)."""
    cw = np.cumsum(weights, axis=1)
    u = r.random(len(weights)) * cw[:, -1]
    return (u[:, None] >= cw).sum(axis=1).clip(0, weights.shape[1] - 1)


def _offsets_in_group(group: np.ndarray, d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For rows sorted by ``group``: each row's offset (sum of ``d`` of earlier rows in its
    group) and each group's total, for groups ``0..group.max()``."""
    cs = np.cumsum(d)
    excl = cs - d
    n_groups = int(group.max()) + 1 if len(group) else 0
    first = np.searchsorted(group, np.arange(n_groups)).clip(0, max(len(group) - 1, 0))
    total = np.bincount(group, weights=d, minlength=n_groups)
    return excl - excl[first[group]], total


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
     "company_text": "Robert'); DROP TABLE raw.contacts;--", "power_user": 120},
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

    def __init__(self, out: Path, period: _Period, web_format: str = "jsonl") -> None:
        self.out = out
        self.counts: dict[str, int] = {}
        self._files: list[IO[Any]] = []
        self.forms = []
        self.web_format = web_format
        self.web: list[Any] = []
        self.web_rel: list[str] = []
        self.email: list[IO[bytes]] = []
        self.email_rel: list[str] = []
        for ms in period.month_starts[:-1]:
            month = _fmt(int(ms), "%Y-%m")
            rel = f"forms/web_form_submissions_{month}.csv"
            self.forms.append(self._csv(rel, FORMS_HEADER, "utf-8", ",", "\n"))
            rel = f"web/site_activity_{month}.{web_format}"
            if web_format == "parquet":
                (out / "web").mkdir(parents=True, exist_ok=True)
                self.web.append(pq.ParquetWriter(out / rel, WEB_SCHEMA, compression="zstd"))
            else:
                self.web.append(self._open_bytes(rel))
            self.web_rel.append(rel)
            self.counts[rel] = 0
            rel = f"email/email_engagement_{month}.csv"
            handle = self._open_bytes(rel)
            handle.write((",".join(EMAIL_HEADER) + "\n").encode())
            self.email.append(handle)
            self.email_rel.append(rel)
            self.counts[rel] = 0
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
        # Sales: CRM decisions and discovery answers by month, Salesforce month-end
        # snapshots of the opportunities, the chat tool's conversations.
        self.decisions: list[_CsvOut] = []
        self.answers: list[IO[bytes]] = []
        self.answers_rel: list[str] = []
        self.opportunities: list[_CsvOut] = []
        for mo, ms in enumerate(period.month_starts[:-1]):
            month = _fmt(int(ms), "%Y-%m")
            rel = f"crm/lead_decisions_{month}.csv"
            self.decisions.append(self._csv(rel, DECISION_HEADER, "utf-8", ",", "\n"))
            rel = f"crm/discovery_answers_{month}.csv"
            handle = self._open_bytes(rel)
            handle.write((",".join(ANSWERS_HEADER) + "\n").encode())
            self.answers.append(handle)
            self.answers_rel.append(rel)
            self.counts[rel] = 0
            day = _fmt(int(period.month_starts[mo + 1]) - DAY, "%Y-%m-%d")
            rel = f"salesforce/Opportunity_{day}.csv"
            self.opportunities.append(self._csv(rel, OPPORTUNITY_HEADER, "utf-8", ",", "\n"))
        self.chat_rel = "chat/chat_conversations.jsonl"
        self.chat = self._open(self.chat_rel, "utf-8")
        self.counts[self.chat_rel] = 0

    def _open_bytes(self, rel: str) -> IO[bytes]:
        path = self.out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = path.open("wb")
        self._files.append(handle)
        return handle

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
        if self.web_format == "parquet":
            for writer in self.web:
                writer.close()
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


def _csv_field(text: str) -> str:
    """A CSV field, quoted only when it needs to be."""
    if any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


@dataclass
class _Campaign:
    name: str  # as the e-mail tool shows it
    slug: str  # utm_campaign
    source: str
    ts: int | None  # send time; None for nurture steps (days after first capture)
    days: int = 0
    newsletter: bool = False


class _Site:
    """The website's pages, the campaigns and the e-mail program of a period, as lookup
    arrays (Arrow arrays are taken by index when writing)."""

    def __init__(self, period: _Period) -> None:
        pages: list[tuple[str, str, int]] = []
        for c, cat in enumerate(PAGE_CATS):
            if cat == "webinars":
                entries = [
                    (f"/webinars/{slug}", f"Webinar: {WEBINAR_TITLES[WEBINAR_TOPICS[w]]}{_T}")
                    for w, slug in enumerate(period.webinar_slugs)
                ]
            else:
                entries = SITE_PAGES[cat]
            pages += [(path, title, c) for path, title in entries]
        cats = np.array([c for *_, c in pages])
        self.cat_start = np.searchsorted(cats, np.arange(len(PAGE_CATS)))
        self.cat_len = np.bincount(cats, minlength=len(PAGE_CATS))
        paths = [path for path, *_ in pages]
        self.webinar_page = [paths.index(f"/webinars/{slug}") for slug in period.webinar_slugs]
        self.path = pa.array([path for path, *_ in pages])
        self.url = pa.array([SITE + path for path, *_ in pages])
        self.title = pa.array([title for _, title, _ in pages])
        for path, title, _ in pages:  # written into JSON lines as they are
            assert json.dumps(path + title, ensure_ascii=False) == f'"{path}{title}"'

        # E-mail campaigns: monthly newsletter, webinar invites, a product update, nurture.
        program: list[_Campaign] = []
        for ms in period.month_starts[:-1]:
            ts = int(ms) + 4 * DAY + 9 * 3600
            month = f"{MONTH_ABBR[time.gmtime(ts).tm_mon - 1]} {time.gmtime(ts).tm_year}"
            program.append(
                _Campaign(f"Newsletter {month}", f"newsletter-{_fmt(ts, '%Y-%m')}",
                          "newsletter", ts, newsletter=True)
            )  # fmt: skip
        for w, wts in enumerate(period.webinar_ts):
            topic = WEBINAR_TOPICS[w]
            program.append(
                _Campaign(f"Webinar invite: {WEBINAR_TITLES[topic]}",
                          f"webinar-invite-{period.webinar_slugs[w]}", "marketing-email",
                          wts - 14 * DAY - 7 * 3600)
            )  # fmt: skip
        update = period.t0 + int((period.t1 - period.t0) * 0.6) // DAY * DAY + 10 * 3600
        program.append(
            _Campaign("Product update: identity resolution is here",
                      f"product-update-{_fmt(update, '%Y-%m')}", "marketing-email", update)
        )  # fmt: skip
        for days, name, slug in NURTURE:
            program.append(_Campaign(name, slug, "nurture", None, days=days))
        self.program = program
        self.invite_of_webinar = [
            next(c for c, camp in enumerate(program) if camp.slug.endswith(slug))
            for slug in period.webinar_slugs
        ]
        self.esp_name = pa.array([_csv_field(c.name) for c in program])

        # Campaign context of page views: 0 is none, then paid/social, then the e-mails.
        web = [("", "", "")]
        for src, med, camp in UTMS:
            if med != "email":
                web += [(f"{camp}-{lang}", src, med) for lang in ("en", "es", "de")]
        self.n_paid = len(web) - 1
        self.camp_of_email = np.arange(len(program)) + len(web)
        web += [(c.slug, c.source, "email") for c in program]
        self.camp_index = {entry: i for i, entry in enumerate(web) if i}
        self.camp_name = pa.array([e[0] or None for e in web], pa.string())
        self.camp_source = pa.array([e[1] or None for e in web], pa.string())
        self.camp_medium = pa.array([e[2] or None for e in web], pa.string())
        self.camp_query = pa.array(
            [f"?utm_source={src}&utm_medium={med}&utm_campaign={name}" if name else ""
             for name, src, med in web]
        )  # fmt: skip

    def pages_of(self, r: np.random.Generator, cat: np.ndarray) -> np.ndarray:
        """A page of each category, uniformly."""
        return self.cat_start[cat] + (r.random(len(cat)) * self.cat_len[cat]).astype(np.int64)


@dataclass
class _Visitors:
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
class _FormRows:
    person: np.ndarray
    ts: np.ndarray
    form: np.ndarray
    visitor: np.ndarray  # -1: no cookie
    campaign: np.ndarray  # index into the campaign context, 0: none


@dataclass
class _Views:
    """Page views as parallel arrays; ``ts`` in milliseconds, ``seconds`` -1 when unknown."""

    ts: np.ndarray
    visitor: np.ndarray
    page: np.ndarray
    seconds: np.ndarray
    camp: np.ndarray
    query: np.ndarray
    forced: np.ndarray  # the view identified the browser (e-mail link): it carries the userId

    @staticmethod
    def concat(parts: list[_Views]) -> _Views:
        names = [f.name for f in fields(_Views)]
        return _Views(*(np.concatenate([getattr(v, f) for v in parts]) for f in names))


class _Generator:
    def __init__(
        self,
        seed: int,
        comp: _Companies,
        period: _Period,
        writers: _Writers,
        follow_up: float = 0.0,
    ) -> None:
        self.seed = seed
        self.follow_up = follow_up
        self.comp = comp
        self.period = period
        self.w = writers
        self.seen = np.empty(0, dtype=np.uint64)
        self.site = _Site(period)

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

        # propensity: industry, company size, seniority, territory, plus noise
        has_c = company >= 0
        cidx = np.where(has_c, company, 0)
        ind = NOUN_INDUSTRY[comp.noun[cidx]]
        emp = comp.employees[cidx]
        sweet = has_c & (emp >= 200) & (emp <= 5000)
        near = has_c & (((emp >= 50) & (emp < 200)) | ((emp > 5000) & (emp <= 20000)))
        in_terr = np.array([c in TERRITORY for c in countries])
        z = (
            -2.1
            + np.where(has_c, INDUSTRY_WEIGHT[ind], 0.0)
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

        # Activity has its own random stream, so the contact exports do not depend on it.
        ra = _rng(self.seed, 3, k)
        vis = self._visitors(ra, p, base, counts["forms"] > 0)
        forms = self._forms(r, p, counts["forms"], ra, vis)
        seen(forms.person, forms.ts)
        seen(*self._tradeshow(r, p, counts["tradeshow"]))
        w_person, w_ts, w_which = self._webinars(r, p, wflags)
        seen(w_person, w_ts)
        seen(*self._cards(r, p, counts["cards"]))
        seen(*self._newsletter(r, p, counts["newsletter"]))
        news = flags[:, 4].copy()
        news[forms.person[forms.form == FORMS.index("Newsletter")]] = True
        self._activity(ra, p, vis, forms, (w_person, w_ts, w_which), first_seen, news)

        converted = r.random(n) < 0.5 * prop
        # Sales has its own random stream too: every other export is independent of it.
        self._sales(_rng(self.seed, 5, k), p, vis, forms, converted, first_seen)
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
                "visitor_ids": [
                    vis.text[vis.start[i] : vis.start[i] + vis.count[i]] for i in range(n)
                ],
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
        self,
        r: np.random.Generator,
        p: _People,
        counts: np.ndarray,
        ra: np.random.Generator,
        vis: _Visitors,
    ) -> _FormRows:
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
            self.w.forms[mo].write(batch)
        return _FormRows(person=person, ts=ts, form=form, visitor=visitor, campaign=fcamp)

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
            self.w.webinars[w].write(rows)
            persons.append(person)
            stamps.append(ts)
            which.append(np.full(m, w, dtype=np.int64))
        return np.concatenate(persons), np.concatenate(stamps), np.concatenate(which)

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

    # ---- sales: decisions, discovery calls, opportunities, returners' chats

    def _sales(
        self,
        rs: np.random.Generator,
        p: _People,
        vis: _Visitors,
        forms: _FormRows,
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

        # 4. Chats: the returners', and a few more from hand-raisers after their first form.
        extra = raiser[rs.random(m) < 0.05]
        e_ts = h1[extra] + rs.integers(3600, 60 * DAY, len(extra))
        e_intent = rs.choice(3, size=len(extra), p=[0.35, 0.25, 0.4])
        ok = e_ts < per.t1
        self._chats(
            rs, p, vis, np.r_[r_person, extra[ok]], np.r_[chat_ts, e_ts[ok]],
            np.r_[r_intent, e_intent[ok]], np.arange(k + int(ok.sum())) < k,
        )  # fmt: skip

    def _follow_ups(
        self, p: _People, routed_at: np.ndarray, silent: np.ndarray
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
        self, rs: np.random.Generator, p: _People, seg: np.ndarray, person: np.ndarray
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
        p: _People,
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
            self.w.decisions[mo].write(batch)

    @staticmethod
    def _answers(rs: np.random.Generator, p_yes: np.ndarray) -> np.ndarray:
        """Answer codes (ANSWER_TEXT indices): 0 yes, 1 no, 2 not sure."""
        u = rs.random((2, *p_yes.shape))
        return np.where(u[0] < p_yes, 0, np.where(u[1] < 0.35, 2, 1))

    def _discovery(
        self,
        rs: np.random.Generator,
        p: _People,
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
        p: _People,
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
            _write_text(self.w.answers[mo], lines)
            self.w.counts[self.w.answers_rel[mo]] += len(idx)

    def _account(self, p: _People, i: int) -> tuple[str, str, str]:
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
        p: _People,
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
            self.w.opportunities[mo].write(rows)

    def _chats(
        self,
        rs: np.random.Generator,
        p: _People,
        vis: _Visitors,
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
        self.w.chat.writelines(line for _, line in rows)
        self.w.counts[self.w.chat_rel] += m

    # ---- activity: browsers, e-mail engagement, page views

    def _visitors(
        self, ra: np.random.Generator, p: _People, base: int, fills_forms: np.ndarray
    ) -> _Visitors:
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
        return _Visitors(ids, text, owner, start, count, style, hits)

    def _activity(
        self,
        ra: np.random.Generator,
        p: _People,
        vis: _Visitors,
        forms: _FormRows,
        webinars: tuple[np.ndarray, np.ndarray, np.ndarray],
        first_seen: np.ndarray,
        news: np.ndarray,
    ) -> None:
        """E-mail engagement and page views of a chunk, driven by propensity."""
        site, per = self.site, self.period
        prop = p.prop
        n = len(prop)
        clicks = self._email(ra, p, first_seen, news)
        parts: list[_Views] = []

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
            _Views(
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

        allv = _Views.concat(parts)
        # Browsers are identified from their first form submit or e-mail click on.
        ident = np.full(len(vis.ids), np.iinfo(np.int64).max, dtype=np.int64)
        has = forms.visitor >= 0
        np.minimum.at(ident, forms.visitor[has], forms.ts[has] * 1000)
        np.minimum.at(ident, allv.visitor[allv.forced], allv.ts[allv.forced])
        self._write_web(ra, p, vis, allv, ident)

    def _paid_campaign(
        self, ra: np.random.Generator, p: _People | None, owner: np.ndarray
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
    ) -> _Views:
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
        return _Views(
            ts=(start[sess] + offset.astype(np.int64)) * 1000 + ra.integers(0, 1000, m),
            visitor=visitor[sess],
            page=page,
            seconds=seconds,
            camp=np.where(first, camp[sess], 0),
            query=first & (camp[sess] > 0),
            forced=np.zeros(m, dtype=bool),
        )

    def _email(
        self, ra: np.random.Generator, p: _People, first_seen: np.ndarray, news: np.ndarray
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
            _write_text(self.w.email[mo], lines)
            self.w.counts[self.w.email_rel[mo]] += len(idx)
        return result

    def _heavy_views(
        self,
        ra: np.random.Generator,
        vis: _Visitors,
        heavy: np.ndarray,
        count: np.ndarray,
        lo: int,
        hi: int,
    ) -> _Views:
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
        return _Views(
            ts=ts[order] * 1000 + ra.integers(0, 1000, m),
            visitor=visitor[order],
            page=self.site.pages_of(ra, cat[order]),
            seconds=seconds[order],
            camp=np.zeros(m, dtype=np.int64),
            query=np.zeros(m, dtype=bool),
            forced=np.zeros(m, dtype=bool),
        )

    def _write_web(
        self, ra: np.random.Generator, p: _People, vis: _Visitors, v: _Views, ident: np.ndarray
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
            views = _Views(*(getattr(v, f.name)[sel] for f in fields(_Views)))
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
        vis: _Visitors,
        views: _Views,
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
            part = _Views(*(getattr(views, f.name)[at] for f in fields(_Views)))
            cols = self._web_columns(
                part, visitor[at], user[at], broken[at], ids[at], vis_text, emails
            )
            if self.w.web_format == "parquet":
                self.w.web[mo].write_table(pa.table(cols, schema=WEB_SCHEMA))
            else:
                _write_text(self.w.web[mo], self._web_json(cols, broken[at]))
        self.w.counts[self.w.web_rel[mo]] += len(rows)
        return force

    def _web_columns(
        self,
        v: _Views,
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
    leads: int,
    seed: int,
    out: Path,
    start: date = date(2026, 1, 1),
    months: int = 10,
    web_format: str = "jsonl",
    follow_up: float = 0.0,
) -> dict:
    """Write a synthetic landing folder under ``out`` and return what was written.

    ``leads`` distinct people over ``months`` months from ``start`` (first of a month is
    assumed; the day is ignored). The same arguments always give byte-identical files.
    ``web_format`` is how the website activity is exported: ``"jsonl"`` (the CDP's nested
    JSON lines) or ``"parquet"`` (the same events, flat, for large benchmark runs); the
    events are the same either way. ``follow_up`` (0 to 1, default 0 as in the sample) is the
    share of the leads that never raised a hand whom sales development also calls and
    decides on, as it does the hand-raisers; the other exports do not change with it.
    Returns ``{"files": {relative path: data rows}, "people": int, "companies": int}``;
    ``companies`` counts the generated companies (those without enrichment included,
    universities and competitors excluded).
    """
    if leads < 1 or months < 1 or seed < 0:
        raise ValueError("leads and months must be positive and seed non-negative")
    if not 0.0 <= follow_up <= 1.0:
        raise ValueError(f"follow_up must be within 0..1, not {follow_up}")
    if web_format not in ("jsonl", "parquet"):
        raise ValueError(f"web_format must be 'jsonl' or 'parquet', not {web_format!r}")
    start = date(start.year, start.month, 1)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    period = _period(start, months)
    n_companies = max(60, round(leads / 6))
    comp = _make_companies(n_companies, seed, period.t0, period.t1)
    (out / "firmographics").mkdir(parents=True, exist_ok=True)
    firmo_rows = _write_companies(comp, out / "firmographics" / "companies.parquet")
    writers = _Writers(out, period, web_format)
    try:
        gen = _Generator(seed, comp, period, writers, follow_up)
        for k, base in enumerate(range(0, leads, CHUNK)):
            gen.chunk(k, base, min(CHUNK, leads - base))
            pa.default_memory_pool().release_unused()  # Arrow's allocator keeps freed pages
    finally:
        writers.close()
    files = {"firmographics/companies.parquet": firmo_rows, **writers.counts}
    return {"files": dict(sorted(files.items())), "people": leads, "companies": n_companies}

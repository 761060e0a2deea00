"""Reference data about people everywhere: countries and their spellings, calling codes,
name pools by culture (all encodable in Windows-1252), free-mail providers by culture.
"""

from __future__ import annotations

from flows.generate.common import _w

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


FREEMAIL = {
    "es": (["gmail.com", "hotmail.es", "hotmail.com", "yahoo.es", "outlook.com"],
           [0.5, 0.2, 0.1, 0.1, 0.1]),
    "de": (["gmail.com", "gmx.de", "web.de", "outlook.com"], [0.35, 0.3, 0.25, 0.1]),
    "en": (["gmail.com", "hotmail.com", "yahoo.com", "outlook.com", "icloud.com"],
           [0.5, 0.15, 0.15, 0.1, 0.1]),
    "*": (["gmail.com", "yahoo.com", "outlook.com", "icloud.com", "protonmail.com"],
          [0.6, 0.1, 0.1, 0.1, 0.1]),
}  # fmt: skip

"""Synthetic landing data for leadflow, for the sample business and the shipped examples.

``generate()`` writes the sample's landing folder (``sources/sample``: B2B software leads,
``flows.generate.b2b_saas``); ``generate_example(name, ...)`` writes the landing folder of
an example business under ``examples/<name>/`` (``EXAMPLES``). Both are deterministic: the
same arguments give byte-identical files.

The package is laid out as the exports are: one module per export family (``forms``,
``events``, ``cards``, ``subscriptions``, ``web``, ``email``, ``sales``, ``companies``), each
a mixin that opens its files on a shared ``common.Outputs`` and writes one chunk of people at
a time; shared reference data (``world``: countries, names, free-mail providers; ``people``:
titles, showcase people, how a person appears on a record; ``site``: the website and the
e-mail program); and one module per business that draws its people and their hidden
propensity and combines the families it exports (``b2b_saas``). A new export family is one
module with a mixin; a new business is one module and an entry in ``EXAMPLES``.
"""

from __future__ import annotations

from flows.generate.b2b_saas import generate

__all__ = ["generate"]

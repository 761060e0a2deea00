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
propensity and combines the families it exports (``b2b_saas``; ``online_education``
with the consumer CRM's exports of ``lead_crm``). A new export family is one
module with a mixin; a new business is one module and an entry in ``EXAMPLES``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from flows.generate import online_education
from flows.generate.b2b_saas import generate

# Example businesses: name (the folder under examples/) -> its generator.
EXAMPLES: dict[str, Callable[..., dict]] = {
    online_education.NAME: online_education.generate,
}


def generate_example(
    name: str,
    leads: int,
    seed: int,
    out: Path,
    start: date = date(2026, 1, 1),
    months: int = 10,
) -> dict:
    """Write the landing folder of example business ``name`` (see ``EXAMPLES``)."""
    if name not in EXAMPLES:
        raise ValueError(f"unknown example {name!r}; examples: {', '.join(sorted(EXAMPLES))}")
    return EXAMPLES[name](leads=leads, seed=seed, out=Path(out), start=start, months=months)


__all__ = ["EXAMPLES", "generate", "generate_example"]

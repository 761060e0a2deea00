"""CSV written for people: values from forms are data, never spreadsheet formulas.

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed
with a single quote, as OWASP's "CSV Injection" guidance advises, so a spreadsheet shows the
text instead of evaluating it. Quoting (commas, quotes, line breaks) is the ``csv`` module's.
The warehouse keeps the value unchanged; only the exported file carries the quote.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> str:
    """The text of one CSV cell: empty for NULL, a quote before a formula-like start.

    Only text is neutralised: a number (a negative amount) is written as it is.
    """
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return str(value)


def write_csv(out: TextIO, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Write a header and ``rows`` as CSV to ``out``, every cell neutralised; rows written."""
    # RFC 4180 line ends: a CR or LF inside a value makes the csv module quote it
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([csv_cell(c) for c in columns])
    count = 0
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
        count += 1
    return count

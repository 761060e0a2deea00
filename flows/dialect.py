"""CSV dialects: delimiter, quote, decimal and thousands separators, day-first dates, and
where each record starts in the file.

A profile declares what it knows in its ``csv:`` block; what it leaves at ``auto`` is found
in the file: the delimiter by DuckDB's CSV sniffer (checked against the header, which must
hold the profile's required columns), a decimal comma from the numbers of the mapped
numeric columns, day-first dates from the dates of the mapped timestamp columns. The
dialect used is recorded in the load ledger (``dialect``, JSON).

Records are found by quote parity over the file's physical lines: a line starts a record
when the quotes before it are balanced. That gives each record its first physical line
(``_source_row``) and its exact text (``original_row`` in quarantine), also when a quoted
field spans several lines.
"""

from __future__ import annotations

import csv
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from flows.mapping import MappingProfile

DELIMITERS = (",", ";", "\t", "|")
# Day-first formats added when a profile declares ``day_first: true`` or, declaring no
# timestamp formats, its file's dates can only be day-first.
DAY_FIRST_FORMATS = (
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
    "%d-%m-%Y %H:%M:%S",
    "%d-%m-%Y %H:%M",
    "%d-%m-%Y",
)
MONTH_FIRST_FORMATS = ("%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y")
# A number that can only be written with a decimal comma / a decimal point.
COMMA_DECIMAL = (
    r"[+-]?([0-9]{1,3}(\.[0-9]{3})+,[0-9]+|[0-9]{1,3}(\.[0-9]{3}){2,}"
    r"|[0-9]*,([0-9]{1,2}|[0-9]{4,}))"
)
POINT_DECIMAL = (
    r"[+-]?([0-9]{1,3}(,[0-9]{3})+\.[0-9]+|[0-9]{1,3}(,[0-9]{3}){2,}"
    r"|[0-9]*\.([0-9]{1,2}|[0-9]{4,}))"
)
DATE_PARTS = r"^\s*([0-9]{1,2})[/.-]([0-9]{1,2})[/.-][0-9]{2,4}"


class DialectError(Exception):
    """The file's header cannot be read as the profile says (message names file and column)."""


@dataclass
class CsvDialect:
    """How one CSV file is written."""

    delimiter: str
    quote: str
    decimal: str = "."
    thousands: str = ","
    day_first: bool | None = None
    newline: str = "\n"
    detected: list[str] = field(default_factory=list)

    def as_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _split_header(path: Path, delimiter: str, quote: str) -> list[str]:
    """The first record of a UTF-8 CSV file split with ``delimiter`` (names stripped)."""
    with path.open("r", encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(
            handle,
            delimiter=delimiter,
            quotechar=quote or '"',
            quoting=csv.QUOTE_MINIMAL if quote else csv.QUOTE_NONE,
        )
        for row in reader:
            if any(cell.strip() for cell in row):
                return [cell.strip() for cell in row]
    return []


def _newline(path: Path) -> str:
    with path.open("rb") as handle:
        head = handle.read(1 << 16)
    return "\r\n" if b"\r\n" in head else "\n"


def _sniffed_delimiter(duck: Any, path: Path) -> str | None:
    try:
        row = duck.execute(f"select Delimiter from sniff_csv({_lit(str(path))})").fetchone()
    except Exception:  # the sniffer gives up on some files; the header decides then
        return None
    return row[0] if row and row[0] in DELIMITERS else None


def read_header(
    duck: Any, path: Path, profile: MappingProfile, relative: str
) -> tuple[list[str], CsvDialect]:
    """The header of a UTF-8 CSV file and the dialect its delimiter and newline say.

    With ``delimiter: auto`` the sniffer's delimiter is taken when the header it gives
    holds the profile's required columns, else the first of ``, ; tab |`` that does (else
    the one giving the most columns, and the missing columns reject the file later). A
    column named twice rejects the file.
    """
    quote = profile.csv.quote
    declared = profile.csv.delimiter
    dialect = CsvDialect(delimiter=declared, quote=quote, newline=_newline(path))
    if declared == "auto":
        required = profile.required_columns()
        sniffed = _sniffed_delimiter(duck, path)
        candidates = [d for d in (sniffed, *DELIMITERS) if d]
        headers = {d: _split_header(path, d, quote) for d in dict.fromkeys(candidates)}
        fitting = [d for d, h in headers.items() if all(c in h for c in required)]
        dialect.delimiter = fitting[0] if fitting else max(headers, key=lambda d: len(headers[d]))
        dialect.detected.append("delimiter")
    header = _split_header(path, dialect.delimiter, quote)
    seen: dict[str, int] = {}
    for position, name in enumerate(header, start=1):
        if name in seen:
            raise DialectError(
                f"{relative}: duplicated header column {name!r} (columns {seen[name]} and "
                f"{position}): rename one in the export"
            )
        seen[name] = position
    return header, dialect


def detect_formats(
    duck: Any,
    profile: MappingProfile,
    dialect: CsvDialect,
    numeric_columns: list[str],
    date_columns: list[str],
) -> None:
    """Fill in the decimal and thousands separators and day-first dates of ``dialect`` from
    the profile, else from the values in temp table ``_src`` (columns as named)."""
    options = profile.csv
    if options.decimal != "auto":
        dialect.decimal = options.decimal
        dialect.thousands = (
            options.thousands
            if options.thousands != "auto"
            else ("." if options.decimal == "," else ",")
        )
    elif numeric_columns:
        comma = point = 0
        for column in numeric_columns:
            c, p = duck.execute(
                f'select count(*) filter (where regexp_full_match(trim("{column}"), '
                f"{_lit(COMMA_DECIMAL)})), count(*) filter (where regexp_full_match("
                f'trim("{column}"), {_lit(POINT_DECIMAL)})) from _src'
            ).fetchone()
            comma, point = comma + c, point + p
        if comma and not point:
            dialect.decimal, dialect.thousands = ",", "."
            dialect.detected.append("decimal")
    if options.decimal == "auto" and options.thousands != "auto":
        dialect.thousands = options.thousands
    if options.day_first is not None:
        dialect.day_first = options.day_first
    elif date_columns and not profile.timestamp_formats:
        day = month = 0
        for column in date_columns:
            d, m = duck.execute(
                f'with parts as (select regexp_extract("{column}", {_lit(DATE_PARTS)}, '
                "['first', 'second']) as p from _src) select "
                "count(*) filter (where try_cast(p.first as int) > 12), "
                "count(*) filter (where try_cast(p.second as int) > 12) from parts"
            ).fetchone()
            day, month = day + d, month + m
        if day and not month:
            dialect.day_first = True
            dialect.detected.append("day_first")
        elif month and not day:
            dialect.day_first = False
            dialect.detected.append("day_first")


def effective_profile(profile: MappingProfile, dialect: CsvDialect) -> MappingProfile:
    """``profile`` with the dialect's separators and its date formats added after the
    declared ones (day-first or month-first, when known)."""
    formats = list(profile.timestamp_formats)
    if dialect.day_first is True:
        formats += [f for f in DAY_FIRST_FORMATS if f not in formats]
    elif dialect.day_first is False and not formats:
        formats += list(MONTH_FIRST_FORMATS)
    csv_options = profile.csv.model_copy(
        update={
            "delimiter": dialect.delimiter,
            "decimal": dialect.decimal,
            "thousands": dialect.thousands,
        }
    )
    return profile.model_copy(update={"timestamp_formats": formats, "csv": csv_options})


def number_sql(text: str, profile: MappingProfile) -> str:
    """SQL turning exported number text into text DuckDB casts: the thousands separator
    removed, a decimal comma made a point (profile's ``csv:`` separators; ``auto``: a
    point, and a comma for thousands)."""
    options = profile.csv
    decimal = "." if options.decimal == "auto" else options.decimal
    thousands = options.thousands
    if thousands == "auto":
        thousands = "." if decimal == "," else ","
    expr = text
    if thousands:
        expr = f"replace({expr}, {_lit(thousands)}, '')"
    if decimal != ".":
        expr = f"replace({expr}, {_lit(decimal)}, '.')"
    return expr


def stage_records(duck: Any, path: Path, dialect: CsvDialect) -> None:
    """Temp table ``_records`` (ordinal, start_line, text, is_blank): every record of the
    file in order (the header is ordinal 1), the physical line it starts on and its exact
    text, lines joined with the file's newline."""
    duck.execute("drop table if exists _physical")
    # lines split at LF only (a CR inside a quoted field is text, not a line break), the CR
    # of CRLF removed; the empty piece after the last newline is not a line
    duck.execute(
        "create temp table _physical as with pieces as (select string_split(content, chr(10)) "
        f"as lines from read_text({_lit(str(path))})) select unnest(range(1, len(lines) + 1)) "
        "as line_no, regexp_replace(unnest(lines), '\r$', '') as _line from pieces"
    )
    duck.execute(
        "delete from _physical where line_no = (select max(line_no) from _physical) and _line = ''"
    )
    quote = dialect.quote
    quotes = (
        f"length(coalesce(_line, '')) - length(replace(coalesce(_line, ''), {_lit(quote)}, ''))"
        if quote
        else "0"
    )
    if not duck.execute(f"select bool_or(({quotes}) % 2 = 1) from _physical").fetchone()[0]:
        # every quote closes on its line (the usual file): each line is a record
        duck.execute(
            "create temp table _records as select line_no as ordinal, line_no as start_line, "
            "coalesce(_line, '') as text, coalesce(_line, '') = '' as is_blank from _physical"
        )
        duck.execute("drop table _physical")
        return
    duck.execute(
        f"""
        create temp table _records as
        with lines as (
            select line_no, coalesce(_line, '') as text, {quotes} as quotes
            from _physical
        ),
        starts as (
            select *, coalesce(sum(quotes) over (
                order by line_no rows between unbounded preceding and 1 preceding
            ), 0) % 2 = 0 as is_start
            from lines
        ),
        numbered as (
            select *, sum(case when is_start then 1 else 0 end) over (order by line_no)
                as ordinal
            from starts
        )
        select
            ordinal,
            min(line_no) as start_line,
            string_agg(text, {_lit(dialect.newline)} order by line_no) as text,
            count(*) = 1 and max(text) = '' as is_blank
        from numbered
        group by ordinal
        """
    )
    duck.execute("drop table _physical")

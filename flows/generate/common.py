"""What every export family and business shares: chunking, time and text helpers, the
period of a run, and the outputs (files and their row counts).
"""

from __future__ import annotations

import csv
import hashlib
import time
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import IO, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

CHUNK = 20_000
"""People per chunk (and companies per company chunk)."""

DAY = 86_400


def _w(text: str) -> list[str]:
    """Words of a space-separated literal (keeps the reference lists compact)."""
    return text.split()


MONTH_ABBR = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


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


def _h64(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")


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


@dataclass
class Period:
    t0: int
    t1: int
    month_starts: np.ndarray
    show_local: int  # trade show first day, 00:00 Madrid wall-clock, as naive epoch seconds
    show_slug: str
    webinar_ts: list[int]
    webinar_slugs: list[str]


@dataclass
class CsvOut:
    """A CSV export: rows are written sorted by their timestamp key and counted."""

    rel: str
    writer: Any
    counts: dict[str, int]

    def write(self, rows: list[tuple[int, list[str]]]) -> None:
        """Write rows sorted by their timestamp key."""
        rows.sort(key=lambda r: r[0])
        self.writer.writerows(r[1] for r in rows)
        self.counts[self.rel] += len(rows)


@dataclass
class LinesOut:
    """A UTF-8 export written as ready-made lines (JSON lines, or CSV built column-wise)."""

    rel: str
    handle: IO[bytes]
    counts: dict[str, int]

    def write(self, lines: pa.Array | list[str]) -> None:
        """Write lines that each end with their own newline; one data row per line."""
        if isinstance(lines, list):
            self.handle.write("".join(lines).encode("utf-8"))
        else:
            _write_text(self.handle, lines)
        self.counts[self.rel] += len(lines)


@dataclass
class TableOut:
    """An export written from Arrow tables: Parquet (zstd, a row group per table), or CSV of
    text columns (strings quoted, nulls blank, as CRMs that quote everything export)."""

    rel: str
    writer: pq.ParquetWriter | pacsv.CSVWriter
    counts: dict[str, int]

    def write(self, table: pa.Table) -> None:
        self.writer.write_table(table)
        self.counts[self.rel] += table.num_rows


class Outputs:
    """The files a run writes under its landing folder, and the data rows written to each.

    Export families open their files here (``csv``, ``lines``, ``parquet``, ``table_csv``);
    ``counts`` maps each file's path relative to the folder to its data rows (headers not
    counted).
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.counts: dict[str, int] = {}
        self._open: list[Any] = []

    def _path(self, rel: str) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        self.counts[rel] = 0
        return path

    def csv(
        self, rel: str, header: list[str], enc: str = "utf-8", delim: str = ",", eol: str = "\n"
    ) -> CsvOut:
        """A CSV file with ``header``, in encoding ``enc``, quoted as Python's csv module does."""
        handle = self._path(rel).open("w", encoding=enc, newline="", errors="strict")
        self._open.append(handle)
        out = CsvOut(rel, csv.writer(handle, delimiter=delim, lineterminator=eol), self.counts)
        out.writer.writerow(header)
        return out

    def lines(self, rel: str, header: list[str] | None = None) -> LinesOut:
        """A UTF-8 file of lines; with ``header``, a CSV whose header line is written first."""
        handle = self._path(rel).open("wb")
        self._open.append(handle)
        if header is not None:
            handle.write((",".join(header) + "\n").encode())
        return LinesOut(rel, handle, self.counts)

    def parquet(self, rel: str, schema: pa.Schema) -> TableOut:
        writer = pq.ParquetWriter(self._path(rel), schema, compression="zstd")
        self._open.append(writer)
        return TableOut(rel, writer, self.counts)

    def table_csv(self, rel: str, header: list[str]) -> TableOut:
        """A UTF-8 CSV of text columns named ``header``, written table by table."""
        schema = pa.schema([(name, pa.string()) for name in header])
        options = pacsv.WriteOptions(quoting_style="needed", eol="\n")
        writer = pacsv.CSVWriter(str(self._path(rel)), schema, write_options=options)
        self._open.append(writer)
        return TableOut(rel, writer, self.counts)

    def close(self) -> None:
        for handle in self._open:
            handle.close()


class Market:
    """What every export family of a business reads: the run's seed and period, where it
    writes. A business class combines the family mixins (``FormExports``, ``WebActivity``,
    ...) with this and calls each family's ``_open_*`` once and its writer per chunk."""

    seed: int
    period: Period
    out: Outputs


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


def _csv_field(text: str) -> str:
    """A CSV field, quoted only when it needs to be."""
    if any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text

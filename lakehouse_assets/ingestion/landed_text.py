"""Landing files as bytes: one row per file (content, size, mtime, checksum), then one row per line.

Files are read once with Spark's text source (a whole file per row) and checkpointed, so every output of an
ingestion (rows, quarantine, ledger) derives from the same bytes even if a file changes during the run.
Lines are split on the Latin-1 view of those bytes, which maps byte to character one for one, so each
line's exact bytes survive, including bytes that are not UTF-8. A record is a line after the header (csv), a
line (json_lines) or an element of the file's one JSON array (json_array).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import unquote

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from ..landing.layout import LandedFile
from ..tables import read_once

# Bytes a file's first line may hold to count as a header; anything longer is not a header of a CSV feed.
HEADER_LIMIT = 65_536
# JSON as producers write it: a raw tab or line break inside a string is common, and every reader here must
# agree on what parses (json_array_length and json_object_keys accept it too).
JSON_OPTIONS = {"allowUnquotedControlChars": "true"}
_HADOOP_GLOB = re.compile(r"([\[\]{}*?\\])")


@dataclass(frozen=True)
class FileFacts:
    """What was read of one landed file; `first_line` holds at most HEADER_LIMIT bytes."""

    landed: LandedFile
    size_bytes: int
    modified_at: datetime
    sha256: str
    first_bytes_hex: str
    first_line: bytes
    first_line_length: int
    data_lines: int | None  # records, counted apart from parsing; None: a json_array file that is no JSON array


@dataclass(frozen=True)
class LandedRead:
    """`content` has one row per read file: _path (as listed), _day, _modified_at, _content (binary)."""

    content: DataFrame
    facts: dict[str, FileFacts]
    unread: dict[str, str]


def hadoop_path(path: str) -> str:
    """Spark globs any path with glob characters; escaping them makes a file named `a[1].csv` mean itself."""
    return _HADOOP_GLOB.sub(r"\\\1", path)


def comparable(path: str, *, from_spark: bool = False) -> str:
    """A path as listed, or as Spark reports it (URL-encoded, with file:/ or dbfs:/), in one spelling."""
    text = unquote(path) if from_spark else path
    for scheme in ("file:", "dbfs:"):
        if text.startswith(scheme):
            text = "/" + text[len(scheme) :].lstrip("/")
    return text


def is_blank(line: Column) -> Column:
    """A line with nothing but spaces, tabs or a carriage return is no record (the same rule everywhere)."""
    return line.rlike(r"^[ \t\r]*$")


def read_landed(spark: SparkSession, files: Sequence[LandedFile], layout: str = "csv") -> LandedRead:
    """Read `files` once; files Spark returns nothing for (empty, vanished, unreadable) are in `unread`.
    `layout` (csv, json_lines, json_array) decides what a record is, for the count of records."""
    if not files:
        empty = spark.createDataFrame([], "_path string, _day date, _modified_at timestamp, _content binary")
        return LandedRead(content=empty, facts={}, unread={})
    by_path = {comparable(landed.path): landed for landed in files}
    raw = read_once(
        spark.read.option("ignoreMissingFiles", "true")
        .option("ignoreCorruptFiles", "true")
        .text([hadoop_path(landed.path) for landed in files], wholetext=True)
        .select(
            F.col("_metadata.file_path").alias("spark_path"),
            F.col("_metadata.file_modification_time").alias("modified_at"),
            F.col("value").cast("binary").alias("_content"),
        )
    )
    facts, spark_paths = {}, []
    for row in raw.select("spark_path", "modified_at", *_fact_columns(layout)).collect():
        landed = by_path.get(comparable(row.spark_path, from_spark=True))
        if landed is None:
            raise RuntimeError(f"Spark read {row.spark_path}, which matches no listed file; listed: {sorted(by_path)}")
        spark_paths.append((row.spark_path, landed.path, landed.day))
        facts[landed.path] = FileFacts(
            landed=landed,
            size_bytes=row.size_bytes,
            modified_at=row.modified_at.astimezone(UTC),
            sha256=row.sha256,
            first_bytes_hex=row.first_bytes_hex,
            first_line=bytes(row.first_line),
            first_line_length=row.first_line_length,
            data_lines=row.data_lines,
        )
    unread = {landed.path: _unread_reason(landed) for landed in files if landed.path not in facts}
    # Spark's own spelling of each path -> the listed path and its day, as literals (no join, no extra job).
    listed = F.create_map(*[F.lit(value) for spark_path, path, _ in spark_paths for value in (spark_path, path)])
    days = F.create_map(*[F.lit(value) for spark_path, _, day in spark_paths for value in (spark_path, day)])
    content = raw.select(
        listed[F.col("spark_path")].alias("_path"),
        days[F.col("spark_path")].alias("_day"),
        F.col("modified_at").alias("_modified_at"),
        "_content",
    )
    return LandedRead(content=content, facts=facts, unread=unread)


def _latin1() -> Column:
    return F.decode(F.col("_content"), "ISO-8859-1")


def _record_count(layout: str) -> Column:
    """Counted apart from parsing, so the conservation check compares two independent figures."""
    lines = F.split(_latin1(), "\n")
    if layout == "csv":
        return F.size(F.filter(lines, lambda line, index: (index > 0) & ~is_blank(line)))
    if layout == "json_lines":
        return F.size(F.filter(lines, lambda line: ~is_blank(line)))
    if layout == "json_array":
        text = _without_bom(F.col("_content").cast("string"))
        length = F.json_array_length(text)
        # None unless the file is UTF-8 holding one JSON array (nothing after it) that the parser reads whole.
        readable = F.is_valid_utf8(F.col("_content").cast("string")) & is_one_json_value(text)
        return F.when(readable & (F.size(F.from_json(text, "array<string>", JSON_OPTIONS)) == length), length)
    raise ValueError(f"unknown record layout {layout!r}; expected csv, json_lines or json_array")


def _fact_columns(layout: str) -> list[Column]:
    first = F.substring_index(_latin1(), "\n", 1)
    return [
        F.octet_length("_content").alias("size_bytes"),
        F.sha2(F.col("_content"), 256).alias("sha256"),
        F.hex(F.substring(F.col("_content"), 1, 8)).alias("first_bytes_hex"),
        F.encode(F.substring(first, 1, HEADER_LIMIT), "ISO-8859-1").alias("first_line"),
        F.length(first).alias("first_line_length"),
        _record_count(layout).alias("data_lines"),
    ]


def _unread_reason(landed: LandedFile) -> str:
    if landed.size == 0:
        return "empty file (0 bytes)"
    hint = "; Hadoop paths cannot hold ':' in a file name, rename it" if ":" in landed.path.rsplit("/", 1)[-1] else ""
    return f"file could not be read (it vanished, is unreadable or was renamed after listing){hint}"


def landed_lines(content: DataFrame, *, header: bool = True) -> DataFrame:
    """Every non-blank line (after the first, the header, if `header`): _path, _day, _modified_at, _line_number,
    _raw (binary)."""
    exploded = content.select(
        "_path", "_day", "_modified_at", F.posexplode(F.split(_latin1(), "\n")).alias("_index", "_latin1")
    )
    first = 1 if header else 0
    return exploded.where((F.col("_index") >= first) & ~is_blank(F.col("_latin1"))).select(
        "_path",
        "_day",
        "_modified_at",
        (F.col("_index") + 1).alias("_line_number"),
        F.encode("_latin1", "ISO-8859-1").alias("_raw"),
    )


def _without_bom(text: Column) -> Column:
    return F.regexp_replace(text, "^\ufeff", "")


def is_one_json_value(text: Column) -> Column:
    """True where `text` is exactly one JSON value: `{"a":1}{"b":2}` is not, though a parser stops after the first."""
    return F.coalesce(F.json_array_length(F.concat(F.lit("["), text, F.lit("]"))) == 1, F.lit(False))


def array_elements(content: DataFrame) -> DataFrame:
    """Every element of each file's one JSON array as its JSON text (a string element as the string itself):
    _path, _day, _modified_at, _line_number (the element's position, from 1), _raw (binary, UTF-8)."""
    elements = F.from_json(_without_bom(F.col("_content").cast("string")), "array<string>", JSON_OPTIONS)
    exploded = content.select("_path", "_day", "_modified_at", F.posexplode(elements).alias("_index", "_element"))
    return exploded.select(
        "_path", "_day", "_modified_at", (F.col("_index") + 1).alias("_line_number"), F.encode("_element", "UTF-8").alias("_raw")
    )

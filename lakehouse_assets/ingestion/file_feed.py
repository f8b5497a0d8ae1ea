"""A file feed's daily files -> bronze rows, quarantined records and file-ledger entries (any CSV, JSON lines or
JSON array feed of feeds.json).

Every record of every readable file (a CSV data line, a JSON line, an element of the file's JSON array) ends up
in exactly one place: bronze (typed by the contract, misfit non-key values in `_rescued_data`) or quarantine (raw
record, file, line number or array position, reason). A file that cannot be read in the feed's format is
rejected whole, in the ledger with its reason; the rest of the partition loads.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import reduce
from pathlib import Path

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from ..landing.layout import LandedFile
from ..settings.feeds import Feed, FeedChecks
from ..tables import read_once
from .contracts import RESCUED, Contract, ContractError, feed_contract
from .csv_header import (
    HeaderPlan,
    HeaderRejected,
    check_drift,
    check_not_binary,
    decode_header,
    plan_fields,
    plan_header,
)
from .csv_lines import MAX_LINE_BYTES, REASON, line_text, parse_lines, type_lines
from .file_ledger import LOADED, REJECTED, LedgerEntry, ledger_frame
from .json_records import field_names, parse_records
from .landed_text import HEADER_LIMIT, FileFacts, LandedRead, array_elements, landed_lines, read_landed

SOURCE_COLUMNS = ("_source_file", "_source_line", "_source_modified_at", "_ingested_at")
QUARANTINE_COLUMNS = ("reason", "raw_line", "raw_bytes")
# Columns parsing works in (csv_lines.py, landed_text.py): a contract column of the same name would be overwritten.
WORKING_COLUMNS = ("_content", "_day", "_fields", "_index", "_line_number", "_line_problem", "_malformed", "_modified_at", "_path", "_raw", REASON)


@dataclass(frozen=True)
class FileFeed:
    """What ingestion needs of a feed: its name, contract, partition column, the columns that date a row
    (one date column, or year, month, day; none: the folder's day is the row's) and its file format."""

    name: str
    contract: Contract
    partition_column: str
    row_day: tuple[str, ...] = ()
    description: str = ""  # of bronze/<name>, for the asset graph
    format: str = "csv"  # csv, json_lines or json_array
    checks: FeedChecks = field(default_factory=FeedChecks, compare=False)
    missing_day: str = "fail"  # or "empty": a day without files holds no rows

    @property
    def reserved_columns(self) -> tuple[str, ...]:
        return (self.partition_column, RESCUED, *SOURCE_COLUMNS)


class IngestionError(Exception):
    """The ingestion's own bookkeeping does not add up; nothing was written."""


def file_feed(feed: Feed, config_dir: Path) -> FileFeed:
    """The feed of feeds.json with its contract loaded; raises FeedError naming the key that is wrong."""
    try:
        contract = feed_contract(feed.name, feed.contract, config_dir)
    except ContractError as error:
        raise FeedError("contract", str(error)) from None
    # Bronze adds these columns, and parsing works in the underscored ones; Spark and Delta compare names without case.
    added = {column.lower() for column in (RESCUED, *SOURCE_COLUMNS, *WORKING_COLUMNS)}
    clashing = [column for column in contract.columns if column.lower() in added or column.lower().startswith("_extra_")]
    if clashing:
        raise FeedError("contract", f"column(s) {', '.join(clashing)} clash with columns ingestion adds ({', '.join(sorted(added))})")
    if feed.partition_column.lower() in added | set(QUARANTINE_COLUMNS) | {column.lower() for column in contract.columns}:
        raise FeedError(
            "partition_column",
            f"{feed.partition_column!r} is a column of the contract, bronze or the quarantine; name a new column for the folder's day",
        )
    unknown = [column for column in feed.row_day if column not in contract.properties]
    if unknown:
        raise FeedError("row_day", f"the contract has no column {', '.join(unknown)} (it has {', '.join(contract.columns)})")
    kinds = [contract.spark_type(column).simpleString() for column in feed.row_day]
    if len(kinds) == 3 and kinds != ["bigint"] * 3 or len(kinds) == 1 and kinds[0] not in ("date", "timestamp"):
        raise FeedError(
            "row_day", "expected one date/date-time column, or year, month, day as integer columns of the contract"
        )
    if feed.checks.natural_key and not contract.natural_key:
        raise FeedError("checks.natural_key", f"{contract.origin} declares no x-natural-key (nor required columns) to check")
    unknown = [column for column in feed.checks.max_null_rate if column not in contract.properties]
    if unknown:
        raise FeedError("checks.max_null_rate", f"the contract has no column {', '.join(unknown)} (it has {', '.join(contract.columns)})")
    return FileFeed(feed.name, contract, feed.partition_column, feed.row_day, feed.description, feed.format, feed.checks, feed.missing_day)


class FeedError(Exception):
    """A feed's declaration does not fit its contract; `key` is the feeds.json key at fault."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


@dataclass(frozen=True)
class FeedIngestion:
    bronze: DataFrame
    quarantine: DataFrame
    ledger: DataFrame
    entries: list[LedgerEntry]
    added_columns: tuple[str, ...]


def ingest_feed_files(
    spark: SparkSession,
    feed: FileFeed,
    files: Sequence[LandedFile],
    *,
    ingested_at: datetime,
    drift_policy: str = "rescue",
    max_line_bytes: int = MAX_LINE_BYTES,
) -> FeedIngestion:
    """Read, type and split the files; raises DriftError when the policy forbids what the headers show."""
    contract = feed.contract
    # Files the landing zone refuses (links out of the root, FIFOs, ...) are never opened, only recorded.
    read = read_landed(spark, [landed for landed in files if landed.refused is None], feed.format)
    rejected = {**{landed.path: landed.refused for landed in files if landed.refused}, **read.unread}
    records, plans = _records_and_plans(read, feed, files, rejected, max_line_bytes)
    # A JSON producer leaves out what is null, so a field no record of a file uses is no drift there.
    check_drift(plans, drift_policy, feed.name, reserved=feed.reserved_columns, missing_is_drift=feed.format == "csv")

    # Three consumers (counts, bronze, quarantine) share one parse of the records.
    classified = read_once(_classify(records, plans, feed, drift_policy, max_line_bytes))
    counts = {
        row._path: (row.loaded, row.quarantined)
        for row in classified.groupBy("_path")
        .agg(F.count_if(F.col(REASON).isNull()).alias("loaded"), F.count_if(F.col(REASON).isNotNull()).alias("quarantined"))
        .collect()
    }
    entries = [_entry(feed.name, landed, read, plans, rejected, counts, ingested_at) for landed in files]
    unbalanced = [e.path for e in entries if e.rows_read != e.rows_loaded + e.rows_quarantined]
    if unbalanced:
        raise IngestionError(f"records read differ from records loaded + quarantined for {', '.join(unbalanced)}")

    added = tuple(dict.fromkeys(name for plan in plans.values() for name in plan.added_names().values()))
    source = [
        F.col("_path").alias("_source_file"),
        F.col("_line_number").alias("_source_line"),
        F.col("_modified_at").alias("_source_modified_at"),
        F.lit(ingested_at).alias("_ingested_at"),
    ]
    schema = contract.spark_schema()
    bronze = classified.where(F.col(REASON).isNull()).select(
        F.col("_day").alias(feed.partition_column),
        *[F.col(column).alias(column, metadata=schema[column].metadata) for column in contract.columns],
        *(added if drift_policy == "add" else ()),
        RESCUED,
        *source,
    )
    quarantine = classified.where(F.col(REASON).isNotNull()).select(
        F.col("_day").alias(feed.partition_column),
        F.col(REASON).alias("reason"),
        F.make_valid_utf8(line_text(F.col("_raw"))).alias("raw_line"),
        F.when(~F.is_valid_utf8(F.col("_raw").cast("string")), F.col("_raw")).alias("raw_bytes"),
        *source,
    )
    return FeedIngestion(bronze, quarantine, ledger_frame(spark, entries), entries, added if drift_policy == "add" else ())


def _records_and_plans(
    read: LandedRead, feed: FileFeed, files: Sequence[LandedFile], rejected: dict[str, str], max_line_bytes: int
) -> tuple[DataFrame, dict[str, HeaderPlan]]:
    """The records of the read files, and per readable file how its fields map to the contract (a CSV file's
    header, or the field names a JSON file's records use); files that cannot be read go into `rejected`."""
    plans: dict[str, HeaderPlan] = {}
    if feed.format == "csv":
        for path, facts in read.facts.items():
            try:
                header = decode_header(facts.first_line, facts.first_bytes_hex, facts.first_line_length, HEADER_LIMIT)
                plans[path] = plan_header(header, feed.contract)
            except HeaderRejected as error:
                rejected[path] = str(error)
        return landed_lines(read.content), plans
    content = read.content
    for path, facts in read.facts.items():
        try:
            _check_json_file(facts)
        except HeaderRejected as error:
            rejected[path] = str(error)
    # An empty JSON file holds no records (as `[]` does): nothing to load, nothing to reject.
    for landed in files:
        if landed.path in read.unread and landed.size == 0:
            read.facts[landed.path] = FileFacts(landed, 0, landed.modified, hashlib.sha256(b"").hexdigest(), "", b"", 0, 0)
            rejected.pop(landed.path)
    content = content.where(~F.col("_path").isin(list(rejected))) if rejected else content
    # Read once: the field names and the parse both need the records, and an array's are costly to split.
    records = read_once(array_elements(content) if feed.format == "json_array" else landed_lines(content, header=False))
    used = field_names(records, max_line_bytes)
    for path in read.facts:
        if path not in rejected:
            try:
                plans[path] = plan_fields(used.get(path, ()), feed.contract, header=False)
            except HeaderRejected as error:
                rejected[path] = str(error)
    return records.where(F.col("_path").isin(list(plans))), plans


def _check_json_file(facts: FileFacts) -> None:
    """HeaderRejected when the file is not text of its JSON format, so it is rejected whole, not line by line."""
    check_not_binary(facts.first_bytes_hex, "JSON")
    if b"\x00" in facts.first_line:
        raise HeaderRejected("not a text file: the first line holds NUL bytes (UTF-16?); deliver UTF-8 JSON")
    if facts.first_line_length <= HEADER_LIMIT:  # a longer first line is cut, perhaps inside a character
        try:
            facts.first_line.decode("utf-8")
        except UnicodeDecodeError as error:
            raise HeaderRejected(f"not UTF-8 text: byte 0x{facts.first_line[error.start]:02x} at {error.start} of the first line") from None
    if facts.data_lines is None:
        raise HeaderRejected("not one JSON array of UTF-8 text; deliver one JSON array of objects per file")


def _classify(records: DataFrame, plans: dict[str, HeaderPlan], feed: FileFeed, policy: str, max_line_bytes: int) -> DataFrame:
    """Parse each field layout's records to text columns, then type them all by the contract in one pass."""
    contract = feed.contract
    lines = records
    groups: dict[tuple[str, ...], list[str]] = {}
    for path, plan in plans.items():
        groups.setdefault(plan.names, []).append(path)
    # One column per extra field name across files; with `add`, names differing only in case share a column.
    same = str.lower if policy == "add" else str
    columns: dict[str, str] = {}
    extras = {
        name: columns.setdefault(same(name), f"_extra_{len(columns)}")
        for plan in plans.values()
        for name in plan.rescued_names().values()
    }
    if not groups:  # nothing readable: an empty frame of the right shape
        everything = HeaderPlan(tuple(contract.columns), {c: i for i, c in enumerate(contract.columns)}, {}, ())
        groups, plans = {everything.names: ["-"]}, {"-": everything}
    parse = parse_lines if feed.format == "csv" else parse_records
    frames = [
        parse(lines.where(F.col("_path").isin(paths)), plans[paths[0]], contract, extras, max_line_bytes)
        for paths in groups.values()
    ]
    parsed = reduce(lambda a, b: a.unionByName(b, allowMissingColumns=True), frames)
    return _with_partition_check(type_lines(parsed, contract, extras, policy), feed.row_day, feed.partition_column.replace("_", " "))


def _with_partition_check(frame: DataFrame, row_day: tuple[str, ...], label: str) -> DataFrame:
    """A row belongs to the day folder it was delivered in: the date its row_day columns give must be that day
    (`label` names that date in the reason: "flight date"). A row without that date (a column that did not fit
    the contract, so rescued, or a missing key field already quarantined) is judged by its other fields."""
    if not row_day:
        return frame
    if len(row_day) == 3:
        row_date = F.try_to_date(F.format_string("%04d-%02d-%02d", *row_day))
        undated = F.format_string(f"{'/'.join(row_day)} %d-%d-%d is not a calendar date", *row_day)
    else:  # typed by the contract already: a date, or a date-time whose date counts
        row_date, undated = F.to_date(F.col(row_day[0])), F.lit(None).cast("string")
    unknown = reduce(lambda a, b: a | b, [F.col(column).isNull() for column in row_day])
    outside: Column = (
        F.when(unknown, F.lit(None).cast("string"))
        .when(row_date.isNull(), undated)
        .when(
            row_date != F.col("_day"),
            F.format_string(f"{label} %s is outside partition %s", row_date.cast("string"), F.col("_day").cast("string")),
        )
    )
    return frame.withColumn(REASON, F.coalesce(F.col(REASON), outside))


def _entry(feed, landed, read, plans, rejected, counts, ingested_at) -> LedgerEntry:
    facts = read.facts.get(landed.path)
    common = dict(feed=feed, partition_date=landed.day, path=landed.path, ingested_at=ingested_at)
    if landed.path in rejected:
        if facts is None:
            empty = landed.size == 0 and landed.refused is None  # a refused file is never opened, so never hashed
            size, modified, sha = landed.size, landed.modified, hashlib.sha256(b"").hexdigest() if empty else None
        else:
            size, modified, sha = facts.size_bytes, facts.modified_at, facts.sha256
        return LedgerEntry(**common, size_bytes=size, modified_at=modified, sha256=sha, status=REJECTED, reason=rejected[landed.path])
    plan = plans[landed.path]
    loaded, quarantined = counts.get(landed.path, (0, 0))
    return LedgerEntry(
        **common,
        size_bytes=facts.size_bytes,
        modified_at=facts.modified_at,
        sha256=facts.sha256,
        status=LOADED,
        missing_columns=plan.missing,
        extra_columns=tuple(plan.rescued_names().values()),
        rows_read=facts.data_lines,
        rows_loaded=loaded,
        rows_quarantined=quarantined,
    )


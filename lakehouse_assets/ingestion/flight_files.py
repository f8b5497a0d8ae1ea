"""The airline ops feed's daily CSV files -> bronze rows, quarantined lines and file-ledger entries.

Every data line of every readable file ends up in exactly one place: bronze (typed by the contract, misfit
non-key values in `_rescued_data`) or quarantine (raw line, file, line number, reason). A file that cannot be
read as this feed's CSV is rejected whole, in the ledger with its reason; the rest of the partition loads.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import reduce

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from ..landing.layout import LandedFile
from ..tables import read_once
from .contracts import RESCUED, Contract, load_contract
from .csv_header import HeaderPlan, HeaderRejected, check_drift, decode_header, plan_header
from .csv_lines import MAX_LINE_BYTES, REASON, line_text, parse_lines, type_lines
from .file_ledger import LOADED, REJECTED, LedgerEntry, ledger_frame
from .landed_text import HEADER_LIMIT, LandedRead, landed_lines, read_landed

FEED = "flights"
PARTITION_COLUMN = "flight_date"
SOURCE_COLUMNS = ("_source_file", "_source_line", "_source_modified_at", "_ingested_at")
RESERVED_COLUMNS = (PARTITION_COLUMN, RESCUED, *SOURCE_COLUMNS)


class IngestionError(Exception):
    """The ingestion's own bookkeeping does not add up; nothing was written."""


@dataclass(frozen=True)
class FlightIngestion:
    bronze: DataFrame
    quarantine: DataFrame
    ledger: DataFrame
    entries: list[LedgerEntry]
    added_columns: tuple[str, ...]


def ingest_flight_files(
    spark: SparkSession,
    files: Sequence[LandedFile],
    *,
    ingested_at: datetime,
    drift_policy: str = "rescue",
    max_line_bytes: int = MAX_LINE_BYTES,
) -> FlightIngestion:
    """Read, type and split the files; raises DriftError when the policy forbids what the headers show."""
    contract = load_contract(FEED)
    # Files the landing zone refuses (links out of the root, FIFOs, ...) are never opened, only recorded.
    read = read_landed(spark, [landed for landed in files if landed.refused is None])
    plans: dict[str, HeaderPlan] = {}
    rejected = {**{landed.path: landed.refused for landed in files if landed.refused}, **read.unread}
    for path, facts in read.facts.items():
        try:
            header = decode_header(facts.first_line, facts.first_bytes_hex, facts.first_line_length, HEADER_LIMIT)
            plans[path] = plan_header(header, contract)
        except HeaderRejected as error:
            rejected[path] = str(error)
    check_drift(plans, drift_policy, FEED, reserved=RESERVED_COLUMNS)

    # Three consumers (counts, bronze, quarantine) share one parse of the lines.
    classified = read_once(_classify(read, plans, contract, drift_policy, max_line_bytes))
    counts = {
        row._path: (row.loaded, row.quarantined)
        for row in classified.groupBy("_path")
        .agg(F.count_if(F.col(REASON).isNull()).alias("loaded"), F.count_if(F.col(REASON).isNotNull()).alias("quarantined"))
        .collect()
    }
    entries = [_entry(landed, read, plans, rejected, counts, ingested_at) for landed in files]
    unbalanced = [e.path for e in entries if e.rows_read != e.rows_loaded + e.rows_quarantined]
    if unbalanced:
        raise IngestionError(f"lines read differ from lines loaded + quarantined for {', '.join(unbalanced)}")

    added = tuple(dict.fromkeys(name for plan in plans.values() for name in plan.added_names().values()))
    source = [
        F.col("_path").alias("_source_file"),
        F.col("_line_number").alias("_source_line"),
        F.col("_modified_at").alias("_source_modified_at"),
        F.lit(ingested_at).alias("_ingested_at"),
    ]
    schema = contract.spark_schema()
    bronze = classified.where(F.col(REASON).isNull()).select(
        F.col("_day").alias(PARTITION_COLUMN),
        *[F.col(column).alias(column, metadata=schema[column].metadata) for column in contract.columns],
        *(added if drift_policy == "add" else ()),
        RESCUED,
        *source,
    )
    quarantine = classified.where(F.col(REASON).isNotNull()).select(
        F.col("_day").alias(PARTITION_COLUMN),
        F.col(REASON).alias("reason"),
        F.make_valid_utf8(line_text(F.col("_raw"))).alias("raw_line"),
        F.when(~F.is_valid_utf8(F.col("_raw").cast("string")), F.col("_raw")).alias("raw_bytes"),
        *source,
    )
    return FlightIngestion(bronze, quarantine, ledger_frame(spark, entries), entries, added if drift_policy == "add" else ())


def _classify(read: LandedRead, plans: dict[str, HeaderPlan], contract: Contract, policy: str, max_line_bytes: int) -> DataFrame:
    """Parse each header variant's lines to text columns, then type them all by the contract in one pass."""
    lines = landed_lines(read.content)
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
    frames = [
        parse_lines(lines.where(F.col("_path").isin(paths)), plans[paths[0]], contract, extras, max_line_bytes)
        for paths in groups.values()
    ]
    parsed = reduce(lambda a, b: a.unionByName(b, allowMissingColumns=True), frames)
    return _with_partition_check(type_lines(parsed, contract, extras, policy))


def _with_partition_check(frame: DataFrame) -> DataFrame:
    """A row belongs to the day folder it was delivered in: its year/month/day must be that day."""
    row_date = F.try_to_date(F.format_string("%04d-%02d-%02d", "year", "month", "day"))
    outside: Column = F.when(
        row_date.isNull(),
        F.format_string("year/month/day %d-%d-%d is not a calendar date", "year", "month", "day"),
    ).when(row_date != F.col("_day"), F.format_string("flight date %s is outside partition %s", row_date.cast("string"), F.col("_day").cast("string")))
    return frame.withColumn(REASON, F.coalesce(F.col(REASON), outside))


def _entry(landed, read, plans, rejected, counts, ingested_at) -> LedgerEntry:
    facts = read.facts.get(landed.path)
    common = dict(feed=FEED, partition_date=landed.day, path=landed.path, ingested_at=ingested_at)
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


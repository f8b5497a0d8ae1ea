"""The file ledger: which landing file (path, size, mtime, sha256) went into which partition, when, and how it fared.

One Delta table per file feed, `bronze/<feed>_file_ledger`, partitioned by `partition_date` and replaced per
partition in the same run as the feed's bronze table, so re-ingesting a day never double counts. A file that
could not be read at all is there too, with status `rejected` and the reason.

`compare_with_ledger` (pure: no Spark, no Dagster) tells a watcher of the landing zone which listed files are
new, changed since ingestion, unchanged, or gone, and so which partitions to (re-)ingest.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import fsspec
from pyspark.sql import DataFrame, SparkSession

from ..landing.layout import LandedFile
from ..tables import TableRef, filter_dates, read_table, table_exists

LOADED, REJECTED = "loaded", "rejected"
PARTITION_COLUMN = "partition_date"
LEDGER_DDL = (
    "feed string, partition_date date, path string, size_bytes bigint, modified_at timestamp, sha256 string, "
    "status string, reason string, missing_columns array<string>, extra_columns array<string>, "
    "rows_read bigint, rows_loaded bigint, rows_quarantined bigint, ingested_at timestamp"
)


def ledger_table(feed: str) -> str:
    """The ledger's table name in layer `bronze` (asset key `bronze/<feed>_file_ledger`)."""
    return f"{feed}_file_ledger"


@dataclass(frozen=True)
class LedgerEntry:
    feed: str
    partition_date: date
    path: str
    size_bytes: int
    modified_at: datetime
    sha256: str | None
    status: str
    reason: str | None = None
    missing_columns: tuple[str, ...] = ()
    extra_columns: tuple[str, ...] = ()
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    ingested_at: datetime | None = None


def ledger_frame(spark: SparkSession, entries: Sequence[LedgerEntry]) -> DataFrame:
    rows = [
        (e.feed, e.partition_date, e.path, e.size_bytes, e.modified_at, e.sha256, e.status, e.reason,
         list(e.missing_columns), list(e.extra_columns), e.rows_read, e.rows_loaded, e.rows_quarantined, e.ingested_at)
        for e in entries
    ]  # fmt: skip
    return spark.createDataFrame(rows, LEDGER_DDL)


def read_ledger(spark: SparkSession, ref: TableRef, start: date | None = None, end_exclusive: date | None = None) -> list[LedgerEntry]:
    """The ledger's entries (optionally for days [start, end)); none if the feed was never ingested."""
    if not table_exists(spark, ref):
        return []
    frame = read_table(spark, ref)
    if start is not None and end_exclusive is not None:
        frame = filter_dates(frame, PARTITION_COLUMN, start, end_exclusive)
    return [_entry(row.asDict()) for row in frame.collect()]


def _entry(values: dict) -> LedgerEntry:
    # Spark hands timestamps back as naive local times; the ledger speaks UTC instants.
    for name in ("modified_at", "ingested_at"):
        if values[name] is not None:
            values[name] = values[name].astimezone(UTC)
    for name in ("missing_columns", "extra_columns"):
        values[name] = tuple(values[name] or ())
    return LedgerEntry(**values)


def partition_figures(entries: Sequence[LedgerEntry]) -> dict[date, dict[str, int]]:
    """Per partition: rows read, loaded and quarantined, files loaded and rejected."""
    figures: dict[date, dict[str, int]] = {}
    for entry in entries:
        day = figures.setdefault(
            entry.partition_date,
            {"rows_read": 0, "rows_loaded": 0, "rows_quarantined": 0, "files_loaded": 0, "files_rejected": 0},
        )
        day["rows_read"] += entry.rows_read
        day["rows_loaded"] += entry.rows_loaded
        day["rows_quarantined"] += entry.rows_quarantined
        day["files_loaded" if entry.status == LOADED else "files_rejected"] += 1
    return figures


@dataclass(frozen=True)
class FileChanges:
    new: list[LandedFile] = field(default_factory=list)
    changed: list[LandedFile] = field(default_factory=list)
    unchanged: list[LandedFile] = field(default_factory=list)
    removed: list[LedgerEntry] = field(default_factory=list)

    @property
    def days_to_ingest(self) -> list[date]:
        """Partitions holding a new or changed file: (re-)ingesting them replaces exactly those days."""
        return sorted({landed.day for landed in (*self.new, *self.changed)})


def same_instant(a: datetime, b: datetime) -> bool:
    """Equal to the millisecond, the precision Hadoop and most object stores report."""
    return int(a.timestamp() * 1000) == int(b.timestamp() * 1000)


def compare_with_ledger(
    listed: Iterable[LandedFile], ledger: Iterable[LedgerEntry], checksum: Callable[[str], str] | None = None
) -> FileChanges:
    """Sort a fresh listing against the ledger by path.

    A file whose size or modification time differs from its ledger entry changed; with `checksum` (e.g.
    `sha256_of`), a file only touched (same size, same content, new mtime) counts as unchanged.
    """
    latest: dict[str, LedgerEntry] = {}
    for entry in sorted(ledger, key=lambda item: item.ingested_at.timestamp() if item.ingested_at else float("-inf")):
        latest[entry.path] = entry
    changes = FileChanges()
    seen = set()
    for landed in listed:
        seen.add(landed.path)
        entry = latest.get(landed.path)
        if entry is None:
            changes.new.append(landed)
        elif landed.size == entry.size_bytes and same_instant(landed.modified, entry.modified_at):
            changes.unchanged.append(landed)
        elif landed.size == entry.size_bytes and checksum is not None and checksum(landed.path) == entry.sha256:
            changes.unchanged.append(landed)
        else:
            changes.changed.append(landed)
    changes.removed.extend(entry for path, entry in sorted(latest.items()) if path not in seen)
    return changes


def sha256_of(path: str, chunk_bytes: int = 1 << 20) -> str:
    """The SHA-256 of a file at any fsspec path, streamed; equals the ledger's `sha256` for unchanged content."""
    digest = hashlib.sha256()
    with fsspec.open(path, "rb") as handle:
        while chunk := handle.read(chunk_bytes):
            digest.update(chunk)
    return digest.hexdigest()

"""Conservation of an ingestion, measured on committed tables: rows read = rows loaded + rows quarantined.

Each feed says what it read, counted apart from parsing (the file ledger's line counts, the weather pages'
records, the rows a JDBC load fetched); the other two figures are what the bronze and quarantine tables hold
as committed. A daily feed balances per day, a reference table per load. Any difference means rows were lost
or duplicated on the way. No Dagster here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from ..days import days_in
from ..tables import TableRef, filter_dates, read_table, rows_per_day, table_exists
from .file_ledger import LOADED, PARTITION_COLUMN


@dataclass(frozen=True)
class Read:
    """What a feed read of one day (or load), counted apart from what was committed."""

    rows: int
    loadable: int  # of those, the rows the ingestion typed as loadable (the rest it quarantined)


@dataclass(frozen=True)
class Balance:
    part: str  # the day (ISO date) or the load balanced
    read: Read | None  # None: the source has no record of delivering this part (a day with no ledger entry)
    loaded: int
    quarantined: int

    @property
    def balanced(self) -> bool:
        return (
            self.read is not None
            and self.read.rows == self.loaded + self.quarantined
            and self.read.loadable == self.loaded
        )

    def __str__(self) -> str:
        if self.read is None:
            return f"{self.part}: nothing delivered ({self.loaded} loaded, {self.quarantined} quarantined)"
        if self.read.rows != self.loaded + self.quarantined:
            return f"{self.part}: {self.read.rows} read ≠ {self.loaded} loaded + {self.quarantined} quarantined"
        relation = "=" if self.balanced else f"but {self.read.loadable} were loadable"
        return f"{self.part}: {self.read.rows} read = {self.loaded} loaded + {self.quarantined} quarantined {relation}"


def day_balances(
    spark: SparkSession,
    read: Mapping[date, Read],
    *,
    loaded: TableRef,
    quarantine: TableRef,
    column: str,
    window: tuple[date, date],
    every_day_delivered: bool = False,
) -> list[Balance]:
    """One balance per day of `window`. A day missing from `read` read nothing, or, for a feed that delivers
    every day (`every_day_delivered`), was never delivered: that day cannot balance."""
    loaded_rows = committed_per_day(spark, loaded, column, window)
    quarantined_rows = committed_per_day(spark, quarantine, column, window)
    nothing = None if every_day_delivered else Read(0, 0)
    return [
        Balance(day.isoformat(), read.get(day, nothing), loaded_rows.get(day, 0), quarantined_rows.get(day, 0))
        for day in days_in(window)
    ]


def load_balance(
    spark: SparkSession, read: Read, *, loaded: TableRef, quarantine: TableRef, stamp_column: str, stamp: datetime | None
) -> Balance:
    """The balance of one load: the rows both tables hold with the load's ingestion time `stamp`."""
    return Balance("load", read, _rows_stamped(spark, loaded, stamp_column, stamp), _rows_stamped(spark, quarantine, stamp_column, stamp))


def committed_per_day(spark: SparkSession, ref: TableRef, column: str, window: tuple[date, date]) -> dict[date, int]:
    return rows_per_day(spark, ref, column, window) if table_exists(spark, ref) else {}


def ledger_reads(spark: SparkSession, ledger: TableRef, window: tuple[date, date]) -> dict[date, Read]:
    """Per day of the window the file ledger has entries for (rejected files included): the data lines of its
    loaded files, and how many of them the ingestion loaded."""
    frame = filter_dates(read_table(spark, ledger), PARTITION_COLUMN, *window)
    loaded = F.col("status") == LOADED
    totals = frame.groupBy(PARTITION_COLUMN).agg(
        F.sum(F.when(loaded, F.col("rows_read")).otherwise(0)).alias("rows"),
        F.sum(F.when(loaded, F.col("rows_loaded")).otherwise(0)).alias("loadable"),
    )
    return {row[PARTITION_COLUMN]: Read(int(row.rows), int(row.loadable)) for row in totals.collect()}


def _rows_stamped(spark: SparkSession, ref: TableRef, column: str, stamp: datetime | None) -> int:
    if stamp is None or not table_exists(spark, ref):
        return 0
    return read_table(spark, ref).where(F.col(column) == F.lit(stamp)).count()

"""Conservation of a file feed, measured on committed tables: per day, rows read = rows loaded + rows quarantined.

`rows read` comes from the file ledger (lines counted apart from parsing); the other two are the rows the
bronze and quarantine tables hold for the day. Any difference means rows were lost or duplicated.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from ..tables import TableRef, filter_dates, read_table, rows_per_day
from .file_ledger import LOADED, PARTITION_COLUMN


@dataclass(frozen=True)
class DayBalance:
    day: date
    files: int
    read: int
    loaded: int
    quarantined: int

    @property
    def balanced(self) -> bool:
        """Every file of the day is accounted for and every row read is loaded or quarantined, once."""
        return self.files > 0 and self.read == self.loaded + self.quarantined

    def __str__(self) -> str:
        if self.files == 0:
            return f"{self.day}: no file in the ledger ({self.loaded} loaded, {self.quarantined} quarantined)"
        relation = "=" if self.balanced else "≠"
        return f"{self.day}: {self.read} read {relation} {self.loaded} loaded + {self.quarantined} quarantined"


def day_balances(
    spark: SparkSession,
    *,
    ledger: TableRef,
    loaded: TableRef,
    quarantine: TableRef,
    partition_column: str,
    window: tuple[date, date] | None = None,
) -> list[DayBalance]:
    """One balance per day of `window` (every day the ledger knows when no window is given)."""
    frame = read_table(spark, ledger)
    if window is not None:
        frame = filter_dates(frame, PARTITION_COLUMN, *window)
    read = {
        row[PARTITION_COLUMN]: (int(row.files), int(row.rows))
        for row in frame.groupBy(PARTITION_COLUMN)
        .agg(F.count("*").alias("files"), F.sum(F.when(F.col("status") == LOADED, F.col("rows_read")).otherwise(0)).alias("rows"))
        .collect()
    }
    days = sorted(read)
    if window is None:
        window = (days[0], date.fromordinal(days[-1].toordinal() + 1)) if days else (date.min, date.min)
    else:
        days = [date.fromordinal(ordinal) for ordinal in range(window[0].toordinal(), window[1].toordinal())]
    loaded_rows = rows_per_day(spark, loaded, partition_column, window)
    quarantined_rows = rows_per_day(spark, quarantine, partition_column, window)
    return [
        DayBalance(day, *read.get(day, (0, 0)), loaded_rows.get(day, 0), quarantined_rows.get(day, 0)) for day in days
    ]

"""Split contract-typed rows into what loads and what is quarantined, and count both so nothing goes missing.

A row is quarantined when `_contract_violation` is set (missing or misfit key field, or a reason a source adds,
such as a date outside the partition). Quarantined rows keep the raw record and the reason; loaded rows keep
typed columns and `_rescued_data`. Per read: rows read = rows loaded + rows quarantined.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from .contracts import RESCUED, VIOLATION

QUARANTINE_REASON = "_quarantine_reason"
RAW = "_raw"


@dataclass(frozen=True)
class Tally:
    read: int
    loaded: int
    quarantined: int
    rescued: int

    @property
    def conserved(self) -> bool:
        return self.read == self.loaded + self.quarantined

    def as_metadata(self) -> dict[str, int]:
        return {
            "rows_read": self.read,
            "rows_loaded": self.loaded,
            "rows_quarantined": self.quarantined,
            "rows_with_rescued_data": self.rescued,
        }


def add_violation(typed: DataFrame, reason: Column) -> DataFrame:
    """Set `_contract_violation` to `reason` where it is non-null and the row has no violation yet."""
    return typed.withColumn(VIOLATION, F.coalesce(F.col(VIOLATION), reason))


def flag_duplicate_keys(typed: DataFrame, keys: Sequence[str]) -> DataFrame:
    """Every copy of a key delivered more than once is quarantined: which copy is right is the source's call."""
    clean = F.col(VIOLATION).isNull()
    copies = F.sum(clean.cast("int")).over(Window.partitionBy(*keys))
    shown = F.concat_ws(", ", *[F.concat(F.lit(f"{key}="), F.col(key).cast("string")) for key in keys])
    times = F.concat(F.lit(" delivered "), copies.cast("string"), F.lit(" times"))
    reason = F.when(clean & (copies > 1), F.concat(F.lit("duplicate key "), shown, times))
    return add_violation(typed, reason)


def loaded_rows(typed: DataFrame) -> DataFrame:
    return typed.where(F.col(VIOLATION).isNull()).drop(VIOLATION, RAW)


def quarantined_rows(typed: DataFrame, keep: Sequence[str]) -> DataFrame:
    """The raw record, the reason, and the `keep` columns (partition and provenance metadata)."""
    return typed.where(F.col(VIOLATION).isNotNull()).select(
        *keep, F.col(RAW), F.col(VIOLATION).alias(QUARANTINE_REASON), F.sha2(F.col(RAW), 256).alias("_raw_sha256")
    )


def tally(typed: DataFrame) -> Tally:
    """Counts of one read, in one pass."""
    return _tally(typed.agg(*_counts()).first())


def tally_by(typed: DataFrame, column: str) -> dict[object, Tally]:
    """Counts per value of `column` (per partition day, say), in one pass."""
    return {row[column]: _tally(row) for row in typed.groupBy(column).agg(*_counts()).collect()}


def _counts() -> list[Column]:
    clean = F.col(VIOLATION).isNull()
    return [
        F.count(F.lit(1)).alias("read"),
        F.count(F.when(clean, 1)).alias("loaded"),
        F.count(F.when(~clean, 1)).alias("quarantined"),
        F.count(F.when(clean & F.col(RESCUED).isNotNull(), 1)).alias("rescued"),
    ]


def _tally(row) -> Tally:
    return Tally(read=row["read"], loaded=row["loaded"], quarantined=row["quarantined"], rescued=row["rescued"])

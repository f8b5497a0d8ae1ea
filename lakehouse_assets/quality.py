"""Data-quality measurements behind the asset checks. Pure functions: DataFrames in, numbers out."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from statistics import median

from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F


def null_key_counts(frame: DataFrame, key: Sequence[str]) -> tuple[dict[str, int], int]:
    """Rows with a null in each key column, and the rows judged (one pass)."""
    counts = null_counts(frame, key)
    return counts.nulls, counts.rows


@dataclass(frozen=True)
class NullCounts:
    """Rows judged and, per column, the rows with a null in it."""

    rows: int
    nulls: dict[str, int]

    def rates(self) -> dict[str, float]:
        return {column: round(count / self.rows, 4) if self.rows else 0.0 for column, count in self.nulls.items()}


def null_counts_by_day(frame: DataFrame, columns: Sequence[str], day_column: str) -> dict[str, NullCounts]:
    """Per day (ISO date, as partitions name them) the rows and their nulls per column, in one pass."""
    counts = frame.groupBy(day_column).agg(
        F.count("*").alias("_rows"), *[F.sum(F.col(c).isNull().cast("int")).alias(f"_nulls_{c}") for c in columns]
    )
    return {
        day_key(row[day_column]): NullCounts(int(row["_rows"]), {c: int(row[f"_nulls_{c}"] or 0) for c in columns})
        for row in counts.collect()
    }


def combined(counts: Iterable[NullCounts], columns: Sequence[str]) -> NullCounts:
    counts = list(counts)
    return NullCounts(sum(c.rows for c in counts), {column: sum(c.nulls[column] for c in counts) for column in columns})


def day_key(value: object) -> str:
    """A day column's value as its partition key (an ISO date); a null day reads as 'none'."""
    return value.isoformat() if isinstance(value, date) else str(value).lower()


def duplicate_key_days(frame: DataFrame, key: Sequence[str], day_column: str) -> dict[str, int]:
    """Per day (ISO date) holding rows of a repeated key value: how many repeated key values it holds (null key
    values group together, as in `duplicate_keys`)."""
    occurrences = F.count(F.lit(1)).over(Window.partitionBy(*key))
    repeated = frame.withColumn("_occurrences", occurrences).where("_occurrences > 1")
    days = repeated.groupBy(day_column).agg(F.countDistinct(F.struct(*key)).alias("_repeated"))
    return {day_key(row[day_column]): int(row["_repeated"]) for row in days.collect()}


def duplicate_keys(frame: DataFrame, key: Sequence[str], sample: int = 5) -> tuple[int, list[dict]]:
    """How many key values occur more than once, and a few of them."""
    repeated = frame.groupBy(*key).count().where("count > 1")
    examples = [row.asDict() for row in repeated.orderBy(F.col("count").desc(), *key).limit(sample).collect()]
    return repeated.count(), examples


def rows_per_day(frame: DataFrame, column: str) -> dict[date, int]:
    return {row[column]: int(row["count"]) for row in frame.groupBy(column).count().collect()}


def volume_anomalies(
    counts: dict[date, int], days: Sequence[date], lookback: int, tolerance: float
) -> list[dict[str, object]]:
    """Days whose row count deviates from the median of the previous `lookback` days by more than `tolerance`.

    Days without enough history (fewer than half the lookback) are not judged; see `judgeable_days`.
    """
    flagged = []
    for day in judgeable_days(counts, days, lookback):
        history = [counts[day - timedelta(days=n)] for n in range(1, lookback + 1) if day - timedelta(days=n) in counts]
        expected = median(history)
        actual = counts.get(day, 0)
        deviation = abs(actual - expected) / expected if expected else float(actual > 0)
        if deviation > tolerance:
            flagged.append({"day": day.isoformat(), "rows": actual, "recent_median": expected, "deviation": round(deviation, 3)})
    return flagged


def judgeable_days(counts: dict[date, int], days: Sequence[date], lookback: int) -> list[date]:
    def history(day: date) -> int:
        return sum(1 for n in range(1, lookback + 1) if day - timedelta(days=n) in counts)

    return [day for day in days if history(day) >= max(1, lookback // 2)]


def null_counts(frame: DataFrame, columns: Sequence[str]) -> NullCounts:
    """The rows and their nulls per column, in one pass."""
    row = frame.select(F.count("*").alias("_rows"), *[F.sum(F.col(c).isNull().cast("int")).alias(c) for c in columns]).first()
    return NullCounts(int(row["_rows"] or 0), {column: int(row[column] or 0) for column in columns})


def null_rates(frame: DataFrame, columns: Sequence[str]) -> dict[str, float]:
    return null_counts(frame, columns).rates()

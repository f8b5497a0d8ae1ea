"""Data-quality measurements behind the asset checks. Pure functions: DataFrames in, numbers out."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from statistics import median

from pyspark.sql import DataFrame
from pyspark.sql import functions as F


def null_key_counts(frame: DataFrame, key: Sequence[str]) -> tuple[dict[str, int], int]:
    """Rows with a null in each key column, and the rows judged (one pass)."""
    row = frame.select(F.count("*").alias("_rows"), *[F.sum(F.col(c).isNull().cast("int")).alias(c) for c in key]).first()
    return {column: int(row[column] or 0) for column in key}, int(row["_rows"])


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


def null_rates(frame: DataFrame, columns: Sequence[str]) -> dict[str, float]:
    row = frame.select(F.count("*").alias("_rows"), *[F.sum(F.col(c).isNull().cast("int")).alias(c) for c in columns]).first()
    rows = row["_rows"] or 0
    return {column: round((row[column] or 0) / rows, 4) if rows else 0.0 for column in columns}

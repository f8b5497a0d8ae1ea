"""Labelled rows of the feature table, pulled from Spark into pandas as a bounded, reproducible sample."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from ..days import days_in
from ..transforms.features import CATEGORICAL_FEATURES, FEATURE_COLUMNS, KEY_COLUMNS, LABEL, NUMERIC_FEATURES

DATE_COLUMN = "flight_date"
_HASH_BUCKETS = 1_000_003  # a prime: the sample key spreads evenly over [0, 1)


class TrainingDataError(ValueError):
    """The feature table cannot provide the rows asked for; the message says which days and what to do."""


@dataclass(frozen=True)
class Sample:
    """Rows of [start, end] sorted by day; `rows_available` is how many labelled rows the window holds."""

    frame: pd.DataFrame
    start: date
    end: date
    rows_available: int

    @property
    def features(self) -> pd.DataFrame:
        return self.frame[list(FEATURE_COLUMNS)]

    @property
    def label(self) -> pd.Series:
        return self.frame[LABEL].astype(int)

    @property
    def days(self) -> pd.Series:
        return self.frame[DATE_COLUMN]


def sample_key(seed: int):
    """A number in [0, 1) per flight, fixed by its natural key and the seed: the same rows on every pull."""
    return F.pmod(F.xxhash64(F.lit(seed), *[F.col(c) for c in KEY_COLUMNS]), F.lit(_HASH_BUCKETS)) / _HASH_BUCKETS


def labelled_sample(features: DataFrame, start: date, end: date, max_rows: int, seed: int) -> Sample:
    """At most `max_rows` labelled rows of the days [start, end], with their keys, features and label.

    Every day of the window must be present in the table: a model silently trained on part of its window
    is worse than no model. Above the cap, rows are drawn by `sample_key` (no row of the window is favoured).
    """
    window = features.where((F.col(DATE_COLUMN) >= F.lit(start)) & (F.col(DATE_COLUMN) <= F.lit(end)))
    labelled_per_day = _labelled_rows_per_day(window)
    missing = sorted(set(days_in((start, end + timedelta(days=1)))) - set(labelled_per_day))
    if missing:
        raise TrainingDataError(
            f"features/flight_features has no rows for {len(missing)} day(s) of {start}..{end} (first: {missing[0]}, "
            f"last: {missing[-1]}); materialise those partitions first, or change the window in the `ml` config"
        )
    labelled = window.where(F.col(LABEL).isNotNull())
    available = sum(labelled_per_day.values())
    if available == 0:
        raise TrainingDataError(f"features/flight_features has no labelled rows in {start}..{end}")
    columns = [*KEY_COLUMNS, *[c for c in FEATURE_COLUMNS if c not in KEY_COLUMNS], LABEL]
    chosen = labelled.select(*columns)
    if available > max_rows:
        # A little over the exact share, then the lowest keys: exactly max_rows rows, reproducibly.
        share = min(1.0, max_rows / available * 1.05 + 1e-3)
        keyed = chosen.withColumn("_key", sample_key(seed))
        chosen = keyed.where(F.col("_key") < share).orderBy("_key").limit(max_rows).drop("_key")
    frame = chosen.toPandas()
    return Sample(
        frame=_typed(frame).sort_values([DATE_COLUMN, *KEY_COLUMNS[1:]], ignore_index=True),
        start=start,
        end=end,
        rows_available=available,
    )


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    frame[DATE_COLUMN] = pd.to_datetime(frame[DATE_COLUMN]).dt.date
    for name in CATEGORICAL_FEATURES:
        frame[name] = frame[name].astype(object)
    for name in NUMERIC_FEATURES:
        frame[name] = frame[name].astype("float64")
    return frame


def _labelled_rows_per_day(frame: DataFrame) -> dict[date, int]:
    """Every day present in `frame`, with its number of labelled rows (possibly 0)."""
    counts = frame.groupBy(DATE_COLUMN).agg(F.count(LABEL).alias("labelled")).collect()
    return {row[DATE_COLUMN]: row["labelled"] for row in counts}

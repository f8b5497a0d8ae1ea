"""Silver flights: typed, one row per scheduled flight."""

from __future__ import annotations

from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

NATURAL_KEY = ("flight_date", "carrier", "flight", "origin", "sched_dep_time")

_INTEGER_COLUMNS = (
    "flight", "sched_dep_time", "sched_arr_time", "dep_time", "arr_time", "dep_delay", "arr_delay",
    "air_time", "distance", "hour", "minute",
)  # fmt: skip
_TEXT_COLUMNS = ("carrier", "tailnum", "origin", "dest")


def clean_flights(bronze: DataFrame) -> DataFrame:
    """Cast the feed's text to types and keep the latest delivery of each scheduled flight.

    A flight re-sent in a later file (same natural key) replaces the earlier copy, so corrections win; within
    one file, the later line wins.
    """
    typed = bronze.select(
        "flight_date",
        *[F.nullif(F.trim(F.col(name)), F.lit("")).alias(name) for name in _TEXT_COLUMNS],
        *[F.col(name).try_cast("int").alias(name) for name in _INTEGER_COLUMNS],
        F.to_timestamp(F.col("time_hour")).alias("scheduled_hour_utc"),
        "_source_file",
        "_source_line",
        "_source_modified_at",
    )
    latest_first = Window.partitionBy(*NATURAL_KEY).orderBy(
        F.col("_source_modified_at").desc(), F.col("_source_file").desc(), F.col("_source_line").desc()
    )
    return (
        typed.withColumn("_rank", F.row_number().over(latest_first))
        .where(F.col("_rank") == 1)
        .drop("_rank", "_source_file", "_source_line", "_source_modified_at")
    )

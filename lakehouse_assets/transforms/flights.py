"""Silver flights: typed, one row per scheduled flight, with real timestamps in each airport's time zone."""

from __future__ import annotations

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from ..lineage import ColumnLineage, columns_of, same_name

NATURAL_KEY = ("flight_date", "carrier", "flight", "origin", "sched_dep_time")

_INTEGER_COLUMNS = (
    "flight", "sched_dep_time", "sched_arr_time", "dep_time", "arr_time", "dep_delay", "arr_delay",
    "air_time", "distance",
)  # fmt: skip
_TEXT_COLUMNS = ("carrier", "tailnum", "origin", "dest")
_DELIVERY_ORDER = ("_source_modified_at", "_source_file", "_source_line")


def _local_timestamp(day: Column, hhmm: Column, zone: Column) -> Column:
    """The instant of local clock time `hhmm` on `day` in IANA time zone `zone` (null if any part is unknown)."""
    return F.try_make_timestamp(
        F.year(day), F.month(day), F.dayofmonth(day), F.floor(hhmm / 100), hhmm % 100, F.lit(0), zone
    )


def latest_delivery(frame: DataFrame, key: tuple[str, ...], delivery_order: tuple[str, ...]) -> DataFrame:
    """One row per key: the most recently delivered copy wins, so a corrected re-send replaces the original.

    `delivery_order` ranks copies, latest first when sorted descending (e.g. file time, file, line).
    """
    latest_first = Window.partitionBy(*key).orderBy(*[F.col(column).desc() for column in delivery_order])
    return frame.withColumn("_rank", F.row_number().over(latest_first)).where("_rank = 1").drop("_rank", *delivery_order)


def clean_flights(bronze: DataFrame, airports: DataFrame) -> DataFrame:
    """Type the feed, keep the latest delivery of each scheduled flight, and place it in time.

    A flight re-sent in a later file (same natural key) replaces the earlier copy, so corrections win; within
    one file, the later line wins.

    Times in the feed are local clock times (HHMM) at the origin (departures) and destination (arrivals).
    `sched_dep_utc`/`sched_arr_utc` are the instants they denote in the airports' IANA zones (an arrival
    clock time earlier than departure is the next day); `dep_utc`/`arr_utc` add the reported delays.
    `cancelled`: the flight never departed. `diverted`: it departed but no arrival was recorded.
    """
    typed = bronze.select(
        F.col("flight_date").cast("date"),
        *[F.nullif(F.trim(F.col(name).cast("string")), F.lit("")).alias(name) for name in _TEXT_COLUMNS],
        *[F.col(name).try_cast("int").alias(name) for name in _INTEGER_COLUMNS],
        *_DELIVERY_ORDER,
    )
    zones = airports.select("faa", "tzone")
    flights = (
        latest_delivery(typed, NATURAL_KEY, _DELIVERY_ORDER)
        .join(zones.withColumnsRenamed({"faa": "origin", "tzone": "origin_tz"}), "origin", "left")
        .join(zones.withColumnsRenamed({"faa": "dest", "tzone": "dest_tz"}), "dest", "left")
    )
    day = F.col("flight_date")
    sched_dep_utc = _local_timestamp(day, F.col("sched_dep_time"), F.col("origin_tz"))
    arrival_same_day = _local_timestamp(day, F.col("sched_arr_time"), F.col("dest_tz"))
    sched_arr_utc = F.when(
        arrival_same_day < sched_dep_utc, F.timestamp_add("DAY", F.lit(1), arrival_same_day)
    ).otherwise(arrival_same_day)
    return flights.select(
        *NATURAL_KEY,
        "tailnum",
        "dest",
        (F.col("sched_dep_time") / 100).cast("int").alias("sched_dep_hour"),
        "sched_arr_time",
        "dep_time",
        "arr_time",
        "dep_delay",
        "arr_delay",
        "air_time",
        "distance",
        "origin_tz",
        "dest_tz",
        F.make_timestamp_ntz(
            F.year(day), F.month(day), F.dayofmonth(day), F.floor(F.col("sched_dep_time") / 100),
            F.col("sched_dep_time") % 100, F.lit(0),
        ).alias("sched_dep_local"),  # fmt: skip
        sched_dep_utc.alias("sched_dep_utc"),
        F.timestamp_add("MINUTE", F.col("dep_delay"), sched_dep_utc).alias("dep_utc"),
        sched_arr_utc.alias("sched_arr_utc"),
        F.timestamp_add("MINUTE", F.col("arr_delay"), sched_arr_utc).alias("arr_utc"),
        F.col("dep_time").isNull().alias("cancelled"),
        (F.col("dep_time").isNotNull() & F.col("arr_delay").isNull()).alias("diverted"),
    )


_BRONZE = "bronze/flights"
_AIRPORTS = "silver/airports"
_DEPARTURE = columns_of(_BRONZE, "flight_date", "sched_dep_time") + columns_of(_AIRPORTS, "tzone")
_ARRIVAL = _DEPARTURE + columns_of(_BRONZE, "sched_arr_time")  # compared with the departure to find the day
LINEAGE: ColumnLineage = {
    **same_name(_BRONZE, (*NATURAL_KEY, *_TEXT_COLUMNS, *_INTEGER_COLUMNS)),
    "sched_dep_hour": columns_of(_BRONZE, "sched_dep_time"),
    "origin_tz": columns_of(_AIRPORTS, "tzone"),
    "dest_tz": columns_of(_AIRPORTS, "tzone"),
    "sched_dep_local": columns_of(_BRONZE, "flight_date", "sched_dep_time"),
    "sched_dep_utc": _DEPARTURE,
    "dep_utc": _DEPARTURE + columns_of(_BRONZE, "dep_delay"),
    "sched_arr_utc": _ARRIVAL,
    "arr_utc": _ARRIVAL + columns_of(_BRONZE, "arr_delay"),
    "cancelled": columns_of(_BRONZE, "dep_time"),
    "diverted": columns_of(_BRONZE, "dep_time", "arr_delay"),
}

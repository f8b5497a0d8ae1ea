"""Gold: flights in context (weather, plane, airline, airports) and daily delay summaries."""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from ..lineage import ColumnLineage, columns_of, renamed, same_name
from . import flights as silver_flights
from .delay import DELAY_THRESHOLD_MINUTES
from .reference import PLANES_LINEAGE
from .weather import UNITS as WEATHER_MEASUREMENTS


def enrich_flights(
    flights: DataFrame, weather: DataFrame, planes: DataFrame, airlines: DataFrame, airports: DataFrame
) -> DataFrame:
    """Each flight with the origin's weather in its scheduled departure hour, its plane, airline and airports.

    Left joins throughout: a flight stays even when a dimension does not know it (its columns are null).
    """
    hourly = weather.select(
        "origin",
        F.col("observed_hour_utc").alias("_hour"),
        *[F.col(c).alias(f"weather_{c}") for c in weather.columns if c.endswith(("_f", "_pct", "_deg", "_mph", "_in", "_mb", "_mi"))],
    )
    plane = planes.select("tailnum", *[F.col(c).alias(f"plane_{c}") for c in planes.columns if c != "tailnum"])
    airline = airlines.select("carrier", F.col("name").alias("airline_name"))

    def airport(role: str) -> DataFrame:
        return airports.select(
            F.col("faa").alias(role),
            F.col("name").alias(f"{role}_name"),
            F.col("lat").alias(f"{role}_lat"),
            F.col("lon").alias(f"{role}_lon"),
            F.col("altitude_ft").alias(f"{role}_altitude_ft"),
        )

    return (
        flights.withColumn("_hour", F.date_trunc("hour", "sched_dep_utc"))
        .join(hourly, ["origin", "_hour"], "left")
        .join(plane, "tailnum", "left")
        .join(airline, "carrier", "left")
        .join(airport("origin"), "origin", "left")
        .join(airport("dest"), "dest", "left")
        .drop("_hour")
    )


def daily_delay_summary(flights: DataFrame) -> DataFrame:
    """Per day, carrier and origin: flights, cancellations, diversions, mean and p90 delays, share delayed.

    Delays are in minutes; `share_arr_delayed_15` is over flights that arrived.
    """
    arrived = F.col("arr_delay").isNotNull()
    return flights.groupBy("flight_date", "carrier", "origin").agg(
        F.count("*").alias("flights"),
        F.sum(F.col("cancelled").cast("int")).alias("cancellations"),
        F.sum(F.col("diverted").cast("int")).alias("diversions"),
        F.round(F.avg("dep_delay"), 2).alias("mean_dep_delay_min"),
        F.round(F.percentile("dep_delay", 0.9), 1).alias("p90_dep_delay_min"),
        F.round(F.avg("arr_delay"), 2).alias("mean_arr_delay_min"),
        F.round(F.percentile("arr_delay", 0.9), 1).alias("p90_arr_delay_min"),
        F.round(
            F.sum((F.col("arr_delay") > DELAY_THRESHOLD_MINUTES).cast("int")) / F.sum(arrived.cast("int")), 4
        ).alias("share_arr_delayed_15"),
    )


_FLIGHTS = "silver/flights"
_AIRPORT_COLUMNS = {"name": "name", "lat": "lat", "lon": "lon", "altitude_ft": "altitude_ft"}
ENRICHED_LINEAGE: ColumnLineage = {
    **same_name(_FLIGHTS, silver_flights.LINEAGE),  # every column of silver/flights, as it is
    **renamed("silver/weather", {f"weather_{column}": column for column in WEATHER_MEASUREMENTS}),
    **renamed("silver/planes", {f"plane_{column}": column for column in PLANES_LINEAGE if column != "tailnum"}),
    "airline_name": columns_of("silver/airlines", "name"),
    **{
        f"{role}_{name}": columns_of("silver/airports", column)
        for role in ("origin", "dest")
        for name, column in _AIRPORT_COLUMNS.items()
    },
}

_PER_DAY_CARRIER_ORIGIN = columns_of(_FLIGHTS, "flight_date", "carrier", "origin")
SUMMARY_LINEAGE: ColumnLineage = {
    **same_name(_FLIGHTS, ("flight_date", "carrier", "origin")),
    "flights": _PER_DAY_CARRIER_ORIGIN,
    **{
        name: _PER_DAY_CARRIER_ORIGIN + columns_of(_FLIGHTS, column)
        for name, column in {
            "cancellations": "cancelled",
            "diversions": "diverted",
            "mean_dep_delay_min": "dep_delay",
            "p90_dep_delay_min": "dep_delay",
            "mean_arr_delay_min": "arr_delay",
            "p90_arr_delay_min": "arr_delay",
            "share_arr_delayed_15": "arr_delay",
        }.items()
    },
}

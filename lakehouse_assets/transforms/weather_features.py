"""Weather of day D at the origin (and across the three New York airports) around each scheduled departure.

Every value comes from the hourly observations of the flight's own local day D. In production they would be
the day's forecast; the observations stand in for it (see features.py). Hours are local clock hours.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from ..lineage import ColumnLineage, columns_of

WEATHER_AT_HOUR = (
    "temp_f", "dewpoint_f", "humidity_pct", "wind_speed_mph", "wind_gust_mph", "precip_in", "pressure_mb",
    "visibility_mi",
)  # fmt: skip
# name -> (aggregate, column, first hour, last hour) relative to the scheduled departure hour, inclusive.
_AROUND_DEPARTURE = {
    "wx_precip_before_departure_in": ("sum", "precip_in", -24, -1),
    "wx_window_precip_in": ("sum", "precip_in", -2, 2),
    "wx_window_min_visibility_mi": ("min", "visibility_mi", -2, 2),
    "wx_window_max_wind_speed_mph": ("max", "wind_speed_mph", -2, 2),
    "wx_6h_precip_in": ("sum", "precip_in", -6, 0),
    "wx_6h_precip_hours": ("wet_hours", "precip_in", -6, 0),
    "wx_6h_min_visibility_mi": ("min", "visibility_mi", -6, 0),
    "wx_6h_max_wind_speed_mph": ("max", "wind_speed_mph", -6, 0),
    "wx_next_3h_precip_in": ("sum", "precip_in", 0, 3),
}
# name -> (aggregate, column) over the whole day: at the origin, and over the three airports together.
_DAY = {
    "wx_day_precip_in": ("sum", "precip_in"),
    "wx_day_min_visibility_mi": ("min", "visibility_mi"),
    "wx_day_max_wind_speed_mph": ("max", "wind_speed_mph"),
}
_NEW_YORK_DAY = {
    "wx_nyc_day_precip_in": ("sum", "precip_in"),
    "wx_nyc_day_precip_hours": ("wet_hours", "precip_in"),
    "wx_nyc_day_min_visibility_mi": ("min", "visibility_mi"),
    "wx_nyc_day_max_wind_speed_mph": ("max", "wind_speed_mph"),
}
WEATHER_FEATURES = (
    *[f"wx_{name}" for name in WEATHER_AT_HOUR], *_DAY, *_AROUND_DEPARTURE, *_NEW_YORK_DAY,
)  # fmt: skip


# Amounts are summed as decimals: exact, so a sum does not depend on the order Spark meets the rows in (a
# backfill and one run per day lay the same rows out differently). Gauges report hundredths of an inch.
_EXACT_AMOUNT = "decimal(12,4)"


def _exact_sum(value: Column) -> Column:
    return F.sum(value.cast(_EXACT_AMOUNT)).cast("double")


def _over_day(aggregate: str, column: str) -> Column:
    if aggregate == "wet_hours":
        return F.sum((F.col(column) > 0).cast("int"))
    if aggregate == "sum":
        return _exact_sum(F.col(column))
    return {"min": F.min, "max": F.max}[aggregate](column)


def _around(aggregate: str, column: str, first: int, last: int) -> Column:
    offset = F.col("local_hour") - F.col("sched_dep_hour")
    inside = offset.between(first, last)
    value = F.col(column)
    if aggregate == "sum":
        return F.coalesce(_exact_sum(F.when(inside, value)), F.lit(0.0))
    if aggregate == "wet_hours":
        return F.sum((inside & (value > 0)).cast("int"))
    return {"min": F.min, "max": F.max}[aggregate](F.when(inside, value))


def weather_features(targets: DataFrame, weather: DataFrame) -> DataFrame:
    """`targets` with the WEATHER_FEATURES columns (null where day D has no observation to use)."""
    at_hour = weather.select(
        "origin", F.col("observed_hour_utc").alias("_hour"), *[F.col(c).alias(f"wx_{c}") for c in WEATHER_AT_HOUR]
    )
    of_day = weather.withColumnRenamed("observation_date", "flight_date")
    day = of_day.groupBy("origin", "flight_date").agg(*[_over_day(*spec).alias(name) for name, spec in _DAY.items()])
    new_york = of_day.groupBy("flight_date").agg(
        *[_over_day(*spec).alias(name) for name, spec in _NEW_YORK_DAY.items()]
    )
    slots = targets.select("flight_date", "origin", "sched_dep_hour").distinct()
    around = (
        slots.join(
            of_day.select("flight_date", "origin", "local_hour", *{spec[1] for spec in _AROUND_DEPARTURE.values()}),
            ["flight_date", "origin"],
        )  # fmt: skip
        .groupBy("flight_date", "origin", "sched_dep_hour")
        .agg(*[_around(*spec).alias(name) for name, spec in _AROUND_DEPARTURE.items()])
    )
    return (
        targets.withColumn("_hour", F.date_trunc("hour", "sched_dep_utc"))
        .join(at_hour, ["origin", "_hour"], "left")
        .join(day, ["origin", "flight_date"], "left")
        .join(new_york, ["flight_date"], "left")
        .join(around, ["flight_date", "origin", "sched_dep_hour"], "left")
        .withColumn("wx_precip_before_departure_in", F.coalesce("wx_precip_before_departure_in", F.lit(0.0)))
        .drop("_hour")
    )


_WEATHER = "silver/weather"
_ORIGIN_DAY = columns_of(_WEATHER, "origin", "observation_date")
LINEAGE: ColumnLineage = {
    **{f"wx_{column}": columns_of(_WEATHER, column) for column in WEATHER_AT_HOUR},
    **{name: columns_of(_WEATHER, column) + _ORIGIN_DAY for name, (_, column) in _DAY.items()},
    # Hours are chosen by their offset from the flight's scheduled departure hour.
    **{
        name: columns_of(_WEATHER, column, "local_hour") + _ORIGIN_DAY + columns_of("silver/flights", "sched_dep_hour")
        for name, (_, column, _, _) in _AROUND_DEPARTURE.items()
    },
    **{name: columns_of(_WEATHER, column, "observation_date") for name, (_, column) in _NEW_YORK_DAY.items()},
}

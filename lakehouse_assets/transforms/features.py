"""Point-in-time features for next-day arrival-delay risk: one row per scheduled flight of day D.

What a flight of day D may use:
- its schedule (known in advance): carrier, route, times, distance, the day's scheduled traffic, the plane's
  scheduled legs that day and the time between them, the plane's static facts, the distance to a holiday;
- outcomes that were known by the end of day D-1: a flight's outcome counts from the local (New York) date
  it arrived, or its own date if it was cancelled, or the next day when the arrival instant is unknown;
- the weather observed on day D at the origin (at, before and after the scheduled hour, and over the day) and
  across the three New York airports, as a stand-in for the forecast that would be used in production
  (documented as such; it is the only day-D observation used).
Never post-departure facts of day D. `label_delayed` (arr_delay > 15 min; null when the flight never arrived)
is the training target, not a feature.
"""

from __future__ import annotations

import operator
from datetime import date
from functools import reduce

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from ..lineage import ColumnLineage, columns_of, same_name
from .delay import DELAY_THRESHOLD_MINUTES
from .schedule_features import LINEAGE as SCHEDULE_LINEAGE
from .schedule_features import PLANE_FEATURES, SCHEDULE_FEATURES, schedule_features
from .weather_features import LINEAGE as WEATHER_LINEAGE
from .weather_features import WEATHER_FEATURES, weather_features

LONGEST_WINDOW_DAYS = 28
# Outcomes of a day can become known up to two days later (long delays past midnight), so history reads
# this many days before the first target day.
HISTORY_DAYS = LONGEST_WINDOW_DAYS + 2
OPERATIONS_TIMEZONE = "America/New_York"
SMOOTHING_FLIGHTS = 20  # pseudo-flights at the network-wide rate, so a rate over few flights stays sane

KEY_COLUMNS = ("flight_date", "carrier", "flight", "origin", "sched_dep_time")
CONTEXT_COLUMNS = ("tailnum", "dest")
CATEGORICAL_FEATURES = ("carrier", "origin")
LABEL = "label_delayed"

# (feature name, grouping columns, window in days)
_RATE_WINDOWS = (
    ("network_delay_rate_1d", (), 1),
    ("carrier_delay_rate_7d", ("carrier",), 7),
    ("carrier_delay_rate_28d", ("carrier",), 28),
    ("origin_delay_rate_1d", ("origin",), 1),
    ("origin_delay_rate_7d", ("origin",), 7),
    ("route_delay_rate_28d", ("origin", "dest"), 28),
    ("plane_delay_rate_28d", ("tailnum",), 28),
    ("carrier_origin_delay_rate_28d", ("carrier", "origin"), 28),
    ("origin_hour_delay_rate_28d", ("origin", "sched_dep_hour"), 28),
    ("carrier_hour_delay_rate_28d", ("carrier", "sched_dep_hour"), 28),
    ("dest_delay_rate_7d", ("dest",), 7),
    ("flight_number_delay_rate_28d", ("carrier", "flight"), 28),
)
# Flights with a known outcome over the window and grouping of a rate: feature -> that rate.
_FLIGHT_COUNTS = {
    "plane_flights_28d": "plane_delay_rate_28d",
    "route_flights_28d": "route_delay_rate_28d",
    "flight_number_flights_28d": "flight_number_delay_rate_28d",
}
# Network-wide totals per window length: the prior each rate is smoothed towards.
_PRIOR_WINDOWS = tuple((f"network_{days}d", (), days) for days in sorted({days for _, _, days in _RATE_WINDOWS}))
_ALL_WINDOWS = (*_RATE_WINDOWS, *_PRIOR_WINDOWS)
NUMERIC_FEATURES = (
    *SCHEDULE_FEATURES,
    *PLANE_FEATURES,
    *[name for name, _, _ in _RATE_WINDOWS],
    *_FLIGHT_COUNTS,
    *WEATHER_FEATURES,
)
FEATURE_COLUMNS = (*CATEGORICAL_FEATURES, *NUMERIC_FEATURES)
assert set(CATEGORICAL_FEATURES) <= {*KEY_COLUMNS, *CONTEXT_COLUMNS}, "categorical features are carried as is"
ALLOWED_COLUMNS = tuple(dict.fromkeys((*KEY_COLUMNS, *CONTEXT_COLUMNS, *FEATURE_COLUMNS, LABEL)))
# Facts only known after departure; none may appear in the feature table.
LEAKAGE_COLUMNS = (
    "dep_time", "dep_delay", "arr_time", "arr_delay", "air_time", "dep_utc", "arr_utc", "cancelled", "diverted",
)  # fmt: skip


def outcome_known_date(flights: DataFrame) -> Column:
    arrived_local = F.to_date(F.from_utc_timestamp(F.col("arr_utc"), OPERATIONS_TIMEZONE))
    return (
        F.when(F.col("cancelled"), F.col("flight_date"))
        .when(F.col("arr_utc").isNotNull(), F.greatest(arrived_local, F.col("flight_date")))
        .otherwise(F.date_add(F.col("flight_date"), 1))
    )


def _outcomes(flights: DataFrame) -> DataFrame:
    arrived = F.col("arr_delay").isNotNull()
    return flights.select(
        "carrier", "flight", "origin", "dest", "tailnum", "sched_dep_hour",
        outcome_known_date(flights).alias("_day"),
        arrived.cast("int").alias("_n"),
        (arrived & (F.col("arr_delay") > DELAY_THRESHOLD_MINUTES)).cast("int").alias("_d"),
    )  # fmt: skip


def _key_of(keys: tuple[str, ...]) -> Column:
    """The grouping's key as text; null when a part is unknown (e.g. no tail number), so it joins nothing."""
    if not keys:
        return F.lit("*")
    any_missing = reduce(operator.or_, [F.col(c).isNull() for c in keys])
    return F.when(~any_missing, F.concat_ws("|", *[F.col(c).cast("string") for c in keys]))


def _fan_out() -> Column:
    """One row per rate window: (grouping name, window days, key)."""
    return F.explode(
        F.array(
            *[
                F.struct(F.lit(name).alias("_grouping"), F.lit(days).alias("_days"), _key_of(keys).alias("_key"))
                for name, keys, days in _ALL_WINDOWS
            ]
        )
    )


def _rates(outcomes: DataFrame, targets: DataFrame) -> DataFrame:
    """Per target flight: every smoothed delay rate over outcomes known in [D - days, D - 1].

    All windows are computed together: each outcome and each target is fanned out to one row per
    (grouping, key), daily totals are summed over a trailing range per grouping, and the results pivot
    back to one column per rate. A handful of shuffles, whatever the number of rates.
    """
    daily = (
        outcomes.select(_fan_out().alias("_g"), "_day", "_d", "_n")
        .select("_g.*", "_day", "_d", "_n")
        .where(F.col("_key").isNotNull())
        .groupBy("_grouping", "_days", "_key", "_day")
        .agg(F.sum("_d").alias("_d"), F.sum("_n").alias("_n"))
        .withColumn("_target", F.lit(False))
    )
    fanned_targets = targets.select(*KEY_COLUMNS, _fan_out().alias("_g")).select(
        *KEY_COLUMNS, "_g.*"
    )
    points = (
        fanned_targets.where(F.col("_key").isNotNull())
        .select("_grouping", "_days", "_key", F.col("flight_date").alias("_day"))
        .distinct()
        .withColumns({"_d": F.lit(0).cast("bigint"), "_n": F.lit(0).cast("bigint"), "_target": F.lit(True)})
    )
    ordered = Window.partitionBy("_grouping", "_key").orderBy(F.unix_date("_day"))
    trailing = {days: ordered.rangeBetween(-days, -1) for days in sorted({d for _, _, d in _ALL_WINDOWS})}

    def over_window(column: str) -> Column:
        total = F.lit(None)
        for days, frame in trailing.items():
            total = F.when(F.col("_days") == days, F.sum(column).over(frame)).otherwise(total)
        return F.coalesce(total, F.lit(0))

    totals = (
        daily.unionByName(points)
        .withColumns({"_wd": over_window("_d"), "_wn": over_window("_n")})
        .where("_target")
        .groupBy("_grouping", "_key", "_day")
        .agg(F.max("_wd").alias("_wd"), F.max("_wn").alias("_wn"))
    )
    names = [name for name, _, _ in _ALL_WINDOWS]
    per_flight = (
        fanned_targets.join(
            totals.withColumnRenamed("_day", "flight_date"), ["_grouping", "_key", "flight_date"], "left"
        )
        .groupBy(*KEY_COLUMNS)
        .pivot("_grouping", names)
        .agg(F.first("_wd").alias("d"), F.first("_wn").alias("n"))
    )
    rates = {}
    for name, _, days in _RATE_WINDOWS:
        prior = F.col(f"network_{days}d_d") / F.greatest(F.col(f"network_{days}d_n"), F.lit(1))
        rates[name] = (F.coalesce(F.col(f"{name}_d"), F.lit(0)) + SMOOTHING_FLIGHTS * F.coalesce(prior, F.lit(0.0))) / (
            F.coalesce(F.col(f"{name}_n"), F.lit(0)) + SMOOTHING_FLIGHTS
        )
    for count, rate in _FLIGHT_COUNTS.items():
        rates[count] = F.coalesce(F.col(f"{rate}_n"), F.lit(0))
    return targets.join(per_flight.select(*KEY_COLUMNS, *[v.alias(k) for k, v in rates.items()]), list(KEY_COLUMNS), "left")


def flight_features(
    flights: DataFrame, weather: DataFrame, planes: DataFrame, start: date, end_exclusive: date
) -> DataFrame:
    """Features of every flight scheduled in [start, end_exclusive).

    `flights` (silver) must cover [start - HISTORY_DAYS, end_exclusive); `weather` (silver) the target days.
    """
    targets = flights.where((F.col("flight_date") >= F.lit(start)) & (F.col("flight_date") < F.lit(end_exclusive)))
    history = flights.where(F.col("flight_date") < F.lit(end_exclusive))
    scheduled = schedule_features(_rates(_outcomes(history), targets), planes, start, end_exclusive)
    featured = weather_features(scheduled, weather)
    label = F.when(F.col("arr_delay").isNotNull(), (F.col("arr_delay") > DELAY_THRESHOLD_MINUTES).cast("int"))
    return featured.select(
        *KEY_COLUMNS,
        *CONTEXT_COLUMNS,
        *[F.col(name).cast("double").alias(name) for name in NUMERIC_FEATURES],
        label.alias(LABEL),
    )


_FLIGHTS = "silver/flights"
# An outcome counts from the day it became known (arrival instant, cancellation or flight date) and is a delay
# by its arrival delay.
_OUTCOME = columns_of(_FLIGHTS, "arr_delay", "arr_utc", "cancelled", "flight_date")
_RATE_LINEAGE = {name: _OUTCOME + columns_of(_FLIGHTS, *keys) for name, keys, _ in _RATE_WINDOWS}
LINEAGE: ColumnLineage = {
    **same_name(_FLIGHTS, (*KEY_COLUMNS, *CONTEXT_COLUMNS)),
    **SCHEDULE_LINEAGE,
    **_RATE_LINEAGE,
    **{count: _RATE_LINEAGE[rate] for count, rate in _FLIGHT_COUNTS.items()},
    **WEATHER_LINEAGE,
    LABEL: columns_of(_FLIGHTS, "arr_delay"),
}

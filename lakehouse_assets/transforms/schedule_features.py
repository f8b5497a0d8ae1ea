"""What the schedule of day D says about a flight: time of day, traffic, the plane's rotation, the calendar.

All of it is published before the day starts, so it is known at prediction time.
"""

from __future__ import annotations

from datetime import date

from pandas.tseries.holiday import Holiday, USFederalHolidayCalendar
from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

from ..lineage import ColumnLineage, columns_of

SCHEDULE_FEATURES = (
    "sched_dep_hour", "sched_dep_minute_of_day", "day_of_week", "distance", "sched_block_minutes",
    "origin_flights_in_hour", "origin_flights_in_day", "carrier_flights_in_day", "tail_leg_of_day",
    "tail_legs_in_day", "tail_turn_minutes", "tail_minutes_since_previous_departure", "days_to_holiday",
)  # fmt: skip
PLANE_FEATURES = ("plane_age_years", "plane_seats", "plane_engines")


# pandas' US federal calendar, each holiday on its own date: observed days off are left out, because travel
# peaks follow the holiday itself.
_HOLIDAYS_ON_THE_DAY = [
    Holiday(rule.name, month=rule.month, day=rule.day, offset=rule.offset, start_date=rule.start_date, end_date=rule.end_date)
    for rule in USFederalHolidayCalendar.rules
]


def us_federal_holidays(year: int) -> list[date]:
    """The US federal holidays of `year`, in date order."""
    return sorted(day.date() for rule in _HOLIDAYS_ON_THE_DAY for day in rule.dates(date(year, 1, 1), date(year, 12, 31)))


def _days_to_holiday(start: date, end_exclusive: date):
    """Days from flight_date to the nearest federal holiday of the years around the target days."""
    holidays = [day for year in range(start.year - 1, end_exclusive.year + 2) for day in us_federal_holidays(year)]
    return F.least(*[F.abs(F.datediff(F.col("flight_date"), F.lit(day))) for day in holidays])


def schedule_features(targets: DataFrame, planes: DataFrame, start: date, end_exclusive: date) -> DataFrame:
    """`targets` with SCHEDULE_FEATURES and PLANE_FEATURES."""
    in_day = Window.partitionBy("flight_date", "origin")
    in_hour = Window.partitionBy("flight_date", "origin", "sched_dep_hour")
    by_carrier = Window.partitionBy("flight_date", "carrier")
    tail_day = Window.partitionBy("flight_date", "tailnum")
    tail_order = tail_day.orderBy("sched_dep_utc", "carrier", "flight")
    has_tail = F.col("tailnum").isNotNull()

    def minutes_since(column: str):  # from the plane's previous New York departure of the day
        return F.when(has_tail, (F.unix_seconds("sched_dep_utc") - F.unix_seconds(F.lag(column).over(tail_order))) / 60)

    plane = planes.select(
        "tailnum", "year_built", F.col("seats").alias("plane_seats"), F.col("engines").alias("plane_engines")
    )
    return (
        targets.withColumns(
            {
                "sched_dep_minute_of_day": F.col("sched_dep_hour") * 60 + F.col("sched_dep_time") % 100,
                "day_of_week": F.dayofweek("flight_date"),
                "sched_block_minutes": (F.unix_seconds("sched_arr_utc") - F.unix_seconds("sched_dep_utc")) / 60,
                "origin_flights_in_hour": F.count("*").over(in_hour),
                "origin_flights_in_day": F.count("*").over(in_day),
                "carrier_flights_in_day": F.count("*").over(by_carrier),
                "tail_leg_of_day": F.when(has_tail, F.row_number().over(tail_order)),
                "tail_legs_in_day": F.when(has_tail, F.count("*").over(tail_day)),
                # Time for the out-and-back since the previous leg was due at its destination: tight turns
                # pass delays on.
                "tail_turn_minutes": minutes_since("sched_arr_utc"),
                "tail_minutes_since_previous_departure": minutes_since("sched_dep_utc"),
                "days_to_holiday": _days_to_holiday(start, end_exclusive),
            }
        )
        .join(plane, "tailnum", "left")
        .withColumn("plane_age_years", F.year("flight_date") - F.col("year_built"))
    )


_FLIGHTS = "silver/flights"
_TAIL_DAY = columns_of(_FLIGHTS, "flight_date", "tailnum", "sched_dep_utc")  # a plane's legs, in departure order
LINEAGE: ColumnLineage = {
    "sched_dep_hour": columns_of(_FLIGHTS, "sched_dep_hour"),
    "sched_dep_minute_of_day": columns_of(_FLIGHTS, "sched_dep_hour", "sched_dep_time"),
    "day_of_week": columns_of(_FLIGHTS, "flight_date"),
    "distance": columns_of(_FLIGHTS, "distance"),
    "sched_block_minutes": columns_of(_FLIGHTS, "sched_dep_utc", "sched_arr_utc"),
    "origin_flights_in_hour": columns_of(_FLIGHTS, "flight_date", "origin", "sched_dep_hour"),
    "origin_flights_in_day": columns_of(_FLIGHTS, "flight_date", "origin"),
    "carrier_flights_in_day": columns_of(_FLIGHTS, "flight_date", "carrier"),
    "tail_leg_of_day": _TAIL_DAY,
    "tail_legs_in_day": columns_of(_FLIGHTS, "flight_date", "tailnum"),
    "tail_turn_minutes": _TAIL_DAY + columns_of(_FLIGHTS, "sched_arr_utc"),
    "tail_minutes_since_previous_departure": _TAIL_DAY,
    "days_to_holiday": columns_of(_FLIGHTS, "flight_date"),
    "plane_age_years": columns_of(_FLIGHTS, "flight_date") + columns_of("silver/planes", "year_built"),
    "plane_seats": columns_of("silver/planes", "seats"),
    "plane_engines": columns_of("silver/planes", "engines"),
}

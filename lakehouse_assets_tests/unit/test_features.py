"""Point-in-time correctness: a day's features depend on nothing that happened on or after that day."""

from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from lakehouse_assets.transforms.features import (
    ALLOWED_COLUMNS,
    FEATURE_COLUMNS,
    KEY_COLUMNS,
    LABEL,
    LEAKAGE_COLUMNS,
    SMOOTHING_FLIGHTS,
    flight_features,
)
from lakehouse_assets.transforms.schedule_features import us_federal_holidays
from lakehouse_assets.transforms.weather_features import WEATHER_FEATURES, weather_features

from .conftest import FEATURE_DAY

NEXT_DAY = FEATURE_DAY + timedelta(days=1)


def features_of_day(sample, flights: DataFrame | None = None, weather: DataFrame | None = None) -> DataFrame:
    return flight_features(flights or sample.flights, weather or sample.weather, sample.planes, FEATURE_DAY, NEXT_DAY)


def rewrite_outcomes_from(flights: DataFrame, first_day: date) -> DataFrame:
    """Every flight on or after `first_day` gets a different fate: delays, times, cancellations."""
    changed = F.col("flight_date") >= F.lit(first_day)
    flipped = {
        "dep_delay": F.when(changed, F.col("dep_delay") + 240).otherwise(F.col("dep_delay")),
        "arr_delay": F.when(changed, F.coalesce(F.col("arr_delay"), F.lit(0)) + 300).otherwise(F.col("arr_delay")),
        "dep_time": F.when(changed, F.lit(2359)).otherwise(F.col("dep_time")),
        "arr_time": F.when(changed, F.lit(1)).otherwise(F.col("arr_time")),
        "air_time": F.when(changed, F.lit(999)).otherwise(F.col("air_time")),
        "arr_utc": F.when(changed, F.timestamp_add("HOUR", F.lit(-30), "sched_dep_utc")).otherwise(F.col("arr_utc")),
        "cancelled": F.when(changed, ~F.col("cancelled")).otherwise(F.col("cancelled")),
    }
    return flights.withColumns(flipped)


def without_label(frame: DataFrame) -> DataFrame:
    return frame.drop(LABEL)


@pytest.fixture(scope="module")
def baseline(silver_sample) -> Iterator[DataFrame]:
    features = features_of_day(silver_sample).cache()
    yield features
    features.unpersist()  # the session is shared by the whole suite: give its memory back


def test_features_of_a_day_ignore_everything_that_happened_on_or_after_it(silver_sample, baseline) -> None:
    later_weather = silver_sample.weather.withColumn(
        "precip_in", F.when(F.col("observation_date") > F.lit(FEATURE_DAY), F.lit(9.9)).otherwise(F.col("precip_in"))
    )
    rewritten = features_of_day(silver_sample, rewrite_outcomes_from(silver_sample.flights, FEATURE_DAY), later_weather)
    assert baseline.count() == rewritten.count() > 500
    assert without_label(baseline).exceptAll(without_label(rewritten)).count() == 0
    # The label, and only the label, is about day D itself.
    assert baseline.select(*KEY_COLUMNS, LABEL).exceptAll(rewritten.select(*KEY_COLUMNS, LABEL)).count() > 0


def test_the_same_check_sees_a_change_in_the_past(silver_sample, baseline) -> None:
    """Guards the test above: history before the day does move the features."""
    earlier = features_of_day(
        silver_sample, rewrite_outcomes_from(silver_sample.flights, FEATURE_DAY - timedelta(days=3))
    )
    assert without_label(baseline).exceptAll(without_label(earlier)).count() > 0


def test_feature_table_has_only_allowed_columns_and_no_leakage(baseline) -> None:
    columns = baseline.columns
    assert set(columns) <= set(ALLOWED_COLUMNS)
    assert not set(columns) & set(LEAKAGE_COLUMNS)
    assert set(FEATURE_COLUMNS) <= set(columns)


def test_one_row_per_scheduled_flight_of_the_day(silver_sample, baseline) -> None:
    features = baseline
    scheduled = silver_sample.flights.where(F.col("flight_date") == F.lit(FEATURE_DAY))
    assert features.count() == scheduled.count()
    assert features.groupBy(*KEY_COLUMNS).count().where("count > 1").count() == 0
    assert features.where(F.col("flight_date") != F.lit(FEATURE_DAY)).count() == 0


def test_carrier_rate_is_the_smoothed_share_delayed_over_outcomes_known_before_the_day(silver_sample, baseline) -> None:
    flights = silver_sample.flights
    known = F.coalesce(
        F.when(F.col("cancelled"), F.col("flight_date")),
        F.to_date(F.from_utc_timestamp("arr_utc", "America/New_York")),
        F.date_add("flight_date", 1),
    )
    window = flights.withColumn("_known", known).where(
        (F.col("_known") >= F.lit(FEATURE_DAY - timedelta(days=7))) & (F.col("_known") < F.lit(FEATURE_DAY))
    )
    arrived = window.where("arr_delay IS NOT NULL")
    network = arrived.where("arr_delay > 15").count() / arrived.count()
    ua = arrived.where("carrier = 'UA'")
    expected = (ua.where("arr_delay > 15").count() + SMOOTHING_FLIGHTS * network) / (ua.count() + SMOOTHING_FLIGHTS)
    actual = baseline.where("carrier = 'UA'").select("carrier_delay_rate_7d").distinct().collect()
    assert len(actual) == 1
    assert actual[0][0] == pytest.approx(expected, rel=1e-9)


def test_tail_legs_follow_the_schedule(baseline) -> None:
    rows = (
        baseline.where("tail_legs_in_day >= 3")
        .select("tailnum", "sched_dep_minute_of_day", "tail_leg_of_day")
        .collect()
    )
    by_tail: dict[str, list] = {}
    for row in rows:
        by_tail.setdefault(row.tailnum, []).append((row.sched_dep_minute_of_day, row.tail_leg_of_day))
    assert by_tail
    for legs in by_tail.values():
        assert [leg for _, leg in sorted(legs)] == list(range(1, len(legs) + 1))


def test_tail_turn_is_the_gap_since_the_previous_legs_scheduled_arrival(silver_sample, baseline) -> None:
    flights = silver_sample.flights.where(F.col("flight_date") == F.lit(FEATURE_DAY)).where("tailnum IS NOT NULL")
    legs = {}
    for row in flights.select("tailnum", "carrier", "flight", "sched_dep_utc", "sched_arr_utc").collect():
        legs.setdefault(row.tailnum, []).append(row)
    expected = {}
    for tail_legs in legs.values():
        if any(leg.sched_dep_utc is None for leg in tail_legs):
            continue  # Spark orders an unknown departure first; leave those planes out of the comparison
        ordered = sorted(tail_legs, key=lambda r: (r.sched_dep_utc, r.carrier, r.flight))
        expected[(ordered[0].carrier, ordered[0].flight, ordered[0].sched_dep_utc)] = None
        for previous, leg in zip(ordered, ordered[1:], strict=False):
            gap = (
                None if previous.sched_arr_utc is None else (leg.sched_dep_utc - previous.sched_arr_utc).total_seconds()
            )
            expected[(leg.carrier, leg.flight, leg.sched_dep_utc)] = None if gap is None else gap / 60
    rows = (
        baseline.join(silver_sample.flights.select(*KEY_COLUMNS, "sched_dep_utc"), list(KEY_COLUMNS))
        .where("tailnum IS NOT NULL")
        .select("carrier", "flight", "sched_dep_utc", "tail_turn_minutes")
        .collect()
    )
    compared = [row for row in rows if (row.carrier, row.flight, row.sched_dep_utc) in expected]
    assert len(compared) == len(expected) > 500
    assert sum(value is not None for value in expected.values()) > 100
    for row in compared:
        assert row.tail_turn_minutes == expected[(row.carrier, row.flight, row.sched_dep_utc)]


def test_weather_around_departure_sums_the_hours_of_its_window(silver_sample, baseline) -> None:
    hours = {
        (row.origin, row.local_hour): row.precip_in or 0.0
        for row in silver_sample.weather.where(F.col("observation_date") == F.lit(FEATURE_DAY)).collect()
    }
    rows = (
        baseline.select("origin", "sched_dep_hour", "wx_window_precip_in", "wx_6h_precip_in", "wx_next_3h_precip_in")
        .distinct()
        .collect()
    )
    assert len(rows) > 20
    for row in rows:
        hour = int(row.sched_dep_hour)

        def total(first: int, last: int, origin=row.origin, hour=hour) -> float:
            return sum(hours.get((origin, h), 0.0) for h in range(hour + first, hour + last + 1))

        assert row.wx_window_precip_in == pytest.approx(total(-2, 2))
        assert row.wx_6h_precip_in == pytest.approx(total(-6, 0))
        assert row.wx_next_3h_precip_in == pytest.approx(total(0, 3))


def test_days_to_holiday_counts_to_the_nearest_federal_holiday(baseline) -> None:
    # 2013-02-15 is three days before Presidents' Day (2013-02-18).
    assert {row.days_to_holiday for row in baseline.select("days_to_holiday").distinct().collect()} == {3.0}
    assert us_federal_holidays(2013)[8] == date(2013, 11, 28)  # Thanksgiving: fourth Thursday of November
    assert us_federal_holidays(2013)[3] == date(2013, 5, 27)  # Memorial Day: last Monday of May


def test_federal_holidays_fall_on_the_holiday_not_the_observed_day_off() -> None:
    assert [(day.month, day.day) for day in us_federal_holidays(2013)] == [
        (1, 1), (1, 21), (2, 18), (5, 27), (7, 4), (9, 2), (10, 14), (11, 11), (11, 28), (12, 25),
    ]  # fmt: skip
    in_2021 = us_federal_holidays(2021)
    # Juneteenth from 2021; Independence Day and Christmas on their dates, a Sunday and a Saturday in 2021 (the
    # days off were July 5 and December 24).
    assert {date(2021, 6, 19), date(2021, 7, 4), date(2021, 12, 25)} <= set(in_2021)
    assert not {date(2021, 7, 5), date(2021, 12, 24), date(2021, 6, 18)} & set(in_2021)
    assert date(1985, 1, 21) not in us_federal_holidays(1985)  # Martin Luther King Jr. Day from 1986


def test_flight_number_rate_uses_that_flights_outcomes_before_the_day(silver_sample, baseline) -> None:
    row = (
        baseline.where("flight_number_flights_28d >= 20")
        .select("carrier", "flight", "flight_number_delay_rate_28d", "flight_number_flights_28d")
        .first()
    )
    known = F.coalesce(
        F.when(F.col("cancelled"), F.col("flight_date")),
        F.to_date(F.from_utc_timestamp("arr_utc", "America/New_York")),
        F.date_add("flight_date", 1),
    )
    history = silver_sample.flights.withColumn("_known", known).where(
        (F.col("carrier") == row.carrier) & (F.col("flight") == row.flight) & F.col("arr_delay").isNotNull()
        & (F.col("_known") >= F.lit(FEATURE_DAY - timedelta(days=28))) & (F.col("_known") < F.lit(FEATURE_DAY))
    )  # fmt: skip
    assert history.count() == row.flight_number_flights_28d
    assert 0 < row.flight_number_delay_rate_28d < 1


def test_weather_sums_do_not_depend_on_the_order_rows_arrive_in(silver_sample) -> None:
    # A backfill and one run per day read the same rows laid out differently; the features must be identical.
    # Tenths of an inch make floating-point sums differ with the order they are added in: (0.1 + 0.2) + 0.3 != 0.1 + (0.2 + 0.3).
    # Only the weather step is exercised, on the one day: the sums are all there is to see.
    of_day = F.col("observation_date") == F.lit(FEATURE_DAY)
    rainy = silver_sample.weather.where(of_day).withColumn("precip_in", F.lit(0.1) * (F.col("local_hour") % 3 + 1))
    targets = silver_sample.flights.where(F.col("flight_date") == F.lit(FEATURE_DAY))
    precip = [*KEY_COLUMNS, *[name for name in WEATHER_FEATURES if name.endswith("precip_in")]]
    arrivals = [F.col("precip_in").asc(), F.col("precip_in").desc(), F.col("observed_hour_utc").desc()]
    # Each arrival order is its own small job, compared here: one query over all three plans needs far more memory.
    first, *others = [
        Counter(map(tuple, weather_features(targets, rainy.orderBy(order).coalesce(1)).select(*precip).collect()))
        for order in arrivals
    ]
    assert first.total() > 500
    for other in others:
        assert first == other, f"{(first - other).total()} of {first.total()} rows differ"

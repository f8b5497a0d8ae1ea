"""Point-in-time correctness: a day's features depend on nothing that happened on or after that day."""

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
def baseline(silver_sample) -> DataFrame:
    return features_of_day(silver_sample).cache()


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
    earlier = features_of_day(silver_sample, rewrite_outcomes_from(silver_sample.flights, FEATURE_DAY - timedelta(days=3)))
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

from datetime import date, timedelta

from pyspark.sql import SparkSession

from lakehouse_assets.quality import duplicate_keys, null_key_counts, null_rates, volume_anomalies


def test_null_and_duplicate_keys_are_counted(spark: SparkSession) -> None:
    frame = spark.createDataFrame([(1, "a"), (1, "a"), (2, None), (3, "c")], "id int, code string")
    assert null_key_counts(frame, ["id", "code"]) == ({"id": 0, "code": 1}, 4)
    repeated, examples = duplicate_keys(frame, ["id", "code"])
    assert repeated == 1 and examples == [{"id": 1, "code": "a", "count": 2}]
    assert null_rates(frame, ["code"]) == {"code": 0.25}


def test_volume_anomaly_flags_a_day_far_from_the_recent_median() -> None:
    start = date(2013, 1, 1)
    counts = {start + timedelta(days=n): 900 for n in range(10)}
    counts[start + timedelta(days=8)] = 300
    days = [start + timedelta(days=n) for n in range(10)]
    flagged = volume_anomalies(counts, days, lookback=7, tolerance=0.5)
    assert flagged == [{"day": "2013-01-09", "rows": 300, "recent_median": 900, "deviation": 0.667}]


def test_volume_anomaly_does_not_judge_days_without_history() -> None:
    counts = {date(2013, 1, 1): 10, date(2013, 1, 2): 1000}
    assert volume_anomalies(counts, [date(2013, 1, 2)], lookback=7, tolerance=0.5) == []

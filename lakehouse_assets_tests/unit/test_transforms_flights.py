from datetime import date, datetime

from pyspark.sql import SparkSession

from lakehouse_assets.transforms.flights import clean_flights

BRONZE_COLUMNS = (
    "flight_date", "year", "month", "day", "dep_time", "sched_dep_time", "dep_delay", "arr_time", "sched_arr_time",
    "arr_delay", "carrier", "flight", "tailnum", "origin", "dest", "air_time", "distance", "hour", "minute",
    "time_hour", "_source_file", "_source_modified_at", "_ingested_at",
)  # fmt: skip


def bronze_row(**overrides):
    row = {
        "flight_date": date(2013, 1, 1), "year": "2013", "month": "1", "day": "1", "dep_time": "517",
        "sched_dep_time": "515", "dep_delay": "2", "arr_time": "830", "sched_arr_time": "819", "arr_delay": "11",
        "carrier": "UA", "flight": "1545", "tailnum": "N14228", "origin": "EWR", "dest": "IAH", "air_time": "227",
        "distance": "1400", "hour": "5", "minute": "15", "time_hour": "2013-01-01T10:00:00Z",
        "_source_file": "file:/landing/flights/2013-01-01/a.csv", "_source_modified_at": datetime(2013, 1, 2, 1),
        "_ingested_at": datetime(2013, 1, 2, 2),
    }  # fmt: skip
    row.update(overrides)
    return tuple(row[column] for column in BRONZE_COLUMNS)


def bronze(spark: SparkSession, *rows):
    schema = ", ".join(
        f"{column} {'date' if column == 'flight_date' else 'timestamp' if column.endswith('_at') else 'string'}"
        for column in BRONZE_COLUMNS
    )
    return spark.createDataFrame(list(rows), schema)


def test_casts_text_to_types(spark: SparkSession) -> None:
    row = clean_flights(bronze(spark, bronze_row())).first()
    assert (row.flight, row.dep_delay, row.distance, row.carrier) == (1545, 2, 1400, "UA")
    assert row.scheduled_hour_utc == datetime(2013, 1, 1, 10)


def test_blank_and_malformed_values_become_null_not_errors(spark: SparkSession) -> None:
    row = clean_flights(bronze(spark, bronze_row(arr_delay="", dep_delay="abc", tailnum="  "))).first()
    assert (row.arr_delay, row.dep_delay, row.tailnum) == (None, None, None)


def test_a_later_delivery_of_the_same_flight_replaces_the_earlier(spark: SparkSession) -> None:
    early = bronze_row(arr_delay="11", _source_modified_at=datetime(2013, 1, 2, 1))
    corrected = bronze_row(arr_delay="45", _source_file="file:/b.csv", _source_modified_at=datetime(2013, 1, 3, 1))
    other_flight = bronze_row(flight="1714")
    rows = clean_flights(bronze(spark, early, corrected, other_flight)).orderBy("flight").collect()
    assert [(row.flight, row.arr_delay) for row in rows] == [(1545, 45), (1714, 11)]


def test_drops_ingestion_bookkeeping(spark: SparkSession) -> None:
    columns = clean_flights(bronze(spark, bronze_row())).columns
    assert not [column for column in columns if column.startswith("_")]

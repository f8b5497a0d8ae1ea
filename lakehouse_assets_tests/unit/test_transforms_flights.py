from datetime import date, datetime

from pyspark.sql import SparkSession

from lakehouse_assets.transforms.flights import clean_flights

from lakehouse_assets.ingestion.contracts import load_contract

CONTRACT_SCHEMA = load_contract("flights").spark_schema()
METADATA_TYPES = {
    "flight_date": "date", "_rescued_data": "string", "_source_file": "string", "_source_line": "int",
    "_source_modified_at": "timestamp", "_ingested_at": "timestamp",
}  # fmt: skip
BRONZE_COLUMNS = ("flight_date", *CONTRACT_SCHEMA.fieldNames(), *list(METADATA_TYPES)[1:])


def bronze_row(**overrides):
    """A row as bronze/flights holds it: typed by the contract, plus ingestion metadata."""
    row = {
        "flight_date": date(2013, 1, 1), "year": 2013, "month": 1, "day": 1, "dep_time": 517,
        "sched_dep_time": 515, "dep_delay": 2, "arr_time": 830, "sched_arr_time": 819, "arr_delay": 11,
        "carrier": "UA", "flight": 1545, "tailnum": "N14228", "origin": "EWR", "dest": "IAH", "air_time": 227,
        "distance": 1400, "hour": 5, "minute": 15, "time_hour": datetime(2013, 1, 1, 10), "_rescued_data": None,
        "_source_file": "/landing/flights/2013-01-01/a.csv", "_source_line": 2,
        "_source_modified_at": datetime(2013, 1, 2, 1), "_ingested_at": datetime(2013, 1, 2, 2),
    }  # fmt: skip
    row.update(overrides)
    return tuple(row[column] for column in BRONZE_COLUMNS)


def bronze(spark: SparkSession, *rows):
    types = {field.name: field.dataType.simpleString() for field in CONTRACT_SCHEMA.fields} | METADATA_TYPES
    return spark.createDataFrame(list(rows), ", ".join(f"{column} {types[column]}" for column in BRONZE_COLUMNS))


def test_casts_to_silver_types(spark: SparkSession) -> None:
    row = clean_flights(bronze(spark, bronze_row())).first()
    assert (row.flight, row.dep_delay, row.distance, row.carrier) == (1545, 2, 1400, "UA")
    assert row.scheduled_hour_utc == datetime(2013, 1, 1, 10)


def test_blank_text_becomes_null(spark: SparkSession) -> None:
    row = clean_flights(bronze(spark, bronze_row(arr_delay=None, tailnum="  "))).first()
    assert (row.arr_delay, row.tailnum) == (None, None)


def test_a_later_delivery_of_the_same_flight_replaces_the_earlier(spark: SparkSession) -> None:
    early = bronze_row(arr_delay=11, _source_modified_at=datetime(2013, 1, 2, 1))
    corrected = bronze_row(arr_delay=45, _source_file="/b.csv", _source_modified_at=datetime(2013, 1, 3, 1))
    other_flight = bronze_row(flight=1714)
    rows = clean_flights(bronze(spark, early, corrected, other_flight)).orderBy("flight").collect()
    assert [(row.flight, row.arr_delay) for row in rows] == [(1545, 45), (1714, 11)]


def test_within_one_file_the_later_line_wins(spark: SparkSession) -> None:
    first = bronze_row(arr_delay=11, _source_line=2)
    repeated = bronze_row(arr_delay=12, _source_line=9)
    rows = clean_flights(bronze(spark, repeated, first)).collect()
    assert [row.arr_delay for row in rows] == [12]


def test_drops_ingestion_bookkeeping(spark: SparkSession) -> None:
    columns = clean_flights(bronze(spark, bronze_row())).columns
    assert not [column for column in columns if column.startswith("_")]

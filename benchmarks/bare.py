"""The baseline the orchestrated runs are compared with: the project's own ingestion and transform functions
called one after the other from a plain PySpark script, with the same Delta reads and writes (tables.py),
and no Dagster at all.

`partitioned=True` writes each day window with replaceWhere, as the IO manager does for a partitioned run;
`partitioned=False` is one unpartitioned full load of the same range (each table replaced whole).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from pyspark.sql import DataFrame, SparkSession

from lakehouse_assets.ingestion.conformance import loaded_rows, quarantined_rows
from lakehouse_assets.ingestion.contracts import feed_contract
from lakehouse_assets.ingestion.file_feed import file_feed, ingest_feed_files
from lakehouse_assets.ingestion.reference import load_reference_table
from lakehouse_assets.ingestion.weather import OBSERVATION_DATE, PROVENANCE, weather_rows
from lakehouse_assets.ingestion.weather_payload import read_weather_file
from lakehouse_assets.resources.landing import LandingZone
from lakehouse_assets.resources.reference_db import ReferenceDatabase
from lakehouse_assets.settings import Settings
from lakehouse_assets.tables import TableLocator, filter_dates, read_table, write_table
from lakehouse_assets.transforms.features import HISTORY_DAYS, flight_features
from lakehouse_assets.transforms.flights import clean_flights
from lakehouse_assets.transforms.gold import daily_delay_summary, enrich_flights
from lakehouse_assets.transforms.reference import clean_airlines, clean_airports, clean_planes
from lakehouse_assets.transforms.weather import clean_weather

FLIGHT_DATE = "flight_date"


class BarePipeline:
    """bronze -> silver (-> gold) -> features for [start, end] in this process's SparkSession."""

    def __init__(self, spark: SparkSession, settings: Settings, warehouse: str, *, partitioned: bool = True) -> None:
        sources = settings.environment.sources
        self.spark = spark
        self.tables = TableLocator(warehouse)
        self.landing = LandingZone(root=sources.landing, file_globs={f.name: f.file_glob for f in settings.feeds.file_feeds})
        self.flights = file_feed(settings.feeds["flights"], settings.config_dir)
        self.weather_contract = feed_contract("weather", settings.feeds["weather"].contract, settings.config_dir)
        self.reference = ReferenceDatabase.from_settings(sources.reference, sources.landing)
        self.partitioned = partitioned

    def run(self, start: date, end: date, *, gold: bool) -> None:
        window = (start, end + timedelta(days=1))
        self.bronze(window)
        self.silver(window)
        if gold:
            self.gold(window)
        self.features(window)

    def write(self, frame: DataFrame, layer: str, table: str, column: str | None, window: tuple[date, date]) -> None:
        ref = self.tables.locate(layer, table)
        if self.partitioned and column is not None:
            write_table(self.spark, frame, ref, partition_column=column, window=window)
        else:
            write_table(self.spark, frame, ref)

    def read(
        self, layer: str, table: str, column: str | None = None, window: tuple[date, date] | None = None
    ) -> DataFrame:
        frame = read_table(self.spark, self.tables.locate(layer, table))
        return filter_dates(frame, column, *window) if column and window else frame

    def bronze(self, window: tuple[date, date]) -> None:
        now = datetime.now(UTC)
        flights = ingest_feed_files(self.spark, self.flights, self.landing.files("flights", *window), ingested_at=now)
        self.write(flights.bronze, "bronze", "flights", FLIGHT_DATE, window)
        self.write(flights.quarantine, "bronze", "flights_quarantine", FLIGHT_DATE, window)
        self.write(flights.ledger, "bronze", "flights_file_ledger", "partition_date", window)
        files = self.landing.files("weather", *window)
        typed = weather_rows(self.spark, [read_weather_file(f.path, f.day, f.modified) for f in files], self.weather_contract)
        self.write(loaded_rows(typed), "bronze", "weather", OBSERVATION_DATE, window)
        self.write(quarantined_rows(typed, PROVENANCE), "bronze", "weather_quarantine", OBSERVATION_DATE, window)
        for table in ("airlines", "airports", "planes"):
            load = load_reference_table(self.spark, self.reference.source(), table, self.reference.table(table))
            self.write(load.loaded, "bronze", table, None, window)
            self.write(load.quarantined, "bronze", f"{table}_quarantine", None, window)

    def silver(self, window: tuple[date, date]) -> None:
        for table, clean in (("airlines", clean_airlines), ("airports", clean_airports), ("planes", clean_planes)):
            self.write(clean(self.read("bronze", table)), "silver", table, None, window)
        bronze_flights = self.read("bronze", "flights", FLIGHT_DATE, window)
        self.write(
            clean_flights(bronze_flights, self.read("silver", "airports")), "silver", "flights", FLIGHT_DATE, window
        )
        weather = clean_weather(self.read("bronze", "weather", OBSERVATION_DATE, window))
        self.write(weather, "silver", "weather", OBSERVATION_DATE, window)

    def gold(self, window: tuple[date, date]) -> None:
        flights = self.read("silver", "flights", FLIGHT_DATE, window)
        enriched = enrich_flights(
            flights,
            self.read("silver", "weather", OBSERVATION_DATE, window),
            self.read("silver", "planes"),
            self.read("silver", "airlines"),
            self.read("silver", "airports"),
        )
        self.write(enriched, "gold", "flights_enriched", FLIGHT_DATE, window)
        self.write(daily_delay_summary(flights), "gold", "daily_delay_summary", FLIGHT_DATE, window)

    def features(self, window: tuple[date, date]) -> None:
        start, end = window
        history = self.read("silver", "flights", FLIGHT_DATE, (start - timedelta(days=HISTORY_DAYS), end))
        weather = self.read("silver", "weather", OBSERVATION_DATE, window)
        frame = flight_features(history, weather, self.read("silver", "planes"), start, end)
        self.write(frame, "features", "flight_features", FLIGHT_DATE, window)

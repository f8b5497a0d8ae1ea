"""silver/flights: typed flights, one row per scheduled flight, placed in time."""

import dagster as dg
from pyspark.sql import DataFrame

from ...checks import quality_checks
from ...settings.models import QualitySettings
from ...transforms.flights import LINEAGE, NATURAL_KEY, clean_flights
from ..common import spark_asset

MOSTLY_PRESENT = ("tailnum", "dest", "distance", "sched_dep_utc", "sched_arr_time")


def build(daily: dg.DailyPartitionsDefinition, quality: QualitySettings) -> list[dg.AssetsDefinition]:
    @spark_asset(
        key=["silver", "flights"],
        partitions_def=daily,
        partition_column="flight_date",
        ins={
            "bronze_flights": dg.AssetIn(key=["bronze", "flights"]),
            "airports": dg.AssetIn(key=["silver", "airports"]),
        },
        column_lineage=LINEAGE,
        checks=quality_checks(NATURAL_KEY, MOSTLY_PRESENT, quality, daily),
    )
    def silver_flights(bronze_flights: DataFrame, airports: DataFrame) -> DataFrame:
        """Flights deduplicated on date, carrier, flight, origin and scheduled departure, with UTC instants
        of scheduled and actual departure and arrival in each airport's time zone, and cancelled/diverted flags."""
        return clean_flights(bronze_flights, airports)

    return [silver_flights]

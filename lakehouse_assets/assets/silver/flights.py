"""silver/flights: typed flights, one row per scheduled flight."""

import dagster as dg
from pyspark.sql import DataFrame

from ...transforms.flights import clean_flights
from ..common import spark_asset


def build(daily: dg.DailyPartitionsDefinition) -> list[dg.AssetsDefinition]:
    @spark_asset(
        key=["silver", "flights"],
        partitions_def=daily,
        partition_column="flight_date",
        ins={"bronze_flights": dg.AssetIn(key=["bronze", "flights"])},
    )
    def silver_flights(bronze_flights: DataFrame) -> DataFrame:
        """Typed flights deduplicated on date, carrier, flight number, origin and scheduled departure."""
        return clean_flights(bronze_flights)

    return [silver_flights]

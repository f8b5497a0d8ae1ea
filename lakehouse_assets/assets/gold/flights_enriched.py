"""gold/flights_enriched: each flight with its weather, plane, airline and airports."""

import dagster as dg
from pyspark.sql import DataFrame

from ...transforms.gold import ENRICHED_LINEAGE, enrich_flights
from ..common import FOLLOWS_UPSTREAM, spark_asset


def build(daily: dg.DailyPartitionsDefinition) -> list[dg.AssetsDefinition]:
    @spark_asset(
        key=["gold", "flights_enriched"],
        partitions_def=daily,
        partition_column="flight_date",
        ins={
            "flights": dg.AssetIn(key=["silver", "flights"]),
            "weather": dg.AssetIn(key=["silver", "weather"]),
            "planes": dg.AssetIn(key=["silver", "planes"]),
            "airlines": dg.AssetIn(key=["silver", "airlines"]),
            "airports": dg.AssetIn(key=["silver", "airports"]),
        },
        column_lineage=ENRICHED_LINEAGE,
        automation_condition=FOLLOWS_UPSTREAM,
    )
    def flights_enriched(
        flights: DataFrame, weather: DataFrame, planes: DataFrame, airlines: DataFrame, airports: DataFrame
    ) -> DataFrame:
        """Each flight with the origin's weather in its scheduled departure hour, its plane, airline and airports."""
        return enrich_flights(flights, weather, planes, airlines, airports)

    return [flights_enriched]

"""features/flight_features: what is known about each scheduled flight by the end of the previous day."""

import dagster as dg
from pyspark.sql import DataFrame

from ...transforms.features import HISTORY_DAYS, flight_features
from ..common import FOLLOWS_UPSTREAM, run_window, spark_asset


def build(daily: dg.DailyPartitionsDefinition) -> list[dg.AssetsDefinition]:
    @spark_asset(
        key=["features", "flight_features"],
        partitions_def=daily,
        partition_column="flight_date",
        ins={
            # A day's features need only the days of history the longest rolling window reaches back to.
            "flights": dg.AssetIn(
                key=["silver", "flights"],
                partition_mapping=dg.TimeWindowPartitionMapping(
                    start_offset=-HISTORY_DAYS, allow_nonexistent_upstream_partitions=True
                ),
            ),
            "weather": dg.AssetIn(key=["silver", "weather"]),
            "planes": dg.AssetIn(key=["silver", "planes"]),
        },
        automation_condition=FOLLOWS_UPSTREAM,
    )
    def features_flight_features(
        context: dg.AssetExecutionContext, flights: DataFrame, weather: DataFrame, planes: DataFrame
    ) -> DataFrame:
        """One row per scheduled flight of day D with schedule, plane, day-D weather (forecast stand-in) and
        delay rates over windows ending D-1; `label_delayed` is the training target, not a feature."""
        start, end = run_window(context)
        return flight_features(flights, weather, planes, start, end)

    return [features_flight_features]

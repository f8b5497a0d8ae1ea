"""features/flight_features: what is known about each scheduled flight by the end of the previous day."""

import dagster as dg
from pyspark.sql import DataFrame

from ...checks import quality_checks
from ...checks.features import FEATURE_COLUMNS_CHECK
from ...partitions import day_window
from ...settings.models import QualitySettings
from ...transforms.features import HISTORY_DAYS, KEY_COLUMNS, LINEAGE, flight_features
from ..common import FOLLOWS_UPSTREAM, spark_asset

MOSTLY_PRESENT = ("carrier_delay_rate_28d", "origin_delay_rate_7d", "wx_temp_f", "wx_visibility_mi", "distance")


def build(daily: dg.DailyPartitionsDefinition, quality: QualitySettings) -> list[dg.AssetsDefinition]:
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
        column_lineage=LINEAGE,
        automation_condition=FOLLOWS_UPSTREAM,
        checks=[*quality_checks(KEY_COLUMNS, MOSTLY_PRESENT, quality, daily), FEATURE_COLUMNS_CHECK],
    )
    def features_flight_features(
        context: dg.AssetExecutionContext, flights: DataFrame, weather: DataFrame, planes: DataFrame
    ) -> DataFrame:
        """One row per scheduled flight of day D with schedule, plane, day-D weather (forecast stand-in) and
        delay rates over windows ending D-1; `label_delayed` is the training target, not a feature."""
        start, end = day_window(context)
        return flight_features(flights, weather, planes, start, end)

    return [features_flight_features]

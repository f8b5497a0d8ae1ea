"""gold/daily_delay_summary: delays per day, carrier and origin."""

import dagster as dg
from pyspark.sql import DataFrame

from ...transforms.gold import SUMMARY_LINEAGE, daily_delay_summary
from ..common import FOLLOWS_UPSTREAM, spark_asset


def build(daily: dg.DailyPartitionsDefinition) -> list[dg.AssetsDefinition]:
    @spark_asset(
        key=["gold", "daily_delay_summary"],
        partitions_def=daily,
        partition_column="flight_date",
        ins={"flights": dg.AssetIn(key=["silver", "flights"])},
        column_lineage=SUMMARY_LINEAGE,
        automation_condition=FOLLOWS_UPSTREAM,
    )
    def delay_summary(flights: DataFrame) -> DataFrame:
        """Per day, carrier and origin: flights, cancellations, mean and p90 delays (minutes), share delayed > 15 min."""
        return daily_delay_summary(flights)

    return [delay_summary]

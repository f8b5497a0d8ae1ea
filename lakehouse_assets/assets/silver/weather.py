"""silver/weather: hourly observations per origin airport."""

import dagster as dg
from pyspark.sql import DataFrame

from ...transforms.weather import clean_weather
from ..common import spark_asset


def build(daily: dg.DailyPartitionsDefinition) -> list[dg.AssetsDefinition]:
    @spark_asset(
        key=["silver", "weather"],
        partitions_def=daily,
        partition_column="observation_date",
        ins={"bronze_weather": dg.AssetIn(key=["bronze", "weather"])},
    )
    def silver_weather(bronze_weather: DataFrame) -> DataFrame:
        """Hourly weather per origin and UTC hour, deduplicated; units in column names and comments."""
        return clean_weather(bronze_weather)

    return [silver_weather]

"""silver/weather: hourly observations per origin airport."""

import dagster as dg
from pyspark.sql import DataFrame

from ...checks import quality_checks
from ...settings.models import QualitySettings
from ...transforms.weather import LINEAGE, NATURAL_KEY, clean_weather
from ..common import spark_asset

MOSTLY_PRESENT = ("temp_f", "humidity_pct", "wind_speed_mph", "precip_in", "visibility_mi")


def build(daily: dg.DailyPartitionsDefinition, quality: QualitySettings) -> list[dg.AssetsDefinition]:
    @spark_asset(
        key=["silver", "weather"],
        partitions_def=daily,
        partition_column="observation_date",
        ins={"bronze_weather": dg.AssetIn(key=["bronze", "weather"])},
        column_lineage=LINEAGE,
        checks=quality_checks(NATURAL_KEY, MOSTLY_PRESENT, quality, daily),
    )
    def silver_weather(bronze_weather: DataFrame) -> DataFrame:
        """Hourly weather per origin and UTC hour, deduplicated; units in column names and comments."""
        return clean_weather(bronze_weather)

    return [silver_weather]

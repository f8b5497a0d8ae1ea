"""silver/flights: typed flights, one row per scheduled flight."""

import dagster as dg
from pyspark.sql import DataFrame

from ...resources.delta_io_manager import delta_metadata
from ...transforms.flights import clean_flights
from ..common import OWNERS, SPARK_DELTA


def build(daily: dg.DailyPartitionsDefinition) -> list[dg.AssetsDefinition]:
    @dg.asset(
        key=["silver", "flights"],
        group_name="silver",
        ins={"bronze_flights": dg.AssetIn(key=["bronze", "flights"])},
        partitions_def=daily,
        backfill_policy=dg.BackfillPolicy.single_run(),
        kinds=SPARK_DELTA,
        owners=OWNERS,
        metadata=delta_metadata("flight_date"),
    )
    def silver_flights(bronze_flights: DataFrame) -> DataFrame:
        """Typed flights deduplicated on date, carrier, flight number, origin and scheduled departure."""
        return clean_flights(bronze_flights)

    return [silver_flights]

"""bronze/flights: the airline ops feed's daily CSV files."""

import dagster as dg
from pyspark.sql import DataFrame

from ...ingestion.flight_files import read_flight_files
from ...resources.landing import LandingZone
from ...resources.spark import SparkResource
from ..common import run_window, spark_asset


def build(daily: dg.DailyPartitionsDefinition) -> list[dg.AssetsDefinition]:
    @spark_asset(key=["bronze", "flights"], partitions_def=daily, partition_column="flight_date")
    def bronze_flights(context: dg.AssetExecutionContext, spark: SparkResource, landing: LandingZone) -> DataFrame:
        """Flights as the airline ops feed delivered them, one CSV per day, with source file and ingestion time."""
        start, end = run_window(context)
        missing = landing.missing_days("flights", start, end)
        if missing:
            shown = ", ".join(day.isoformat() for day in missing[:5]) + (" …" if len(missing) > 5 else "")
            raise dg.Failure(
                f"no flights file landed for {len(missing)} day(s): {shown} under {landing.root}/flights/; "
                "run `lakehouse seed` or wait for the feed"
            )
        files = landing.files("flights", start, end)
        context.log.info(f"reading {len(files)} flights file(s) for {start}..{end}")
        return read_flight_files(spark.session, files)

    return [bronze_flights]

"""silver/airlines, silver/airports, silver/planes: the reference dimensions, one row per natural key."""

import dagster as dg
from pyspark.sql import DataFrame

from ...checks import quality_checks
from ...settings.models import QualitySettings
from ...transforms.reference import (
    AIRLINES_LINEAGE,
    AIRPORTS_LINEAGE,
    PLANES_LINEAGE,
    clean_airlines,
    clean_airports,
    clean_planes,
)
from ..common import REFERENCE_REFRESH, spark_asset


def build(daily: dg.DailyPartitionsDefinition, quality: QualitySettings) -> list[dg.AssetsDefinition]:
    @spark_asset(
        key=["silver", "airlines"],
        tags=REFERENCE_REFRESH,
        ins={"bronze_airlines": dg.AssetIn(key=["bronze", "airlines"])},
        column_lineage=AIRLINES_LINEAGE,
        checks=quality_checks(("carrier",), ("name",), quality),
    )
    def silver_airlines(bronze_airlines: DataFrame) -> DataFrame:
        """Airlines by two-letter carrier code."""
        return clean_airlines(bronze_airlines)

    @spark_asset(
        key=["silver", "airports"],
        tags=REFERENCE_REFRESH,
        ins={"bronze_airports": dg.AssetIn(key=["bronze", "airports"])},
        column_lineage=AIRPORTS_LINEAGE,
        checks=quality_checks(("faa",), ("name", "lat", "lon"), quality),
    )
    def silver_airports(bronze_airports: DataFrame) -> DataFrame:
        """Airports by FAA code, with coordinates, altitude and IANA time zone."""
        return clean_airports(bronze_airports)

    @spark_asset(
        key=["silver", "planes"],
        tags=REFERENCE_REFRESH,
        ins={"bronze_planes": dg.AssetIn(key=["bronze", "planes"])},
        column_lineage=PLANES_LINEAGE,
        checks=quality_checks(("tailnum",), ("seats", "engines"), quality),
    )
    def silver_planes(bronze_planes: DataFrame) -> DataFrame:
        """Planes by tail number: build year, type, seats, engines."""
        return clean_planes(bronze_planes)

    return [silver_airlines, silver_airports, silver_planes]

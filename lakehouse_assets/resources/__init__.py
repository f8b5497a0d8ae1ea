"""Resources for one environment, built from its settings in one place."""

from __future__ import annotations

from ..settings import Settings
from .delta_io_manager import DeltaIOManager
from .landing import LandingZone
from .spark import SparkResource


def build_resources(settings: Settings) -> dict[str, object]:
    environment = settings.environment
    spark = SparkResource.from_settings(environment.spark, warehouse_dir=str(settings.home / "spark-warehouse"))
    return {
        "spark": spark,
        "io_manager": DeltaIOManager(spark=spark, warehouse=environment.storage.warehouse, catalog=environment.storage.catalog),
        "landing": LandingZone(
            root=environment.sources.landing,
            drift_policies={
                "flights": environment.sources.flights.drift_policy,
                "weather": environment.sources.weather.drift_policy,
            },
        ),
    }

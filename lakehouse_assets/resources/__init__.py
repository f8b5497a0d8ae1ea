"""Resources for one environment, built from its settings in one place. Secrets are bound as dg.EnvVar only."""

from __future__ import annotations

from ..settings import Settings
from .delta_io_manager import DeltaIOManager
from .landing import LandingZone
from .mlflow_tracking import MlflowRun, MlflowTracking
from .reference_db import ReferenceDatabase
from .report_store import ReportStore
from .spark import SparkResource
from .step_launcher import STEP_LAUNCHER_KEY, step_launcher_resource
from .warehouse import Warehouse
from .weather_source import WeatherSource


def build_resources(settings: Settings) -> dict[str, object]:
    environment = settings.environment
    spark = SparkResource.from_settings(environment.spark, warehouse_dir=str(settings.home / "spark-warehouse"))
    sources = environment.sources
    return {
        "spark": spark,
        "io_manager": DeltaIOManager(
            spark=spark,
            warehouse=environment.storage.warehouse,
            catalog=environment.storage.catalog,
            write_attempts=environment.storage.write_attempts,
        ),
        "landing": LandingZone(
            root=sources.landing,
            file_globs={feed.name: feed.file_glob for feed in settings.feeds.file_feeds},
            # A feed's policy from feeds.json; flights' and weather's from the environment (feeds.json may not set theirs).
            drift_policies={feed.name: feed.drift_policy for feed in settings.feeds.file_feeds}
            | {"flights": sources.flights.drift_policy, "weather": sources.weather.drift_policy},
        ),
        # dagster-mlflow's run of a Dagster run that trains (ended when it is torn down); registry look-ups elsewhere.
        "mlflow": MlflowRun.from_settings(environment.mlflow),
        "model_registry": MlflowTracking.from_settings(environment.mlflow),
        "warehouse": Warehouse(spark=spark, root=environment.storage.warehouse, catalog=environment.storage.catalog),
        # user/password/token are dg.EnvVar: resolved when a run starts, never written to config or metadata.
        "reference_db": ReferenceDatabase.from_settings(
            sources.reference,
            sources.landing,
            environment.spark.packages,
            declared={feed.name: feed.jdbc for feed in settings.feeds.of_format("jdbc") if feed.jdbc},
        ),
        "weather": WeatherSource.from_settings(sources.weather),
        "reports": ReportStore(root=environment.storage.reports),
        STEP_LAUNCHER_KEY: step_launcher_resource(settings),
    }

"""The environment's MLflow: tracking server, model registry, experiment and registered model name."""

import dagster as dg
from pydantic import Field

from ..ml.tracking import MlflowTarget
from ..settings.models import MlflowSettings


class MlflowTracking(dg.ConfigurableResource):
    """Where training runs are logged and models registered. Credentials (Databricks) come from the environment.

    dagster-mlflow's `mlflow_tracking` resource opens one MLflow run per Dagster run when resources initialise
    and relies on a job hook to end it, so a run materialised ad hoc, or one whose training step never ran,
    would be left RUNNING. Here the training step opens and ends its own MLflow run (ml/tracking.py).
    """

    tracking_uri: str
    registry_uri: str | None = None
    experiment: str
    artifact_location: str | None = None
    model_name: str
    ui_url: str | None = Field(default=None, description="Base URL of the MLflow UI, for links in metadata.")

    @classmethod
    def from_settings(cls, settings: MlflowSettings) -> "MlflowTracking":
        return cls(
            tracking_uri=settings.tracking_uri,
            registry_uri=settings.registry_uri,
            experiment=settings.experiment,
            artifact_location=settings.artifact_location,
            model_name=settings.model_name,
            ui_url=settings.ui_url,
        )

    def target(self) -> MlflowTarget:
        return MlflowTarget.from_settings(self)

"""MLflow plumbing: point the client at the environment's stores, and runs that always end FINISHED or FAILED.

In Dagster the training step logs into the MLflow run that dagster-mlflow opened for the Dagster run (the `mlflow`
resource, resources/mlflow_tracking.py) with `logging_into`; `tracked_run` opens and ends a run of its own, for
code that runs outside Dagster (benchmarks, tests, notebooks).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import mlflow
from mlflow.entities import Run, RunStatus
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient


@dataclass(frozen=True)
class MlflowTarget:
    """One environment's MLflow: where runs and models live, and the registered model's name."""

    tracking_uri: str
    registry_uri: str | None
    experiment: str
    artifact_location: str | None
    model_name: str
    ui_url: str | None = None

    @classmethod
    def from_settings(cls, settings) -> MlflowTarget:
        """From the `mlflow` section of an environment (settings.models.MlflowSettings)."""
        ui_url = settings.ui_url
        if ui_url is None and settings.tracking_uri.startswith("databricks") and os.environ.get("DATABRICKS_HOST"):
            ui_url = os.environ["DATABRICKS_HOST"].rstrip("/") + "/ml"
        return cls(
            tracking_uri=settings.tracking_uri,
            registry_uri=settings.registry_uri,
            experiment=settings.experiment,
            artifact_location=settings.artifact_location,
            model_name=settings.model_name,
            ui_url=ui_url,
        )

    def client(self) -> MlflowClient:
        activate(self)
        return MlflowClient(tracking_uri=self.tracking_uri, registry_uri=self.registry_uri or self.tracking_uri)

    def run_url(self, experiment_id: str, run_id: str) -> str | None:
        if not self.ui_url:
            return None
        return f"{self.ui_url.rstrip('/')}/#/experiments/{experiment_id}/runs/{run_id}"

    def version_url(self, version: str) -> str | None:
        if not self.ui_url:
            return None
        return f"{self.ui_url.rstrip('/')}/#/models/{quote(self.model_name)}/versions/{version}"

    def ui_command(self) -> str:
        """How to browse this store locally (a Databricks workspace has its own UI)."""
        if self.tracking_uri.startswith("databricks"):
            return "open the experiment in the Databricks workspace"
        artifacts = f" --default-artifact-root {self.artifact_location}" if self.artifact_location else ""
        return f"mlflow ui --backend-store-uri {self.tracking_uri}{artifacts} --host 127.0.0.1 --port 5000"


def activate(target: MlflowTarget) -> None:
    """Point MLflow's process-wide client at the target (a local SQLite store gets its folder first)."""
    for uri in (target.tracking_uri, target.registry_uri):
        if uri and uri.startswith("sqlite:///"):
            Path(uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    mlflow.set_tracking_uri(target.tracking_uri)
    mlflow.set_registry_uri(target.registry_uri or target.tracking_uri)


def experiment_id(target: MlflowTarget) -> str:
    """The experiment's id, created on first use with the configured artifact location."""
    client = target.client()
    experiment = client.get_experiment_by_name(target.experiment)
    if experiment is not None:
        return experiment.experiment_id
    location = target.artifact_location
    if location and "://" not in location:
        Path(location).mkdir(parents=True, exist_ok=True)
        location = Path(location).resolve().as_uri()
    return client.create_experiment(target.experiment, artifact_location=location)


@contextlib.contextmanager
def tracked_run(target: MlflowTarget, run_name: str, tags: Mapping[str, str]) -> Iterator[Run]:
    """An MLflow run, active for the block: FAILED on an error (with a `failure` tag), KILLED on an interrupt.

    A Dagster run has one MLflow run, the one dagster-mlflow opened and tagged `dagster_run_id` (the `mlflow`
    resource): when `tags` name the Dagster run of the active MLflow run, the block logs into that run, which stays
    open on success for the resource to end. Otherwise (outside Dagster) it is a new run, ended FINISHED on success.
    Either way no run is left RUNNING.
    """
    active = mlflow.active_run()
    dagster_run = tags.get("dagster_run_id")
    if dagster_run and active is not None and dagster_run_of(target, active.info.run_id) == dagster_run:
        with logging_into(target, active.info.run_id, tags, run_name) as run:
            yield run
        return
    experiment = experiment_id(target)
    client = target.client()
    run = client.create_run(experiment, run_name=run_name, tags=dict(tags))
    status = RunStatus.to_string(RunStatus.FAILED)
    try:
        with mlflow.start_run(run_id=run.info.run_id, nested=active is not None):
            yield client.get_run(run.info.run_id)
            status = RunStatus.to_string(RunStatus.FINISHED)
    except KeyboardInterrupt:
        status = RunStatus.to_string(RunStatus.KILLED)
        raise
    except BaseException as error:  # recorded on the run, so the MLflow UI says why it failed
        client.set_tag(run.info.run_id, "failure", f"{type(error).__name__}: {error}"[:4000])
        raise
    finally:
        # start_run's own exit may already have ended it; the explicit status is the one that counts.
        client.set_terminated(run.info.run_id, status=status)


def dagster_run_of(target: MlflowTarget, run_id: str) -> str | None:
    """The `dagster_run_id` tag of a run, read from the store (an active run's own copy predates its tags); None
    for a run the target's store does not hold (one a caller started against another store)."""
    try:
        run = target.client().get_run(run_id)
    except MlflowException:
        return None
    return run.data.tags.get("dagster_run_id")


@contextlib.contextmanager
def logging_into(
    target: MlflowTarget, run_id: str, tags: Mapping[str, str], run_name: str | None = None
) -> Iterator[Run]:
    """The already open MLflow run `run_id` as the active run for the block, with `tags` (and `run_name`) set.

    An error ends it FAILED with a `failure` tag saying why, an interrupt KILLED, and either propagates. On success
    it stays open: whoever opened it ends it (the `mlflow` resource, when its Dagster run is done). A run that is
    not this thread's active run is made active for the block and, as it cannot be handed back open, ends FINISHED.
    """
    client = target.client()
    active = mlflow.active_run()
    made_active = active is None or active.info.run_id != run_id
    if made_active:
        mlflow.start_run(run_id=run_id, nested=active is not None)
    status = RunStatus.to_string(RunStatus.FINISHED) if made_active else None
    try:
        mlflow.set_tags({**tags, **({"mlflow.runName": run_name} if run_name else {})})
        yield client.get_run(run_id)
    except KeyboardInterrupt:
        status = RunStatus.to_string(RunStatus.KILLED)
        raise
    except BaseException as error:  # recorded on the run, so the MLflow UI says why it failed
        client.set_tag(run_id, "failure", f"{type(error).__name__}: {error}"[:4000])
        status = RunStatus.to_string(RunStatus.FAILED)
        raise
    finally:
        if status is not None:
            still_active = mlflow.active_run()
            if still_active is not None and still_active.info.run_id == run_id:
                mlflow.end_run(status=status)
            else:
                client.set_terminated(run_id, status=status)

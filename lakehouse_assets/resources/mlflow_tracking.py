"""The environment's MLflow: the model registry look-ups, and the MLflow run of a Dagster run that trains.

Two resources over the same `mlflow` settings:

- `MlflowTracking` (key `model_registry`): where runs are logged and models registered; scoring, drift, the model
  report and the retraining sensor read the registry through it. It opens no MLflow run.
- `MlflowRun` (key `mlflow`): dagster-mlflow's run resource (`dagster_mlflow.MlFlow`, what `mlflow_tracking`
  builds), required by the training step and, through `end_mlflow_on_run_finished`, by the steps of jobs that
  train. dagster-mlflow opens (or resumes) one MLflow run per Dagster run, tagged `dagster_run_id`, and ends it
  only from the hook, so on its own a run materialised ad hoc, a failing step or a run whose training step never
  starts would stay RUNNING. This resource ends whatever is still open when it is torn down, with an honest
  status: FAILED (and a `failure` tag naming the failed steps) when a step of the Dagster run failed, KILLED when
  the run was cancelled, FINISHED otherwise.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import dagster as dg
import mlflow
from dagster_mlflow.resources import MlFlow  # what `mlflow_tracking` builds
from mlflow.entities import RunStatus
from pydantic import Field, PrivateAttr

from ..ml.tracking import MlflowTarget, dagster_run_of, experiment_id
from ..settings.models import MlflowSettings

FINISHED, FAILED, KILLED = (RunStatus.to_string(s) for s in (RunStatus.FINISHED, RunStatus.FAILED, RunStatus.KILLED))
RUNNING = RunStatus.to_string(RunStatus.RUNNING)
_CANCELLED = (dg.DagsterRunStatus.CANCELING, dg.DagsterRunStatus.CANCELED)


class MlflowTracking(dg.ConfigurableResource):
    """Where training runs are logged and models registered. Credentials (Databricks) come from the environment."""

    tracking_uri: str
    registry_uri: str | None = None
    experiment: str
    artifact_location: str | None = None
    model_name: str
    ui_url: str | None = Field(default=None, description="Base URL of the MLflow UI, for links in metadata.")

    @classmethod
    def from_settings(cls, settings: MlflowSettings):
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


@dataclass(frozen=True)
class _MlflowInit:
    """What `dagster_mlflow.MlFlow` reads from an InitResourceContext (without the context's deprecated
    `run_id` / `dagster_run`), with dagster-mlflow's own config keys."""

    log: Any
    dagster_run: dg.DagsterRun
    resource_config: Mapping[str, Any]

    @property
    def run_id(self) -> str:
        return self.dagster_run.run_id


class MlflowRun(MlflowTracking):
    """The MLflow run of this Dagster run, through dagster-mlflow; never left RUNNING (see the module docstring).

    The training step logs into `run_id` (`target()` says where); `end_run(status)` is what
    `end_mlflow_on_run_finished` calls, and teardown calls it for whatever is still open.
    """

    _mlflow: MlFlow | None = PrivateAttr(default=None)
    _run_id: str | None = PrivateAttr(default=None)
    _instance: dg.DagsterInstance | None = PrivateAttr(default=None)
    _dagster_run_id: str | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        if context.run is None:
            raise dg.DagsterInvariantViolationError(
                "the `mlflow` resource opens the MLflow run of a Dagster run and has none here; outside a run use "
                "`model_registry` or lakehouse_assets.ml.tracking.tracked_run"
            )
        target = self.target()
        experiment_id(target)  # created with the configured artifact location (MlFlow would create it without)
        config: dict[str, Any] = {"experiment_name": target.experiment, "mlflow_tracking_uri": target.tracking_uri}
        active = mlflow.active_run()
        if active is not None and dagster_run_of(target, active.info.run_id) != context.run.run_id:
            # Someone else's run is active in this process (a notebook, a caller's run): nest under it rather than
            # let MlFlow adopt it as this Dagster run's run; ending ours leaves theirs as it was.
            config["parent_run_id"] = active.info.run_id
        self._instance = context.instance
        self._dagster_run_id = context.run.run_id
        self._mlflow = MlFlow(_MlflowInit(log=context.log, dagster_run=context.run, resource_config=config))
        self._run_id = mlflow.active_run().info.run_id  # the run MlFlow started or resumed

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._run_id is None:
            return
        if self._dagster_run_status() in _CANCELLED:
            self.end_run(KILLED)
        else:
            self.end_run(FAILED if self._failed_steps() else FINISHED)

    @property
    def run_id(self) -> str:
        """The MLflow run of this Dagster run (opened or resumed by dagster-mlflow, tagged `dagster_run_id`)."""
        if self._run_id is None:
            raise dg.DagsterInvariantViolationError("the `mlflow` resource is used outside a Dagster run")
        return self._run_id

    def end_run(self, status: str = FINISHED) -> None:
        """End this Dagster run's MLflow run with `status` if it is still RUNNING (a run the training step has
        ended FAILED or KILLED keeps that status), and take it off MLflow's active-run stack either way."""
        client = self.target().client()
        run = client.get_run(self.run_id)
        if run.info.status == RUNNING:
            if status == FAILED and "failure" not in run.data.tags:
                failed = ", ".join(self._failed_steps()) or "?"
                reason = f"Dagster run {self._dagster_run_id}: step(s) {failed} failed"
                client.set_tag(self.run_id, "failure", reason[:4000])
            client.set_terminated(self.run_id, status=status)
        active = mlflow.active_run()
        if active is not None and active.info.run_id == self.run_id:
            mlflow.end_run(status=client.get_run(self.run_id).info.status)  # pops it, keeping the status recorded

    def _failed_steps(self) -> list[str]:
        """Keys of the steps of this Dagster run that failed, from its event log ([] when it cannot be read)."""
        if self._instance is None or self._dagster_run_id is None:
            return []
        try:
            records = self._instance.get_records_for_run(
                self._dagster_run_id, of_type=dg.DagsterEventType.STEP_FAILURE
            ).records
        except Exception:  # e.g. a remote step whose instance is not reachable
            return []
        return sorted({record.event_log_entry.step_key or "?" for record in records})

    def _dagster_run_status(self) -> dg.DagsterRunStatus | None:
        if self._instance is None or self._dagster_run_id is None:
            return None
        try:
            run = self._instance.get_run_by_id(self._dagster_run_id)
        except Exception:  # as above
            return None
        return run.status if run else None

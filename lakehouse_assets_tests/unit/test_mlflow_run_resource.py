"""The `mlflow` resource: dagster-mlflow's MLflow run of a Dagster run, never left RUNNING, without Spark.

Small assets stand in for the training step (they log through `tracked_run`, as ml/publish.py does); the
integration tests in test_ml_lifecycle.py do the same with the real one.
"""

import dagster as dg
import mlflow
import pytest
from dagster_mlflow import end_mlflow_on_run_finished
from mlflow import log_metric

from lakehouse_assets.ml.tracking import tracked_run
from lakehouse_assets.resources.mlflow_tracking import MlflowRun
from lakehouse_assets_tests.ml_data import local_mlflow


@pytest.fixture
def resource(tmp_path) -> MlflowRun:
    return MlflowRun.from_settings(local_mlflow(tmp_path))  # a target has the fields of the mlflow settings


@dg.asset
def trains(context: dg.AssetExecutionContext, mlflow: MlflowRun) -> None:
    with tracked_run(mlflow.target(), "trains", {"dagster_run_id": context.run.run_id}) as run:
        assert run.info.run_id == mlflow.run_id  # the step joins the run dagster-mlflow opened
        log_metric("holdout_roc_auc", 0.7)


@dg.asset
def fails(context: dg.AssetExecutionContext, mlflow: MlflowRun) -> None:
    with tracked_run(mlflow.target(), "fails", {"dagster_run_id": context.run.run_id}):
        raise ValueError("no rows")


@dg.asset(key="upstream")
def broken_upstream() -> None:
    raise RuntimeError("upstream broke")


@dg.asset(deps=["upstream"])
def downstream_trains(context: dg.AssetExecutionContext, mlflow: MlflowRun) -> None:
    raise AssertionError("never runs")


def runs_of(resource: MlflowRun, dagster_run_id: str):
    client = resource.target().client()
    experiment = client.get_experiment_by_name(resource.experiment)
    return client.search_runs([experiment.experiment_id], f"tags.dagster_run_id = '{dagster_run_id}'")


def materialize(assets, resource: MlflowRun, instance) -> dg.ExecuteInProcessResult:
    return dg.materialize(assets, resources={"mlflow": resource}, instance=instance, raise_on_error=False)


def test_an_ad_hoc_run_ends_finished_with_what_it_logged(resource) -> None:
    with dg.instance_for_test() as instance:
        result = materialize([trains], resource, instance)
    assert result.success
    (run,) = runs_of(resource, result.run_id)
    assert run.info.status == "FINISHED" and run.data.metrics["holdout_roc_auc"] == 0.7
    assert run.info.run_name == "trains"
    assert mlflow.active_run() is None


def test_a_failing_step_ends_failed_with_its_error(resource) -> None:
    with dg.instance_for_test() as instance:
        result = materialize([fails], resource, instance)
    assert not result.success
    (run,) = runs_of(resource, result.run_id)
    assert run.info.status == "FAILED" and run.data.tags["failure"] == "ValueError: no rows"
    assert mlflow.active_run() is None


def test_a_training_step_that_never_starts_ends_failed_naming_the_failed_step(resource) -> None:
    with dg.instance_for_test() as instance:
        result = materialize([broken_upstream, downstream_trains], resource, instance)
    assert not result.success
    (run,) = runs_of(resource, result.run_id)
    assert run.info.status == "FAILED" and "step(s) upstream failed" in run.data.tags["failure"]
    assert mlflow.active_run() is None


def test_a_job_with_the_hook_ends_finished(resource) -> None:
    job = dg.define_asset_job("trains_job", selection=[trains], hooks={end_mlflow_on_run_finished})
    defs = dg.Definitions(assets=[trains], jobs=[job], resources={"mlflow": resource})
    with dg.instance_for_test() as instance:
        result = defs.resolve_job_def("trains_job").execute_in_process(instance=instance)
    (run,) = runs_of(resource, result.run_id)
    assert run.info.status == "FINISHED"
    assert mlflow.active_run() is None


def test_a_callers_active_run_is_nested_under_not_taken_over(resource) -> None:
    target = resource.target()
    with tracked_run(target, "caller", {}) as caller, dg.instance_for_test() as instance:
        result = materialize([trains], resource, instance)
        assert mlflow.active_run().info.run_id == caller.info.run_id  # still the caller's, still open
    (run,) = runs_of(resource, result.run_id)
    assert run.info.run_id != caller.info.run_id and run.info.status == "FINISHED"
    assert run.data.tags["mlflow.parentRunId"] == caller.info.run_id
    assert "dagster_run_id" not in target.client().get_run(caller.info.run_id).data.tags

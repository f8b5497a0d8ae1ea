"""An MLflow run opened for training always ends: FINISHED, FAILED or KILLED, never left RUNNING."""

import mlflow
import pytest

from lakehouse_assets.ml.tracking import experiment_id, tracked_run
from lakehouse_assets_tests.ml_data import local_mlflow


def status_of(target, run_id: str) -> str:
    return target.client().get_run(run_id).info.status


def test_a_run_that_completes_ends_finished_with_what_it_logged(tmp_path) -> None:
    target = local_mlflow(tmp_path)
    with tracked_run(target, "ok", {"dagster_run_id": "abc"}) as run:
        mlflow.log_metric("holdout_roc_auc", 0.75)
    finished = target.client().get_run(run.info.run_id)
    assert finished.info.status == "FINISHED"
    assert finished.data.metrics["holdout_roc_auc"] == 0.75
    assert finished.data.tags["dagster_run_id"] == "abc"
    assert mlflow.active_run() is None


def test_a_run_that_raises_ends_failed_and_the_error_propagates(tmp_path) -> None:
    target = local_mlflow(tmp_path)
    with pytest.raises(RuntimeError, match="boom"), tracked_run(target, "broken", {}) as run:
        raise RuntimeError("boom")
    assert status_of(target, run.info.run_id) == "FAILED"
    assert mlflow.active_run() is None


def test_an_interrupted_run_ends_killed(tmp_path) -> None:
    target = local_mlflow(tmp_path)
    with pytest.raises(KeyboardInterrupt), tracked_run(target, "stopped", {}) as run:
        raise KeyboardInterrupt
    assert status_of(target, run.info.run_id) == "KILLED"


def test_experiment_is_created_once_with_the_configured_artifact_location(tmp_path) -> None:
    target = local_mlflow(tmp_path)
    first = experiment_id(target)
    assert experiment_id(target) == first
    location = target.client().get_experiment(first).artifact_location
    assert location == (tmp_path / "artifacts").resolve().as_uri()

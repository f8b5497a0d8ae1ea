"""The model lifecycle through Dagster on ten real days: train, track, register, gate, score, drift.

One demo-like run of the whole graph is shared by the module (test.yaml trains on 2013-01-01..07 and holds out
01-08..10); the tests after it train again, re-score and fail on purpose against the same stores. The last ones
read the MLflow store after each way a training run can end (a `weekly_training` job run, an ad-hoc
materialisation, a failing training step, a run whose training step never starts): no MLflow run is
left RUNNING, and each Dagster run has one MLflow run, tagged with its id by dagster-mlflow, with the right status.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import mlflow
import pytest
from mlflow.entities import Run
from pyspark.sql import functions as F

from lakehouse_assets.checks.drift import latest_drift_result
from lakehouse_assets.checks.names import CHALLENGER_PROMOTED, EVERY_FLIGHT_SCORED, FEATURE_DRIFT_WITHIN_THRESHOLD
from lakehouse_assets.definitions import build_definitions
from lakehouse_assets.jobs import TRAINING
from lakehouse_assets.ml.registry import CHALLENGER, CHAMPION, version_by_alias
from lakehouse_assets.ml.tracking import MlflowTarget
from lakehouse_assets.runs import demo_selection, materialize_range
from lakehouse_assets.seed import seed_landing_zone
from lakehouse_assets.settings import Settings, load_settings
from lakehouse_assets.settings.ml import DateWindow
from lakehouse_assets.tables import TableLocator, read_table
from lakehouse_assets.transforms.features import FEATURE_COLUMNS, KEY_COLUMNS
from lakehouse_assets_tests.check_days import by_day

pytestmark = [pytest.mark.integration, pytest.mark.slow]

FIRST, LAST = date(2013, 1, 1), date(2013, 1, 10)
MODEL = dg.AssetKey(["ml", "delay_model"])
SCORES = dg.AssetKey(["scores", "flight_delay_scores"])
DRIFT = dg.AssetKey(["ml", "feature_drift"])
MODEL_REPORT = dg.AssetKey(["reports", "model_performance"])


@dataclass
class Lifecycle:
    settings: Settings
    instance: dg.DagsterInstance
    result: dg.ExecuteInProcessResult
    target: MlflowTarget

    def table(self, spark, layer: str, name: str):
        return read_table(spark, TableLocator(self.settings.environment.storage.warehouse).locate(layer, name))


def with_ml(settings: Settings, **changes) -> Settings:
    ml = settings.environment.ml.model_copy(update=changes)
    return Settings(**{**settings.__dict__, "environment": settings.environment.model_copy(update={"ml": ml})})


def weak(settings: Settings) -> Settings:
    """Fifty training rows and ten stumps: a model that knows little, trained in seconds."""
    tuning = settings.environment.ml.tuning.model_copy(
        update={"max_iter": 10, "grid": {"max_leaf_nodes": (2,), "learning_rate": (0.01,)}}
    )
    return with_ml(settings, max_training_rows=50, tuning=tuning)


def mlflow_runs(lifecycle: Lifecycle, dagster_run_id: str | None = None) -> list[Run]:
    """The experiment's MLflow runs (of one Dagster run, by dagster-mlflow's `dagster_run_id` tag), newest first."""
    client = lifecycle.target.client()
    experiment = client.get_experiment_by_name(lifecycle.target.experiment)
    where = f"tags.dagster_run_id = '{dagster_run_id}'" if dagster_run_id else ""
    return client.search_runs([experiment.experiment_id], where, order_by=["attributes.start_time DESC"])


def assert_none_running(lifecycle: Lifecycle) -> None:
    assert [(r.info.run_id, r.info.run_name) for r in mlflow_runs(lifecycle) if r.info.status == "RUNNING"] == []


def model_run(defs: dg.Definitions, instance: dg.DagsterInstance) -> dg.ExecuteInProcessResult:
    """ml/delay_model on its own, ad hoc, as the UI's Materialize button would run it."""
    return dg.materialize(
        [defs.get_assets_def(MODEL)], instance=instance, resources=defs.resources, raise_on_error=False
    )


@pytest.fixture(scope="module")
def lifecycle(spark, tmp_path_factory) -> Lifecycle:
    home = tmp_path_factory.mktemp("ml-lifecycle")
    with pytest.MonkeyPatch.context() as patch, dg.instance_for_test() as instance:
        patch.setenv("LAKEHOUSE_HOME", str(home))
        settings = load_settings("test")
        ml = settings.environment.ml
        assert (FIRST, LAST) == (ml.training.start, ml.holdout.end), "the run must cover test.yaml's windows"
        seed_landing_zone(settings.environment.sources.landing, FIRST, LAST)
        selection, notes = demo_selection(ml, FIRST, LAST, champion_exists=lambda: False)
        assert notes == []
        result = materialize_range(build_definitions(settings), FIRST, LAST, selection, instance, raise_on_error=False)
        yield Lifecycle(settings, instance, result, MlflowTarget.from_settings(settings.environment.mlflow))


def test_one_run_trains_registers_promotes_and_tracks_in_mlflow(lifecycle) -> None:
    assert lifecycle.result.success
    client, name = lifecycle.target.client(), lifecycle.target.model_name
    champion = version_by_alias(client, name, CHAMPION)
    assert str(champion.version) == "1" == str(version_by_alias(client, name, CHALLENGER).version)

    run = client.get_run(champion.run_id)
    assert run.info.status == "FINISHED"
    assert run.data.tags["dagster_run_id"] == lifecycle.result.run_id
    for metric in ("holdout_roc_auc", "holdout_brier", "holdout_log_loss", "holdout_pr_auc", "baseline_roc_auc",
                   "holdout_expected_calibration_error", "cv_roc_auc", "lift_roc_auc"):  # fmt: skip
        assert metric in run.data.metrics, metric
    assert 0.5 < run.data.metrics["holdout_roc_auc"] <= 1
    assert run.data.params["training_end"] == "2013-01-07"
    artifacts = {
        a.path for folder in ("plots", "evaluation", "drift") for a in client.list_artifacts(run.info.run_id, folder)
    }
    assert artifacts == {
        "plots/roc.png", "plots/precision_recall.png", "plots/calibration.png", "plots/feature_importance.png",
        "evaluation/holdout_metrics.json", "evaluation/per_day_metrics.csv", "evaluation/calibration.csv",
        "evaluation/holdout_predictions.parquet", "evaluation/cv_results.csv", "evaluation/feature_importance.csv",
        "drift/reference_profile.json",
    }  # fmt: skip
    info = mlflow.models.get_model_info(f"models:/{name}/1")
    assert info.signature.inputs.input_names() == list(FEATURE_COLUMNS)
    assert info.saved_input_example_info is not None

    materialization = next(
        e.materialization
        for e in lifecycle.result.get_asset_materialization_events()
        if e.materialization.asset_key == MODEL
    )
    metadata = {key: value.value for key, value in materialization.metadata.items()}
    assert metadata["mlflow_run_id"] == run.info.run_id
    assert metadata["model_uri"] == f"models:/{name}/1" and metadata["model_version"] == 1
    assert metadata["mlflow_run"].endswith(f"/runs/{run.info.run_id}")
    assert metadata["holdout_roc_auc"] == pytest.approx(run.data.metrics["holdout_roc_auc"])
    gate = next(c for c in lifecycle.result.get_asset_check_evaluations() if c.check_name == CHALLENGER_PROMOTED)
    assert gate.passed and gate.metadata["reason"].value == "no champion yet"


def test_every_flight_of_the_range_is_scored_by_the_champion(spark, lifecycle) -> None:
    scores = lifecycle.table(spark, "scores", "flight_delay_scores")
    features = lifecycle.table(spark, "features", "flight_features")
    assert scores.count() == features.count() > 8000
    assert features.select(*KEY_COLUMNS).exceptAll(scores.select(*KEY_COLUMNS)).count() == 0
    score_days = {row.flight_date: row for row in scores.groupBy("flight_date").agg(
        F.collect_set("model_version").alias("versions"), F.collect_set("in_sample").alias("in_sample"),
        F.min("delay_probability").alias("low"), F.max("delay_probability").alias("high"), F.count("*").alias("rows"),
    ).collect()}  # fmt: skip
    assert sorted(score_days) == [FIRST + timedelta(days=n) for n in range(10)]
    for day, row in score_days.items():
        assert row.versions == [1]
        assert row.in_sample == [day <= date(2013, 1, 7)]
        assert 0 <= row.low <= row.high <= 1
    scored = by_day(lifecycle.result, dg.AssetKey(["scores", "flight_delay_scores"]))[EVERY_FLIGHT_SCORED]
    assert sorted(scored) == [(FIRST + timedelta(days=n)).isoformat() for n in range(10)]
    assert all(check.passed and check.metadata["flights_unscored"].value == 0 for check in scored.values())
    assert [scored[day.isoformat()].metadata["rows"].value for day in sorted(score_days)] == [score_days[day].rows for day in sorted(score_days)]


def test_drift_is_measured_per_day_and_feature_and_judged(spark, lifecycle) -> None:
    drift = lifecycle.table(spark, "ml", "feature_drift")
    assert drift.select("flight_date").distinct().count() == 10
    assert drift.select("feature").distinct().count() == len(FEATURE_COLUMNS)
    assert drift.where("psi < 0 OR psi IS NULL").count() == 0
    days = by_day(lifecycle.result, dg.AssetKey(["ml", "feature_drift"]))[FEATURE_DRIFT_WITHIN_THRESHOLD]
    assert len(days) == 10
    flagged = drift.where(F.col("psi") > F.lit(lifecycle.settings.environment.ml.drift.psi_threshold))
    drifted = {
        row.flight_date.isoformat(): sorted(row.features)
        for row in flagged.groupBy("flight_date").agg(F.collect_set("feature").alias("features")).collect()
    }
    # Each day passes exactly when none of its features drifted, and names the ones that did.
    assert sorted(day for day, check in days.items() if not check.passed) == sorted(drifted)
    for day, features in drifted.items():
        assert days[day].metadata["drifted_features"].value == features
    # What a retraining sensor reads, from the Dagster instance alone: the whole run's days.
    latest = latest_drift_result(lifecycle.instance)
    assert latest.passed == (not drifted) and latest.model_version == 1
    assert list(latest.drifted_features) == sorted({feature for features in drifted.values() for feature in features})
    assert latest.run_id == lifecycle.result.run_id
    assert latest.max_psi == pytest.approx(drift.agg(F.max("psi")).first()[0])


def test_the_operations_and_model_reports_are_written_with_their_summaries(lifecycle) -> None:
    metadata = {}
    for event in lifecycle.result.get_asset_materialization_events():
        materialization = event.materialization
        if materialization.asset_key.path[0] == "reports":
            name = (materialization.asset_key.path[1], materialization.partition)
            metadata[name] = {key: value.value for key, value in materialization.metadata.items()}
    days = [FIRST + timedelta(days=n) for n in range(10)]
    assert {day for report, day in metadata if report == "daily_operations"} == {d.isoformat() for d in days}
    first, later = metadata["daily_operations", "2013-01-01"], metadata["daily_operations", "2013-01-09"]
    assert "yesterday_roc_auc" not in first and "not judged yet" in first["summary"]  # nothing scored on 12-31
    assert later["trailing_days"] == 8 and later["flights_scored"] > 500
    assert 0 < later["yesterday_roc_auc"] <= 1 and later["yesterday_flights_judged"] > 500
    assert "![late arrivals against the trailing days](data:image/png;base64," in later["summary"]
    page = Path(later["report"]).read_text()
    assert "How the predictions for 2013-01-08 fared" in page and "The 20 highest-risk flights" in page

    model = metadata["model_performance", None]
    run = lifecycle.target.client().get_run(model["mlflow_run_id"])
    assert model["model_version"] == 1 and model["promoted_to_champion"] is True
    assert model["holdout_roc_auc"] == pytest.approx(run.data.metrics["holdout_roc_auc"])
    assert model["mlflow_run"].endswith(f"/runs/{run.info.run_id}")
    assert model["drift_days"] == 10 and "![ROC on the holdout](data:image/png;base64," in model["summary"]
    page = Path(model["report"]).read_text()
    assert Path(model["report"]).name == f"{lifecycle.target.model_name}-v1.html"
    assert "There was no previous champion" in page and "Promoted to champion: no champion yet" in page


def test_a_worse_challenger_is_refused_and_the_champion_stays(lifecycle) -> None:
    result = model_run(build_definitions(weak(lifecycle.settings)), lifecycle.instance)
    assert result.success
    gate = next(c for c in result.get_asset_check_evaluations() if c.check_name == CHALLENGER_PROMOTED)
    assert not gate.passed and gate.severity == dg.AssetCheckSeverity.WARN
    values = {key: value.value for key, value in gate.metadata.items()}
    assert (values["champion_version"], values["challenger_version"]) == ("1", "2")
    assert values["challenger_score"] < values["champion_score"]
    assert "does not beat champion v1" in values["reason"]
    client, name = lifecycle.target.client(), lifecycle.target.model_name
    assert str(version_by_alias(client, name, CHAMPION).version) == "1"
    assert str(version_by_alias(client, name, CHALLENGER).version) == "2"
    assert client.get_run(client.get_model_version(name, "2").run_id).info.status == "FINISHED"


def test_the_model_report_of_a_refused_challenger_sets_it_against_the_champion_on_the_same_rows(lifecycle) -> None:
    # Runs after the refused v2 above: the report reads v2's run, the gate's check result and v1's predictions.
    defs = build_definitions(lifecycle.settings)
    result = dg.materialize(
        [defs.get_assets_def(MODEL_REPORT)], instance=lifecycle.instance, resources=defs.resources
    )
    materialization = result.asset_materializations_for_node("reports__model_performance")[0]
    metadata = {key: value.value for key, value in materialization.metadata.items()}
    assert metadata["model_version"] == 2 and metadata["promoted_to_champion"] is False
    assert metadata["gate_champion_score"] > metadata["holdout_roc_auc"] and metadata["drift_days"] == 0
    page = Path(metadata["report"]).read_text()
    assert "v1 (previous champion)" in page and "holdout rows</td>" in page  # compared row for row
    assert "Not promoted; the champion stayed: challenger v2 does not beat champion v1" in page
    assert "No drift has been measured against v2" in page and "the champion is v1" in page


def test_rescoring_a_day_with_the_same_version_changes_nothing_but_scored_at(spark, lifecycle) -> None:
    day = date(2013, 1, 9)

    def of_day(layer: str, name: str):
        return lifecycle.table(spark, layer, name).where(F.col("flight_date") == F.lit(day))

    scores = of_day("scores", "flight_delay_scores")
    before, drift_before = scores.drop("scored_at").collect(), of_day("ml", "feature_drift").collect()
    assert drift_before, "the lifecycle run measured no drift for the day"
    stamp_before = scores.agg(F.max("scored_at")).first()[0]
    result = materialize_range(
        build_definitions(lifecycle.settings), day, day, dg.AssetSelection.assets(SCORES, DRIFT), lifecycle.instance
    )
    assert result.success
    again = of_day("scores", "flight_delay_scores")
    assert sorted(again.drop("scored_at").collect()) == sorted(before)
    assert again.agg(F.max("scored_at")).first()[0] > stamp_before
    assert again.select("model_version").distinct().collect()[0][0] == 1  # the champion, not the refused v2
    assert sorted(of_day("ml", "feature_drift").collect()) == sorted(drift_before)
    assert mlflow_runs(lifecycle, result.run_id) == []  # scoring and drift read the registry: no MLflow run


def test_a_training_run_that_fails_ends_its_mlflow_run_failed(lifecycle) -> None:
    missing = with_ml(
        lifecycle.settings,
        training=DateWindow(start=date(2013, 3, 1), end=date(2013, 3, 7)),
        holdout=DateWindow(start=date(2013, 3, 8), end=date(2013, 3, 9)),
    )
    result = model_run(build_definitions(missing), lifecycle.instance)
    assert not result.success
    message = result.failure_data_for_node("ml__delay_model").error.to_string()
    assert "features/flight_features has no rows for 7 day(s) of 2013-03-01..2013-03-07" in message
    (run,) = mlflow_runs(lifecycle, result.run_id)  # dagster-mlflow's run of this Dagster run, ended by the step
    assert run.info.status == "FAILED"
    assert "has no rows for 7 day(s)" in run.data.tags["failure"]
    assert_none_running(lifecycle)


def test_mlflow_store_is_under_lakehouse_home(lifecycle) -> None:
    assert Path(lifecycle.target.tracking_uri.removeprefix("sqlite:///")).is_file()
    assert str(lifecycle.settings.home) in lifecycle.target.tracking_uri


# The MLflow run of a Dagster run that trains, however it ends (the tests above cover what a run logs).


def test_a_weekly_training_job_run_ends_its_mlflow_run_finished(lifecycle) -> None:
    defs = build_definitions(weak(lifecycle.settings))
    result = defs.resolve_job_def("weekly_training").execute_in_process(instance=lifecycle.instance)
    assert result.success
    (run,) = mlflow_runs(lifecycle, result.run_id)
    assert run.info.status == "FINISHED"
    assert run.data.params["max_training_rows"] == "50" and "holdout_roc_auc" in run.data.metrics
    materialization = result.asset_materializations_for_node("ml__delay_model")[0]
    version = str(materialization.metadata["model_version"].value)
    assert materialization.metadata["mlflow_run_id"].value == run.info.run_id
    assert lifecycle.target.client().get_model_version(lifecycle.target.model_name, version).run_id == run.info.run_id
    assert_none_running(lifecycle)


def test_an_ad_hoc_materialisation_ends_its_mlflow_run_finished(lifecycle) -> None:
    """ml/delay_model alone, as the UI's Materialize button runs it: no job, so no hook ends the run."""
    result = model_run(build_definitions(weak(lifecycle.settings)), lifecycle.instance)
    assert result.success
    (run,) = mlflow_runs(lifecycle, result.run_id)
    assert run.info.status == "FINISHED" and "holdout_roc_auc" in run.data.metrics
    assert run.info.run_name == "delay_model 2013-01-01..2013-01-07"
    assert_none_running(lifecycle)


def test_a_run_whose_training_step_never_starts_ends_its_mlflow_run_failed(lifecycle) -> None:
    """The upstream step fails first in the same run: the training step is skipped, but the `mlflow` resource
    opened the MLflow run when the run started."""

    @dg.asset(key=["features", "flight_features"])
    def broken_features() -> None:
        raise RuntimeError("features could not be built")

    defs = build_definitions(lifecycle.settings)
    result = dg.materialize(
        [broken_features, defs.get_assets_def(TRAINING)],
        instance=lifecycle.instance,
        resources=defs.resources,
        raise_on_error=False,
    )
    assert not result.success
    assert "ml__delay_model" not in {e.step_key for e in result.all_events if e.is_step_start}
    (run,) = mlflow_runs(lifecycle, result.run_id)
    assert run.info.status == "FAILED"
    assert "features__flight_features" in run.data.tags["failure"]
    assert_none_running(lifecycle)

"""The retraining sensor: it asks for the training job when the champion is missing or old, once per cooldown,
and never while a training run is in progress. MLflow is a real local store; the Dagster instance is real."""

import dataclasses
from datetime import UTC, datetime, timedelta

import dagster as dg
import pytest
from dagster._core.storage.dagster_run import DagsterRun

from lakehouse_assets.ml.registry import CHAMPION, set_alias
from lakehouse_assets.resources.mlflow_tracking import MlflowTracking
from lakehouse_assets.sensors.retraining import REASONS_TAG, build_retraining_sensor, cooldown_left
from lakehouse_assets.settings.ml import RetrainingSettings
from lakehouse_assets_tests.ml_data import local_mlflow

SETTINGS = RetrainingSettings(job="weekly_training", max_model_age_days=30, cooldown_hours=24)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def tracking(tmp_path) -> MlflowTracking:
    return MlflowTracking(**dataclasses.asdict(local_mlflow(tmp_path)))


def register_champion(tracking: MlflowTracking, tmp_path) -> datetime:
    """A registered version with the champion alias (its files do not matter here: only its age is read)."""
    client = tracking.target().client()
    client.create_registered_model(tracking.model_name)
    (tmp_path / "model").mkdir()
    version = client.create_model_version(tracking.model_name, source=str(tmp_path / "model"))
    set_alias(client, tracking.model_name, CHAMPION, version.version)
    return datetime.fromtimestamp(version.creation_timestamp / 1000, UTC)


def evaluate(sensor, instance, tracking, cursor=None):
    context = dg.build_sensor_context(instance=instance, cursor=cursor, resources={"model_registry": tracking})
    return sensor(context), context.cursor


def test_cooldown_left_counts_from_the_last_request() -> None:
    now = datetime(2014, 1, 10, 12, tzinfo=UTC)
    day = timedelta(hours=24)
    assert cooldown_left(None, now, day) is None
    assert cooldown_left(now - timedelta(hours=30), now, day) is None
    assert cooldown_left(now - timedelta(hours=20), now, day) == timedelta(hours=4)


def test_no_champion_requests_training_once_per_cooldown(tracking) -> None:
    clock = Clock(datetime.now(UTC))
    sensor = build_retraining_sensor(SETTINGS, clock=clock)
    with dg.instance_for_test() as instance:
        request, cursor = evaluate(sensor, instance, tracking)
        assert isinstance(request, dg.RunRequest), request
        assert request.tags[REASONS_TAG] == "no champion model"
        assert cursor == clock.now.isoformat()

        clock.now += timedelta(hours=23)
        skipped, same_cursor = evaluate(sensor, instance, tracking, cursor)
        assert isinstance(skipped, dg.SkipReason) and "cooldown ends in 1.0 h" in skipped.skip_message
        assert same_cursor == cursor

        clock.now += timedelta(hours=2)
        again, _ = evaluate(sensor, instance, tracking, cursor)
        assert isinstance(again, dg.RunRequest) and again.run_key != request.run_key


def test_a_training_run_in_progress_holds_the_request(tracking) -> None:
    sensor = build_retraining_sensor(SETTINGS, clock=Clock(datetime.now(UTC)))
    with dg.instance_for_test() as instance:
        instance.add_run(DagsterRun(job_name="weekly_training", run_id="a" * 36, status=dg.DagsterRunStatus.STARTED))
        skipped, cursor = evaluate(sensor, instance, tracking)
        assert isinstance(skipped, dg.SkipReason) and "a" * 36 in skipped.skip_message
        assert cursor is None  # nothing was requested, so no cooldown starts


def test_a_fresh_champion_is_left_alone_until_it_is_too_old(tracking, tmp_path) -> None:
    registered = register_champion(tracking, tmp_path)
    clock = Clock(registered + timedelta(days=29))
    sensor = build_retraining_sensor(SETTINGS, clock=clock)
    with dg.instance_for_test() as instance:
        fresh, _ = evaluate(sensor, instance, tracking)
        assert isinstance(fresh, dg.SkipReason) and "fresh" in fresh.skip_message

        clock.now = registered + timedelta(days=31)
        old, _ = evaluate(sensor, instance, tracking)
        assert isinstance(old, dg.RunRequest)
        assert old.tags[REASONS_TAG] == "champion v1 is 31.0 days old (limit 30)"


def test_the_sensor_targets_the_configured_training_job(lakehouse_home) -> None:
    from lakehouse_assets.definitions import build_definitions
    from lakehouse_assets.settings import load_settings

    defs = build_definitions(load_settings("test"))
    sensor = defs.resolve_sensor_def("retraining_sensor")
    assert sensor.job_name == "weekly_training"
    assert defs.resolve_job_def("weekly_training").name == "weekly_training"

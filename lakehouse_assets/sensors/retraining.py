"""retraining_sensor: drift on the champion, or a champion past its age limit, requests the training job — once
per cooldown, and never while a training run is already queued or running."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import dagster as dg

from ..checks.drift import latest_drift_result
from ..ml.retraining import champion_age, retraining_reasons
from ..resources.mlflow_tracking import MlflowTracking
from ..settings.ml import RetrainingSettings

SENSOR_NAME = "retraining_sensor"
REASONS_TAG = "lakehouse/retraining_reasons"
IN_PROGRESS = [
    dg.DagsterRunStatus.QUEUED, dg.DagsterRunStatus.NOT_STARTED, dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED,
]  # fmt: skip


def cooldown_left(last_request: datetime | None, now: datetime, cooldown: timedelta) -> timedelta | None:
    """How long the sensor must still wait after its last request (None: it may request now)."""
    if last_request is None or now - last_request >= cooldown:
        return None
    return cooldown - (now - last_request)


def build_retraining_sensor(
    retraining: RetrainingSettings, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
) -> dg.SensorDefinition:
    cooldown = timedelta(hours=retraining.cooldown_hours)

    @dg.sensor(
        name=SENSOR_NAME,
        job_name=retraining.job,
        minimum_interval_seconds=retraining.interval_minutes * 60,
        default_status=dg.DefaultSensorStatus.STOPPED,
        description=(
            f"Requests {retraining.job} when the feature-drift check flags drift from the champion's training window "
            f"or the champion is older than {retraining.max_model_age_days:g} days; at most one request per "
            f"{retraining.cooldown_hours:g} h, none while a {retraining.job} run is in progress."
        ),
    )
    def retraining_sensor(context: dg.SensorEvaluationContext, model_registry: MlflowTracking):
        now = clock()
        age = champion_age(model_registry.target(), now)
        reasons = retraining_reasons(latest_drift_result(context.instance), age, retraining.max_model_age_days)
        if not reasons:
            return dg.SkipReason("champion is fresh and its features have not drifted")
        last_request = datetime.fromisoformat(context.cursor) if context.cursor else None
        wait = cooldown_left(last_request, now, cooldown)
        if wait is not None:
            return dg.SkipReason(
                f"would retrain ({'; '.join(reasons)}) but the last request was at {last_request:%Y-%m-%d %H:%M} UTC; "
                f"cooldown ends in {wait.total_seconds() / 3600:.1f} h"
            )
        running = context.instance.get_run_ids(
            dg.RunsFilter(job_name=retraining.job, statuses=IN_PROGRESS), limit=1
        )
        if running:
            return dg.SkipReason(f"would retrain ({'; '.join(reasons)}) but run {running[0]} is still in progress")
        context.update_cursor(now.isoformat())
        return dg.RunRequest(
            run_key=f"retrain-{now:%Y%m%dT%H%M%S}",
            tags={REASONS_TAG: "; ".join(reasons)[:4000]},
        )

    return retraining_sensor

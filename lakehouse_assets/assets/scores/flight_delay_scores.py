"""scores/flight_delay_scores: the champion model's delay probability for every scheduled flight of the day."""

from datetime import UTC, datetime, timedelta

import dagster as dg
from pyspark.sql import DataFrame

from ...checks.scores import EVERY_FLIGHT_SCORED_CHECK
from ...ml.scoring import LINEAGE, ScoringError, champion, score
from ...partitions import day_window
from ...resources.mlflow_tracking import MlflowTracking
from ..common import follows_upstream, spark_asset


def build(daily: dg.DailyPartitionsDefinition) -> list[dg.AssetsDefinition]:
    @spark_asset(
        key=["scores", "flight_delay_scores"],
        partitions_def=daily,
        partition_column="flight_date",
        ins={"features": dg.AssetIn(key=["features", "flight_features"])},
        deps=[dg.AssetKey(["ml", "delay_model"])],
        column_lineage=LINEAGE,
        automation_condition=follows_upstream(updates_ignored=[dg.AssetKey(["ml", "delay_model"])]),
        checks=[EVERY_FLIGHT_SCORED_CHECK],
    )
    def flight_delay_scores(
        context: dg.AssetExecutionContext, features: DataFrame, model_registry: MlflowTracking
    ) -> dg.Output[DataFrame]:
        """Per scheduled flight: P(arriving > 15 min late), the class at the model's threshold, the model name and
        version (the `champion` when the run started), `in_sample` for days inside that model's training window,
        and when it was scored. Re-scoring a day with the same version gives the same rows but `scored_at`."""
        target = model_registry.target()
        try:
            model = champion(target.client(), target.model_name)
            scored = score(features, model, scored_at=datetime.now(UTC))
        except ScoringError as error:
            raise dg.Failure(str(error)) from None
        start, end = day_window(context)
        overlap = min(end, model.training_end + timedelta(days=1)) - max(start, model.training_start)
        return dg.Output(
            scored,
            metadata={
                "model_name": model.name,
                "model_version": int(model.version),
                "model_uri": model.uri,
                "decision_threshold": model.decision_threshold,
                "training_window": f"{model.training_start}..{model.training_end}",
                "days_in_sample": max(0, overlap.days),
            },
        )

    return [flight_delay_scores]

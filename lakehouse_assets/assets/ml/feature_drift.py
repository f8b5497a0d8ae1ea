"""ml/feature_drift: how far each day's features have moved from the champion model's training window (PSI)."""

import dagster as dg
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from ...checks.drift import drift_check
from ...ml.drift import DriftError, daily_psi, logged_profile
from ...ml.scoring import ScoringError, champion
from ...partitions import day_window
from ...resources.mlflow_tracking import MlflowTracking
from ...settings.ml import MlSettings
from ..common import follows_upstream, spark_asset


def build(daily: dg.DailyPartitionsDefinition, ml: MlSettings) -> list[dg.AssetsDefinition]:
    @spark_asset(
        key=["ml", "feature_drift"],
        partitions_def=daily,
        partition_column="flight_date",
        ins={"features": dg.AssetIn(key=["features", "flight_features"])},
        deps=[dg.AssetKey(["ml", "delay_model"])],
        automation_condition=follows_upstream(updates_ignored=[dg.AssetKey(["ml", "delay_model"])]),
        metadata={"psi_threshold": ml.drift.psi_threshold},
        checks=[drift_check(ml.drift)],
    )
    def feature_drift(
        context: dg.AssetExecutionContext, features: DataFrame, model_registry: MlflowTracking
    ) -> dg.Output[DataFrame]:
        """Per day and feature: population stability index against the champion's training sample (quantile
        bins for numbers, shares for categories, missing values as their own bin), and whether it is over the
        threshold."""
        target = model_registry.target()
        try:
            model = champion(target.client(), target.model_name)
            profile = logged_profile(model.run_id)
        except (ScoringError, DriftError) as error:
            raise dg.Failure(str(error)) from None
        start, end = day_window(context)
        metadata = {
            "model_version": int(model.version),
            "reference_window": f"{profile['window']['start']}..{profile['window']['end']}",
            "days": (end - start).days,
        }
        drift = daily_psi(features, profile).withColumns(
            {
                "drifted": F.col("psi") > F.lit(ml.drift.psi_threshold),
                "psi_threshold": F.lit(ml.drift.psi_threshold),
                "model_name": F.lit(model.name),
                "model_version": F.lit(int(model.version)),
                "reference_start": F.lit(profile["window"]["start"]).cast("date"),
                "reference_end": F.lit(profile["window"]["end"]).cast("date"),
            }
        )
        return dg.Output(drift, metadata=metadata)

    return [feature_drift]

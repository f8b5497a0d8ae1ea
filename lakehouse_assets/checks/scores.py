"""Blocking check: each scheduled flight of the run's days has exactly one score, a probability, from one model."""

import dagster as dg
from pyspark.sql import functions as F

from ..transforms.features import KEY_COLUMNS
from .base import Committed, TableCheck
from .names import EVERY_FLIGHT_SCORED

FEATURES_KEY = dg.AssetKey(["features", "flight_features"])


def _every_flight_scored(committed: Committed) -> dg.AssetCheckResult:
    scores = committed.rows()
    flights = committed.warehouse.read(FEATURES_KEY, committed.window, committed.column).select(*KEY_COLUMNS)
    unscored = flights.join(scores.select(*KEY_COLUMNS), list(KEY_COLUMNS), "left_anti").count()
    outside = ~F.col("delay_probability").between(0, 1) | F.col("delay_probability").isNull()
    stats = scores.agg(
        F.count("*").alias("rows"),
        F.countDistinct(*KEY_COLUMNS).alias("keys"),
        F.sum(outside.cast("int")).alias("bad"),
        F.avg("delay_probability").alias("mean_probability"),
        F.avg("predicted_delayed").alias("share_predicted_delayed"),
    ).first()
    mixed_days = scores.groupBy("flight_date").agg(F.countDistinct("model_version").alias("v")).where("v > 1").count()
    duplicates = stats.rows - stats.keys
    return dg.AssetCheckResult(
        passed=unscored == 0 and duplicates == 0 and not stats.bad and mixed_days == 0,
        metadata={
            "rows": stats.rows,
            "flights_unscored": unscored,
            "duplicate_scores": duplicates,
            "probabilities_outside_0_1": stats.bad or 0,
            "days_with_several_model_versions": mixed_days,
            "mean_delay_probability": float(stats.mean_probability or 0.0),
            "share_predicted_delayed": float(stats.share_predicted_delayed or 0.0),
        },
    )


EVERY_FLIGHT_SCORED_CHECK = TableCheck(
    EVERY_FLIGHT_SCORED,
    "Every flight of the feature table has exactly one score in [0, 1]; one model version per day.",
    _every_flight_scored,
    blocking=True,
)

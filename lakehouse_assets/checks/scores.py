"""Blocking check: each scheduled flight of the run's days has exactly one score, a probability, from one model."""

import dagster as dg
from pyspark.sql import functions as F

from ..quality import day_key
from ..transforms.features import KEY_COLUMNS
from .base import Committed, DayResults, TableCheck, by_day
from .names import EVERY_FLIGHT_SCORED

FEATURES_KEY = dg.AssetKey(["features", "flight_features"])
DAY = "flight_date"


def _every_flight_scored(committed: Committed) -> DayResults:
    scores = committed.rows()
    flights = committed.warehouse.read(FEATURES_KEY, committed.window, committed.column).select(*KEY_COLUMNS)
    unscored = dict(
        flights.join(scores.select(*KEY_COLUMNS), list(KEY_COLUMNS), "left_anti").groupBy(DAY).count().collect()
    )
    outside = ~F.col("delay_probability").between(0, 1) | F.col("delay_probability").isNull()
    per_day = {
        row[DAY]: row
        for row in scores.groupBy(DAY).agg(
            F.count("*").alias("rows"),
            F.countDistinct(*KEY_COLUMNS).alias("keys"),
            F.sum(outside.cast("int")).alias("bad"),
            F.sum("delay_probability").alias("probability_sum"),
            F.count("delay_probability").alias("probabilities"),
            F.sum("predicted_delayed").alias("predicted_delayed"),
            F.countDistinct("model_version").alias("model_versions"),
        ).collect()
    }
    days = {
        day_key(day): {
            "rows": row.rows if row else 0,
            "flights_unscored": unscored.get(day, 0),
            "duplicate_scores": row.rows - row.keys if row else 0,
            "probabilities_outside_0_1": (row.bad or 0) if row else 0,
            "model_versions": row.model_versions if row else 0,
        }
        for day in set(per_day) | set(unscored)
        for row in [per_day.get(day)]
    }
    rows = sum(figures["rows"] for figures in days.values())
    result = dg.AssetCheckResult(
        passed=True,
        metadata={
            "rows": rows,
            "flights_unscored": sum(figures["flights_unscored"] for figures in days.values()),
            "duplicate_scores": sum(figures["duplicate_scores"] for figures in days.values()),
            "probabilities_outside_0_1": sum(figures["probabilities_outside_0_1"] for figures in days.values()),
            "days_with_several_model_versions": sum(figures["model_versions"] > 1 for figures in days.values()),
            "mean_delay_probability": _mean(per_day.values()),
            "share_predicted_delayed": sum(row.predicted_delayed or 0 for row in per_day.values()) / rows if rows else 0.0,
        },
    )
    failing = {
        day: figures
        for day, figures in days.items()
        if figures["flights_unscored"] or figures["duplicate_scores"] or figures["probabilities_outside_0_1"]
        or figures["model_versions"] > 1
    }
    return by_day(result, failing, every_day=days)


EVERY_FLIGHT_SCORED_CHECK = TableCheck(
    EVERY_FLIGHT_SCORED,
    "Every flight of the feature table has exactly one score in [0, 1]; one model version per day.",
    _every_flight_scored,
    blocking=True,
)


def _mean(days) -> float:
    """The mean probability over the days' non-null probabilities (as `avg` takes it)."""
    count = sum(row.probabilities for row in days)
    return sum(row.probability_sum or 0.0 for row in days) / count if count else 0.0

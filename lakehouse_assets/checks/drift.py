"""Non-blocking check: no feature of the run's days drifted past the PSI threshold from the training window."""

from datetime import UTC, datetime

import dagster as dg
from pyspark.sql import functions as F

from ..dagster_internals import COMPLETED_ASSET_CHECK_EXECUTION_RECORD_STATUSES
from ..ml.retraining import DriftResult
from ..quality import day_key
from ..settings.ml import DriftSettings
from .base import Committed, DayResults, TableCheck, by_day
from .names import FEATURE_DRIFT_WITHIN_THRESHOLD

DRIFT_KEY = dg.AssetKey(["ml", "feature_drift"])
MOST_FLAGGED_SHOWN = 20


def drift_check(drift: DriftSettings) -> TableCheck:
    def within_threshold(committed: Committed) -> DayResults:
        frame = committed.rows()
        over = frame.where(F.col("psi") > F.lit(drift.psi_threshold))
        flagged = [
            {"flight_date": str(row.flight_date), "feature": row.feature, "psi": round(row.psi, 4)}
            for row in over.orderBy(F.col("psi").desc()).limit(MOST_FLAGGED_SHOWN).collect()
        ]
        days = {
            day_key(row.flight_date): {"max_psi": float(row.max_psi or 0.0), "model_version": int(row.version)}
            for row in frame.groupBy("flight_date").agg(
                F.max("psi").alias("max_psi"), F.max("model_version").alias("version")
            ).collect()
        }
        drifted_days = over.groupBy("flight_date").agg(F.sort_array(F.collect_set("feature")).alias("features")).collect()
        features_over = sorted({feature for row in drifted_days for feature in row.features})
        max_psi = frame.agg(F.max("psi")).first()[0]
        result = dg.AssetCheckResult(
            passed=not features_over,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={
                "days_judged": len(days),
                "max_psi": float(max_psi) if max_psi is not None else 0.0,
                "psi_threshold": drift.psi_threshold,
                "drifted_features": features_over,
                "days_with_drift": len(drifted_days),
                "most_drifted": dg.MetadataValue.json(flagged),
                "model_version": max((figures["model_version"] for figures in days.values()), default=-1),
            },
        )
        failing = {day_key(row.flight_date): {"drifted_features": list(row.features)} for row in drifted_days}
        return by_day(result, failing, every_day=days)

    return TableCheck(
        FEATURE_DRIFT_WITHIN_THRESHOLD,
        f"Every feature's PSI against the champion's training window is at most {drift.psi_threshold}.",
        within_threshold,
    )


def latest_drift_result(instance: dg.DagsterInstance, history: int = 1000) -> DriftResult | None:
    """The newest run's evaluation of the drift check (over all the days it judged), read from the Dagster
    instance (no Spark)."""
    key = dg.AssetCheckKey(DRIFT_KEY, FEATURE_DRIFT_WITHIN_THRESHOLD)
    records = instance.event_log_storage.get_asset_check_execution_history(
        key, limit=history, status=COMPLETED_ASSET_CHECK_EXECUTION_RECORD_STATUSES
    )
    evaluated = [record for record in records if record.event is not None]
    if not evaluated:
        return None  # never run, or planned / running without a result yet
    newest = evaluated[0]
    days = [
        {name: value.value for name, value in record.event.dagster_event.event_specific_data.metadata.items()}
        for record in evaluated
        if record.run_id == newest.run_id
    ]
    passed = [record.event.dagster_event.event_specific_data.passed for record in evaluated if record.run_id == newest.run_id]
    return DriftResult(
        passed=all(passed),
        drifted_features=tuple(sorted({feature for day in days for feature in day.get("drifted_features", ())})),
        max_psi=max((float(day.get("max_psi", 0.0)) for day in days), default=0.0),
        model_version=max((int(day.get("model_version", -1)) for day in days), default=-1),
        evaluated_at=datetime.fromtimestamp(newest.event.timestamp, UTC),
        run_id=newest.run_id,
    )

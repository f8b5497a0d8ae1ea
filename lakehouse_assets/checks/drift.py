"""Non-blocking check: no feature of the run's days drifted past the PSI threshold from the training window."""

from datetime import UTC, datetime

import dagster as dg
from pyspark.sql import functions as F

from ..ml.retraining import DriftResult
from ..settings.ml import DriftSettings
from .base import Committed, TableCheck
from .names import FEATURE_DRIFT_WITHIN_THRESHOLD

DRIFT_KEY = dg.AssetKey(["ml", "feature_drift"])
MOST_FLAGGED_SHOWN = 20


def drift_check(drift: DriftSettings) -> TableCheck:
    def within_threshold(committed: Committed) -> dg.AssetCheckResult:
        frame = committed.rows()
        over = frame.where(F.col("psi") > F.lit(drift.psi_threshold))
        flagged = [
            {"flight_date": str(row.flight_date), "feature": row.feature, "psi": round(row.psi, 4)}
            for row in over.orderBy(F.col("psi").desc()).limit(MOST_FLAGGED_SHOWN).collect()
        ]
        summary = frame.agg(
            F.countDistinct("flight_date").alias("days"),
            F.max("psi").alias("max_psi"),
            F.max("model_version").alias("version"),
        ).first()
        features_over = sorted({row.feature for row in over.select("feature").distinct().collect()})
        return dg.AssetCheckResult(
            passed=not features_over,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={
                "days_judged": summary.days,
                "max_psi": float(summary.max_psi) if summary.max_psi is not None else 0.0,
                "psi_threshold": drift.psi_threshold,
                "drifted_features": features_over,
                "days_with_drift": over.select("flight_date").distinct().count(),
                "most_drifted": dg.MetadataValue.json(flagged),
                "model_version": int(summary.version) if summary.version is not None else -1,
            },
        )

    return TableCheck(
        FEATURE_DRIFT_WITHIN_THRESHOLD,
        f"Every feature's PSI against the champion's training window is at most {drift.psi_threshold}.",
        within_threshold,
    )


def latest_drift_result(instance: dg.DagsterInstance) -> DriftResult | None:
    """The newest completed evaluation of the drift check, read from the Dagster instance (no Spark)."""
    key = dg.AssetCheckKey(DRIFT_KEY, FEATURE_DRIFT_WITHIN_THRESHOLD)
    record = instance.event_log_storage.get_latest_asset_check_execution_by_key([key]).get(key)
    evaluation = record.event.dagster_event.event_specific_data if record and record.event else None
    if not isinstance(evaluation, dg.AssetCheckEvaluation):
        return None  # never run, or planned / running without a result yet
    metadata = {name: value.value for name, value in evaluation.metadata.items()}
    return DriftResult(
        passed=evaluation.passed,
        drifted_features=tuple(metadata.get("drifted_features", ())),
        max_psi=float(metadata.get("max_psi", 0.0)),
        model_version=int(metadata.get("model_version", -1)),
        evaluated_at=datetime.fromtimestamp(record.event.timestamp, UTC),
        run_id=record.run_id,
    )

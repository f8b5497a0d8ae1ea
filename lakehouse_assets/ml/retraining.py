"""What a retraining trigger needs to know, read without Spark: the champion's age and its reasons to retrain."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from .registry import CHAMPION, version_by_alias
from .tracking import MlflowTarget


@dataclass(frozen=True)
class ModelAge:
    name: str
    version: str
    registered_at: datetime  # UTC
    training_end: str | None  # last day the version learned from (its `training_end` tag)
    age_days: float


@dataclass(frozen=True)
class DriftResult:
    """The newest evaluation of the `feature_drift_within_threshold` check."""

    passed: bool
    drifted_features: tuple[str, ...]
    max_psi: float
    model_version: int
    evaluated_at: datetime  # UTC
    run_id: str


def champion_age(target: MlflowTarget, now: datetime | None = None) -> ModelAge | None:
    """How old the current champion is (from its registration time in MLflow); None without a champion."""
    client = target.client()
    version = version_by_alias(client, target.model_name, CHAMPION)
    if version is None:
        return None
    registered = datetime.fromtimestamp(version.creation_timestamp / 1000, UTC)
    now = now or datetime.now(UTC)
    return ModelAge(
        name=target.model_name,
        version=str(version.version),
        registered_at=registered,
        training_end=(version.tags or {}).get("training_end"),
        age_days=(now - registered).total_seconds() / 86400,
    )


def retraining_reasons(drift: DriftResult | None, age: ModelAge | None, max_age_days: float) -> list[str]:
    """Why the model should be retrained now (empty: it need not be)."""
    if age is None:
        return ["no champion model"]
    reasons = []
    if age.age_days > max_age_days:
        reasons.append(f"champion v{age.version} is {age.age_days:.1f} days old (limit {max_age_days:g})")
    if drift is not None and not drift.passed and drift.model_version == int(age.version):
        reasons.append(
            f"features drifted from champion v{age.version}'s training window: {', '.join(drift.drifted_features)} "
            f"(max PSI {drift.max_psi:.3f})"
        )
    return reasons

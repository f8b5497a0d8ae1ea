"""Typed shape of the `ml:` section of an environment: the delay model's windows, sampling, tuning, gate, drift."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

from pydantic import Field, field_validator, model_validator

from .base import StrictModel

# Hyperparameters of scikit-learn's HistGradientBoostingClassifier that the time-ordered search may vary.
# The number of boosting rounds is not among them: the search reads it off every candidate (see max_iter).
TUNABLE_PARAMETERS = (
    "learning_rate", "max_leaf_nodes", "max_depth", "min_samples_leaf", "l2_regularization", "max_features",
    "max_bins",
)  # fmt: skip
GateMetric = Literal["roc_auc", "pr_auc", "brier", "log_loss"]


class DateWindow(StrictModel):
    start: date
    end: date = Field(description="Last day, inclusive.")

    @model_validator(mode="after")
    def _ordered(self) -> DateWindow:
        if self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        return self

    @property
    def end_exclusive(self) -> date:
        return self.end + timedelta(days=1)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


class TuningSettings(StrictModel):
    """Grid search over expanding-window folds by date: fold k trains on the first k blocks of days, scores the next."""

    folds: int = Field(default=3, ge=2, le=12, description="Validation blocks; never shuffled across time.")
    max_iter: int = Field(
        default=300, ge=10, description="Most boosting rounds; each candidate is scored every 10 rounds up to this."
    )
    grid: dict[str, tuple[float | int | None, ...]] = Field(
        default_factory=lambda: {"learning_rate": (0.05, 0.1), "max_leaf_nodes": (31, 63), "min_samples_leaf": (100,)},
        description=f"Values to try per hyperparameter, one of: {', '.join(TUNABLE_PARAMETERS)}.",
    )

    @field_validator("grid")
    @classmethod
    def _known_parameters(cls, value: dict[str, tuple]) -> dict[str, tuple]:
        unknown = sorted(set(value) - set(TUNABLE_PARAMETERS))
        if unknown:
            raise ValueError(
                f"unknown hyperparameter(s) {', '.join(unknown)}; tunable: {', '.join(TUNABLE_PARAMETERS)}"
            )
        empty = sorted(name for name, values in value.items() if not values)
        if empty:
            raise ValueError(f"no values to try for {', '.join(empty)}")
        return value

    @property
    def candidates(self) -> int:
        count = 1
        for values in self.grid.values():
            count *= len(values)
        return count


class PromotionSettings(StrictModel):
    """When a newly trained model (alias `challenger`) takes over the alias `champion`."""

    metric: GateMetric = Field(default="roc_auc", description="Holdout metric both models are judged on.")
    min_improvement: float = Field(
        default=0.0, ge=0, description="The challenger must beat the champion by more than this (in metric units)."
    )


class DriftSettings(StrictModel):
    psi_threshold: float = Field(default=0.2, gt=0, description="A feature whose PSI exceeds this is flagged.")
    bins: int = Field(default=10, ge=2, le=100, description="Quantile bins of the training window per numeric feature.")


class RetrainingSettings(StrictModel):
    """When the retraining sensor requests the training job: drift on the champion, or the champion is too old."""

    job: str = Field(default="weekly_training", description="Job of job_config.json the sensor requests.")
    max_model_age_days: float = Field(default=30, gt=0, description="Retrain once the champion is older than this.")
    cooldown_hours: float = Field(
        default=24, ge=0, description="After a request, no other for this long, whatever the drift check says."
    )
    interval_minutes: int = Field(default=15, ge=1, description="How often the sensor looks.")


class MlSettings(StrictModel):
    """The delay model: trained on `training`, judged on the later `holdout`, both whole days of the feature table."""

    training: DateWindow = DateWindow(start=date(2013, 1, 1), end=date(2013, 9, 30))
    holdout: DateWindow = DateWindow(start=date(2013, 10, 1), end=date(2013, 12, 31))
    max_training_rows: int = Field(
        default=300_000, gt=0, description="Cap on labelled training rows pulled from Spark (a seeded sample above it)."
    )
    max_holdout_rows: int = Field(default=150_000, gt=0, description="Cap on labelled holdout rows pulled from Spark.")
    sample_seed: int = Field(default=13, description="Seed of the row sample and of every random choice in training.")
    importance_rows: int = Field(default=5_000, gt=0, description="Holdout rows used for permutation importance.")
    threads: int | None = Field(
        default=None,
        ge=1,
        description="OpenMP threads for fitting and evaluating (null: all cores). On a machine whose cores are busy "
        "with other work, 1 is faster: spinning OpenMP threads that wait for a core slow each other down.",
    )
    decision_threshold: float = Field(
        default=0.5, gt=0, lt=1, description="Scores write predicted_delayed = delay_probability >= this."
    )
    tuning: TuningSettings = TuningSettings()
    promotion: PromotionSettings = PromotionSettings()
    drift: DriftSettings = DriftSettings()
    retraining: RetrainingSettings = RetrainingSettings()

    @model_validator(mode="after")
    def _holdout_after_training(self) -> MlSettings:
        if self.holdout.start <= self.training.end:
            raise ValueError(
                f"holdout starts {self.holdout.start}, not after the training window ends ({self.training.end}); "
                "the holdout must be later than every training day"
            )
        if self.training.days < self.tuning.folds + 1:
            raise ValueError(
                f"training has {self.training.days} day(s), too few for {self.tuning.folds} time-ordered folds"
            )
        return self

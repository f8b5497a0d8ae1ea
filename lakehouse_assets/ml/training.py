"""Train the delay model on the training window and judge it, beside the baseline, on the later holdout."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pyspark.sql import DataFrame
from sklearn.inspection import permutation_importance
from sklearn.pipeline import Pipeline
from threadpoolctl import threadpool_limits

from ..settings.ml import MlSettings
from ..transforms.features import LABEL
from .dataset import Sample, labelled_sample
from .drift import reference_profile
from .evaluation import score
from .model import baseline_model, delay_model
from .tuning import TuningResult, tune


@dataclass(frozen=True)
class TrainedModel:
    model: Pipeline
    baseline: Pipeline
    training: Sample
    holdout: Sample
    tuning: TuningResult
    probability: np.ndarray  # the model's P(delayed) for each holdout row
    baseline_probability: np.ndarray
    metrics: dict[str, float]
    baseline_metrics: dict[str, float]
    importance: pd.DataFrame
    drift_profile: dict
    seconds: dict[str, float]


def train(features: DataFrame, settings: MlSettings, log: Callable[[str], None] = lambda _: None) -> TrainedModel:
    """Pull both windows from the feature table, tune by time-ordered CV, refit on the whole training sample."""
    with threadpool_limits(limits=settings.threads):
        return _train(features, settings, log)


def _train(features: DataFrame, settings: MlSettings, log: Callable[[str], None]) -> TrainedModel:
    seconds: dict[str, float] = {}
    clock = time.monotonic()
    seed = settings.sample_seed
    training = labelled_sample(
        features, settings.training.start, settings.training.end, settings.max_training_rows, seed
    )
    holdout = labelled_sample(features, settings.holdout.start, settings.holdout.end, settings.max_holdout_rows, seed)
    seconds["pull"] = time.monotonic() - clock
    log(
        f"training rows {len(training.frame):,} of {training.rows_available:,}; holdout rows {len(holdout.frame):,} of {holdout.rows_available:,}"
    )

    clock = time.monotonic()
    metric = settings.promotion.metric
    tuning = tune(training.features, training.label, training.days, settings.tuning, metric, seed, log)
    seconds["tuning"] = time.monotonic() - clock
    log(f"chosen {tuning.params} with {tuning.max_iter} rounds (cv {metric} {tuning.cv_score:.4f})")

    clock = time.monotonic()
    model = delay_model(tuning.params, tuning.max_iter, seed).fit(training.features, training.label)
    baseline = baseline_model().fit(training.features, training.label)
    seconds["fit"] = time.monotonic() - clock

    probability = model.predict_proba(holdout.features)[:, 1]
    baseline_probability = baseline.predict_proba(holdout.features)[:, 1]
    clock = time.monotonic()
    importance = feature_importance(model, holdout, settings.importance_rows, seed)
    seconds["importance"] = time.monotonic() - clock
    return TrainedModel(
        model=model,
        baseline=baseline,
        training=training,
        holdout=holdout,
        tuning=tuning,
        probability=probability,
        baseline_probability=baseline_probability,
        metrics=score(holdout.label, probability),
        baseline_metrics=score(holdout.label, baseline_probability),
        importance=importance,
        drift_profile=reference_profile(
            training.features, settings.drift.bins, str(settings.training.start), str(settings.training.end)
        ),
        seconds=seconds,
    )


def feature_importance(model: Pipeline, holdout: Sample, rows: int, seed: int) -> pd.DataFrame:
    """Drop in holdout ROC AUC when each input column is shuffled (on up to `rows` holdout rows)."""
    chosen = holdout.frame.sample(n=min(rows, len(holdout.frame)), random_state=seed)
    features, label = chosen[holdout.features.columns], chosen[LABEL].astype(int)
    if label.nunique() < 2:
        return pd.DataFrame({"feature": features.columns, "importance_mean": 0.0, "importance_std": 0.0})
    result = permutation_importance(model, features, label, scoring="roc_auc", n_repeats=3, random_state=seed)
    table = pd.DataFrame(
        {
            "feature": features.columns,
            "importance_mean": result.importances_mean,
            "importance_std": result.importances_std,
        }
    )
    return table.sort_values("importance_mean", ascending=False, ignore_index=True)

"""The delay model and its baseline as scikit-learn pipelines over the feature table's columns."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder

from ..transforms.features import CATEGORICAL_FEATURES, NUMERIC_FEATURES

BASELINE_FEATURES = ("carrier", "sched_dep_hour")


def delay_model(params: Mapping[str, Any], max_iter: int, seed: int) -> Pipeline:
    """Categories as ordinal codes (unknown or missing: NaN) plus numbers as they are, into gradient boosting.

    The boosting treats the codes as categories (no order) and NaN as missing; its own early stopping is
    off because it would hold out a shuffled sample, across time. The rounds are tuned instead.
    """
    categories = OrdinalEncoder(
        handle_unknown="use_encoded_value", unknown_value=np.nan, encoded_missing_value=np.nan, dtype=np.float64
    )
    prepare = ColumnTransformer(
        [("categories", categories, list(CATEGORICAL_FEATURES)), ("numbers", "passthrough", list(NUMERIC_FEATURES))],
        verbose_feature_names_out=False,
    )
    boosting = HistGradientBoostingClassifier(
        max_iter=max_iter,
        early_stopping=False,
        categorical_features=list(range(len(CATEGORICAL_FEATURES))),
        random_state=seed,
        **params,
    )
    return Pipeline([("prepare", prepare), ("boosting", boosting)])


def baseline_model() -> Pipeline:
    """Logistic regression on carrier and scheduled hour, one-hot: what a lookup table of delay rates knows."""
    prepare = ColumnTransformer([("one_hot", OneHotEncoder(handle_unknown="ignore"), list(BASELINE_FEATURES))])
    return Pipeline([("prepare", prepare), ("logistic", LogisticRegression(max_iter=1000))])


def staged_probabilities(model: Pipeline, frame) -> list[tuple[int, np.ndarray]]:
    """P(delayed) of a fitted `delay_model` after every 10th boosting round (and the last)."""
    prepared = model.named_steps["prepare"].transform(frame)
    boosting = model.named_steps["boosting"]
    rounds = boosting.n_iter_
    return [
        (round_number, probabilities[:, 1])
        for round_number, probabilities in enumerate(boosting.staged_predict_proba(prepared), start=1)
        if round_number % 10 == 0 or round_number == rounds
    ]

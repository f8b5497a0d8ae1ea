"""Time-ordered cross-validation: no fold ever validates on a day before one it trained on."""

from datetime import date, timedelta

import pandas as pd
import pytest

from lakehouse_assets.ml.evaluation import HIGHER_IS_BETTER
from lakehouse_assets.ml.tuning import candidates, expanding_folds, tune
from lakehouse_assets.settings.ml import TuningSettings
from lakehouse_assets.transforms.features import FEATURE_COLUMNS, LABEL
from lakehouse_assets_tests.ml_data import feature_frame


def days_of(count: int, rows_per_day: int = 3) -> pd.Series:
    return pd.Series([date(2013, 1, 1) + timedelta(days=d) for d in range(count) for _ in range(rows_per_day)])


def test_expanding_folds_validate_only_after_all_their_training_days() -> None:
    days = days_of(40).sample(frac=1, random_state=3).reset_index(drop=True)  # row order must not matter
    folds = expanding_folds(days, 3)
    assert len(folds) == 3
    for fold in folds:
        trained, validated = days.iloc[fold.train_index], days.iloc[fold.valid_index]
        assert trained.max() < validated.min()
        assert fold.train_days == (trained.min(), trained.max())
    # Expanding: each fold trains on everything before its validation block, and the blocks tile the days.
    assert [len(f.train_index) for f in folds] == sorted(len(f.train_index) for f in folds)
    assert folds[0].train_days[0] == date(2013, 1, 1)
    assert folds[-1].valid_days[1] == date(2013, 2, 9)
    for earlier, later in zip(folds, folds[1:], strict=False):
        assert later.train_days[1] == earlier.valid_days[1]


def test_too_few_days_for_the_folds_is_an_error() -> None:
    with pytest.raises(ValueError, match="3 distinct day"):
        expanding_folds(days_of(3), 3)


def test_grid_expands_to_every_combination() -> None:
    grid = {"learning_rate": (0.05, 0.1), "max_leaf_nodes": (15, 31, 63)}
    found = candidates(grid)
    assert len(found) == 6
    assert {"learning_rate": 0.1, "max_leaf_nodes": 63} in found


def test_tuning_picks_the_best_mean_validation_score_and_its_rounds() -> None:
    frame = feature_frame(date(2013, 1, 1), days=12, rows_per_day=150, seed=1)
    settings = TuningSettings(folds=2, max_iter=30, grid={"learning_rate": (0.1,), "max_leaf_nodes": (2, 15)})
    result = tune(
        frame[list(FEATURE_COLUMNS)], frame[LABEL].astype(int), frame["flight_date"], settings, "roc_auc", seed=0
    )
    scores = result.results
    assert set(scores["max_iter"]) == {10, 20, 30}
    assert len(scores) == 2 * 3
    best = scores.loc[scores["mean_roc_auc"].idxmax()]
    assert result.cv_score == best["mean_roc_auc"]
    assert result.max_iter == best["max_iter"]
    assert result.params == {"learning_rate": 0.1, "max_leaf_nodes": int(best["max_leaf_nodes"])}
    assert scores[["fold_1_roc_auc", "fold_2_roc_auc"]].mean(axis=1).round(12).equals(scores["mean_roc_auc"].round(12))


def test_a_lower_is_better_metric_is_minimised() -> None:
    frame = feature_frame(date(2013, 1, 1), days=9, rows_per_day=120, seed=2)
    settings = TuningSettings(folds=2, max_iter=20, grid={"learning_rate": (0.05, 0.3)})
    result = tune(
        frame[list(FEATURE_COLUMNS)], frame[LABEL].astype(int), frame["flight_date"], settings, "brier", seed=0
    )
    assert not HIGHER_IS_BETTER["brier"]
    assert result.cv_score == result.results["mean_brier"].min()

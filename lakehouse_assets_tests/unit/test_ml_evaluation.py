"""Metrics of a probability of delay, and the direction each one improves in."""

import numpy as np
import pandas as pd
import pytest
from sklearn.calibration import calibration_curve
from sklearn.metrics import roc_auc_score

from lakehouse_assets.ml.evaluation import calibration_table, expected_calibration_error, improvement, per_day, score


def test_metrics_of_known_predictions() -> None:
    label = np.array([0, 0, 1, 1])
    probability = np.array([0.1, 0.4, 0.35, 0.8])
    metrics = score(label, probability)
    assert metrics["roc_auc"] == pytest.approx(roc_auc_score(label, probability)) == pytest.approx(0.75)
    assert metrics["brier"] == pytest.approx(np.mean((probability - label) ** 2))
    assert metrics["delayed_share"] == 0.5
    assert metrics["rows"] == 4


def test_single_class_has_no_auc_but_still_a_brier_score() -> None:
    metrics = score(np.zeros(5), np.full(5, 0.2))
    assert np.isnan(metrics["roc_auc"]) and np.isnan(metrics["pr_auc"])
    assert metrics["brier"] == pytest.approx(0.04)


def test_calibration_bins_compare_predicted_and_observed() -> None:
    probability = np.array([0.05, 0.05, 0.95, 0.95, 0.95, 0.95])
    label = np.array([0, 0, 1, 1, 1, 0])
    table = calibration_table(label, probability)
    assert table["bin"].tolist() == [0, 9]
    assert table["observed_share"].tolist() == [0.0, 0.75]
    assert table["rows"].tolist() == [2, 4]
    # ECE: rows-weighted |0.05 - 0| and |0.95 - 0.75|
    assert expected_calibration_error(label, probability) == pytest.approx((2 * 0.05 + 4 * 0.2) / 6)


def test_the_calibration_table_is_scikit_learns_curve_with_the_rows_of_each_bin() -> None:
    probability = np.array([0.0, 0.1, 0.15, 0.5, 0.5, 0.72, 1.0])
    label = np.array([0, 0, 1, 1, 0, 1, 1])
    table = calibration_table(label, probability)
    observed_share, mean_probability = calibration_curve(label, probability, n_bins=10, strategy="uniform")
    assert table["observed_share"].tolist() == observed_share.tolist()
    assert table["mean_probability"].tolist() == mean_probability.tolist()
    # As calibration_curve bins them: a probability on an inner edge (0.1, 0.5) counts in the bin below it.
    assert table["bin"].tolist() == [0, 1, 4, 7, 9]
    assert table["rows"].tolist() == [2, 1, 2, 1, 1]
    assert table[["bin_low", "bin_high"]].iloc[2].tolist() == [0.4, 0.5]


def test_no_rows_make_an_empty_calibration_table() -> None:
    assert calibration_table(np.array([]), np.array([])).empty
    assert np.isnan(expected_calibration_error(np.array([]), np.array([])))


def test_per_day_metrics_have_one_row_per_day() -> None:
    days = pd.Series(["2013-10-01"] * 4 + ["2013-10-02"] * 2)
    table = per_day(days, pd.Series([0, 1, 0, 1, 1, 1]), np.array([0.2, 0.7, 0.1, 0.6, 0.9, 0.8]))
    assert table["flight_date"].tolist() == ["2013-10-01", "2013-10-02"]
    assert table["rows"].tolist() == [4, 2]
    assert table["roc_auc"].iloc[0] == 1.0 and np.isnan(table["roc_auc"].iloc[1])


@pytest.mark.parametrize(("metric", "challenger", "champion", "gain"), [
    ("roc_auc", 0.75, 0.73, 0.02), ("pr_auc", 0.40, 0.45, -0.05), ("brier", 0.14, 0.15, 0.01), ("log_loss", 0.5, 0.4, -0.1),
])  # fmt: skip
def test_improvement_is_positive_when_the_challenger_is_better(metric, challenger, champion, gain) -> None:
    assert improvement(metric, challenger, champion) == pytest.approx(gain)

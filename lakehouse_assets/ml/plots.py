"""Evaluation figures as PNG files: ROC, precision-recall, calibration (model beside baseline), feature importance."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, never a window
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from sklearn.metrics import precision_recall_curve, roc_curve  # noqa: E402

from .evaluation import calibration_table  # noqa: E402

PLOT_FILES = ("roc.png", "precision_recall.png", "calibration.png", "feature_importance.png")


def write_plots(
    folder: Path,
    label: np.ndarray,
    probabilities: Mapping[str, np.ndarray],
    importance: pd.DataFrame,
    subtitle: str,
) -> list[Path]:
    """One PNG per figure in `folder`; `probabilities` maps a model's name (model, baseline) to its holdout output."""
    folder.mkdir(parents=True, exist_ok=True)
    return [
        _roc(folder / PLOT_FILES[0], label, probabilities, subtitle),
        _precision_recall(folder / PLOT_FILES[1], label, probabilities, subtitle),
        _calibration(folder / PLOT_FILES[2], label, probabilities, subtitle),
        _importance(folder / PLOT_FILES[3], importance, subtitle),
    ]


def _roc(path: Path, label, probabilities, subtitle: str) -> Path:
    figure, axes = plt.subplots(figsize=(6, 6))
    for name, probability in probabilities.items():
        false_positive, true_positive, _ = roc_curve(label, probability)
        area = np.trapezoid(true_positive, false_positive)
        axes.plot(false_positive, true_positive, label=f"{name} (AUC {area:.3f})")
    axes.plot([0, 1], [0, 1], linestyle=":", color="grey", label="chance")
    _finish(figure, axes, path, "ROC curve on the holdout", subtitle, "False positive rate", "True positive rate")
    return path


def _precision_recall(path: Path, label, probabilities, subtitle: str) -> Path:
    figure, axes = plt.subplots(figsize=(6, 6))
    for name, probability in probabilities.items():
        precision, recall, _ = precision_recall_curve(label, probability)
        axes.plot(recall, precision, label=name)
    axes.axhline(float(np.mean(label)), linestyle=":", color="grey", label="share delayed")
    _finish(figure, axes, path, "Precision-recall on the holdout", subtitle, "Recall", "Precision")
    return path


def _calibration(path: Path, label, probabilities, subtitle: str) -> Path:
    figure, axes = plt.subplots(figsize=(6, 6))
    for name, probability in probabilities.items():
        table = calibration_table(label, probability)
        axes.plot(table["mean_probability"], table["observed_share"], marker="o", label=name)
    axes.plot([0, 1], [0, 1], linestyle=":", color="grey", label="perfectly calibrated")
    _finish(
        figure, axes, path, "Calibration on the holdout", subtitle,
        "Mean predicted probability of delay", "Observed share delayed > 15 min",
    )  # fmt: skip
    return path


def _importance(path: Path, importance: pd.DataFrame, subtitle: str) -> Path:
    top = importance.sort_values("importance_mean", ascending=True).tail(25)
    figure, axes = plt.subplots(figsize=(7, 8))
    axes.barh(top["feature"], top["importance_mean"], xerr=top["importance_std"], color="tab:blue")
    _finish(
        figure, axes, path, "Permutation importance on the holdout", subtitle,
        "Drop in ROC AUC when the feature is shuffled", "Feature", legend=False,
    )  # fmt: skip
    return path


def _finish(
    figure, axes, path: Path, title: str, subtitle: str, x_label: str, y_label: str, legend: bool = True
) -> None:
    axes.set_title(f"{title}\n{subtitle}", fontsize=10)
    axes.set_xlabel(x_label)
    axes.set_ylabel(y_label)
    if legend:
        axes.legend(loc="best", fontsize=8)
    axes.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)

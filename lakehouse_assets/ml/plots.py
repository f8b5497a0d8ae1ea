"""Evaluation figures as PNG files: ROC, precision-recall, calibration (model beside baseline), feature importance.

The curves are scikit-learn's displays drawn on axes of ours (`draw_*`), which the model performance report uses
too, so the training run's figures and the report's show the same curves."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, never a window
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from sklearn.calibration import CalibrationDisplay  # noqa: E402
from sklearn.metrics import PrecisionRecallDisplay, RocCurveDisplay  # noqa: E402

from .evaluation import CALIBRATION_BINS  # noqa: E402

PLOT_FILES = ("roc.png", "precision_recall.png", "calibration.png", "feature_importance.png")
REFERENCE_LINE = {"linestyle": ":", "color": "grey"}  # chance level, share delayed


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


def draw_roc(axes, label, probabilities: Mapping[str, np.ndarray], chance: str = "chance") -> None:
    """One ROC curve per model, named with its AUC, then the chance diagonal."""
    last = len(probabilities) - 1
    for position, (name, probability) in enumerate(probabilities.items()):
        display = RocCurveDisplay.from_predictions(
            label, probability, name=name, ax=axes, plot_chance_level=position == last,
            chance_level_kw={"label": chance, **REFERENCE_LINE},
        )  # fmt: skip
        display.line_.set_label(f"{name} (AUC {display.roc_auc:.3f})")  # three decimals, as the metrics tables show


def draw_precision_recall(
    axes, label, probabilities: Mapping[str, np.ndarray], share: str = "share delayed"
) -> None:
    """One precision-recall curve per model, named with its area (average precision: `pr_auc` of the metrics), then
    the precision of alarming on every flight, the share delayed. Drawn as steps, the curve that area is of."""
    last = len(probabilities) - 1
    for position, (name, probability) in enumerate(probabilities.items()):
        display = PrecisionRecallDisplay.from_predictions(
            label, probability, name=name, ax=axes, plot_chance_level=position == last,
            chance_level_kw={"label": share, **REFERENCE_LINE},
        )  # fmt: skip
        display.line_.set_label(f"{name} (PR AUC {display.average_precision:.3f})")


def draw_calibration(axes, label, probabilities: Mapping[str, np.ndarray]) -> None:
    """Mean predicted probability against observed share in the bins of `calibration_table`, one line per model,
    and the perfectly calibrated diagonal."""
    for position, (name, probability) in enumerate(probabilities.items()):
        CalibrationDisplay.from_predictions(
            label, probability, n_bins=CALIBRATION_BINS, strategy="uniform", name=name, ax=axes,
            ref_line=position == 0, marker="o",
        )  # fmt: skip


def _roc(path: Path, label, probabilities, subtitle: str) -> Path:
    figure, axes = plt.subplots(figsize=(6, 6))
    draw_roc(axes, label, probabilities)
    _finish(figure, axes, path, "ROC curve on the holdout", subtitle, "False positive rate", "True positive rate")
    return path


def _precision_recall(path: Path, label, probabilities, subtitle: str) -> Path:
    figure, axes = plt.subplots(figsize=(6, 6))
    draw_precision_recall(axes, label, probabilities)
    _finish(figure, axes, path, "Precision-recall on the holdout", subtitle, "Recall", "Precision")
    return path


def _calibration(path: Path, label, probabilities, subtitle: str) -> Path:
    figure, axes = plt.subplots(figsize=(6, 6))
    draw_calibration(axes, label, probabilities)
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

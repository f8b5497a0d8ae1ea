"""How good a probability of delay is: ranking (ROC/PR AUC), accuracy of the probability (Brier, log loss), calibration."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.calibration import calibration_curve
from sklearn.metrics import average_precision_score, brier_score_loss, log_loss, roc_auc_score

CALIBRATION_BINS = 10
# Whether a larger value of each metric is better; the promotion gate and the tuning read this.
HIGHER_IS_BETTER = {"roc_auc": True, "pr_auc": True, "brier": False, "log_loss": False}


def score(label: np.ndarray | pd.Series, probability: np.ndarray) -> dict[str, float]:
    """The metrics of one set of predictions. A single-class set has no ROC/PR AUC (NaN)."""
    label = np.asarray(label, dtype=int)
    probability = np.clip(np.asarray(probability, dtype=float), 1e-7, 1 - 1e-7)
    both_classes = label.min() != label.max() if len(label) else False
    return {
        "roc_auc": float(roc_auc_score(label, probability)) if both_classes else float("nan"),
        "pr_auc": float(average_precision_score(label, probability)) if both_classes else float("nan"),
        "brier": float(brier_score_loss(label, probability)),
        "log_loss": float(log_loss(label, probability, labels=[0, 1])),
        "expected_calibration_error": expected_calibration_error(label, probability),
        "mean_probability": float(probability.mean()),
        "delayed_share": float(label.mean()),
        "rows": float(len(label)),
    }


def calibration_table(
    label: np.ndarray | pd.Series, probability: np.ndarray, bins: int = CALIBRATION_BINS
) -> pd.DataFrame:
    """Rows grouped into equal-width probability bins: mean predicted probability against the observed share.

    Both come from scikit-learn's `calibration_curve(strategy="uniform")`, the curve the calibration plots draw. The
    rows of each bin are counted with the bin assignment it uses (a probability on an inner edge falls in the bin
    below), so a table row and a point of the curve describe the same flights. Empty bins are left out."""
    label = np.asarray(label, dtype=int)
    probability = np.asarray(probability, dtype=float)
    if len(probability):
        observed_share, mean_probability = calibration_curve(label, probability, n_bins=bins, strategy="uniform")
    else:  # calibration_curve needs at least one row
        observed_share = mean_probability = np.empty(0)
    inner_edges = np.linspace(0.0, 1.0, bins + 1)[1:-1]
    rows = np.bincount(np.searchsorted(inner_edges, probability), minlength=bins)
    filled = np.flatnonzero(rows)
    return pd.DataFrame(
        {
            "bin": filled,
            "bin_low": filled / bins,
            "bin_high": (filled + 1) / bins,
            "rows": rows[filled],
            "mean_probability": mean_probability,
            "observed_share": observed_share,
        }
    )


def expected_calibration_error(label: np.ndarray, probability: np.ndarray, bins: int = CALIBRATION_BINS) -> float:
    """Row-weighted mean gap between predicted probability and observed share over the calibration bins."""
    table = calibration_table(label, probability, bins)
    if table.empty:
        return float("nan")
    gaps = (table["mean_probability"] - table["observed_share"]).abs()
    return float((gaps * table["rows"]).sum() / table["rows"].sum())


def per_day(days: pd.Series, label: pd.Series, probability: np.ndarray) -> pd.DataFrame:
    """The metrics of each day, for reports that follow quality through the holdout."""
    frame = pd.DataFrame({"flight_date": days.to_numpy(), "label": label.to_numpy(), "probability": probability})
    rows = []
    for day, group in frame.groupby("flight_date", sort=True):
        metrics = score(group["label"], group["probability"].to_numpy())
        rows.append(
            {
                "flight_date": str(day),
                **{
                    k: metrics[k] for k in ("rows", "delayed_share", "mean_probability", "roc_auc", "brier", "log_loss")
                },
            }
        )
    return pd.DataFrame(rows)


def improvement(metric: str, challenger: float, champion: float) -> float:
    """How much better the challenger is, in the metric's units (positive: better, whatever the metric's direction)."""
    return challenger - champion if HIGHER_IS_BETTER[metric] else champion - challenger

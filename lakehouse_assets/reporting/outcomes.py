"""Predictions beside what happened: each scored flight's outcome, and how good the probabilities were."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from ..ml.evaluation import score
from ..ml.plots import draw_calibration, draw_roc
from ..transforms.delay import DELAY_THRESHOLD_MINUTES
from .document import Report
from .plots import drawn_curves

KNOWN = ("delayed", "on time")  # outcomes a delay prediction can be judged on
QUALITY = ("roc_auc", "pr_auc", "brier", "log_loss", "expected_calibration_error", "mean_probability", "delayed_share")


def label_outcomes(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` (scores left-joined to silver/flights: arr_delay, cancelled, diverted, null when the flight is not
    there yet) with `outcome`: delayed (> 15 min late), on time, cancelled, diverted, or unknown."""
    cancelled, diverted = frame.cancelled.eq(True), frame.diverted.eq(True)  # null: not known to be
    arrived = frame.arr_delay.notna()
    outcome = np.select(
        [cancelled, diverted, arrived & (frame.arr_delay > DELAY_THRESHOLD_MINUTES), arrived],
        ["cancelled", "diverted", "delayed", "on time"],
        default="unknown",
    )
    return frame.assign(outcome=outcome)


def outcome_counts(scored: pd.DataFrame) -> pd.DataFrame:
    counts = scored.outcome.value_counts()
    order = [*KNOWN, "cancelled", "diverted", "unknown"]
    return pd.DataFrame({"outcome": order, "flights": [int(counts.get(name, 0)) for name in order]})


def judged(scored: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Labels (1 = delayed) and probabilities of the flights whose outcome is known."""
    known = scored[scored.outcome.isin(KNOWN)]
    return (known.outcome == "delayed").astype(int).to_numpy(), known.delay_probability.to_numpy(dtype=float)


def prediction_quality(scored: pd.DataFrame) -> dict[str, float] | None:
    """ROC AUC, PR AUC, Brier, log loss, calibration error over flights with a known outcome (None if none has)."""
    label, probability = judged(scored)
    if len(label) == 0:
        return None
    metrics = score(label, probability)
    return {name: metrics[name] for name in QUALITY} | {"flights_judged": float(len(label))}


def yesterday_section(report: Report, scored: pd.DataFrame, day: date) -> Report:
    """The section on the previous day's predictions: a plain statement when there is nothing to judge yet."""
    report.heading(f"How the predictions for {day} fared")
    if scored.empty:
        return report.text(f"No scores for {day}: there is nothing to compare with what happened.", note=True)
    quality = prediction_quality(scored)
    report.table(outcome_counts(scored))
    if quality is None:
        return report.text(
            f"The outcomes of {day}'s {len(scored):,} scored flights are not known yet (none has arrived in "
            "silver/flights); this section fills in when the report is materialised again after they land.", note=True
        )  # fmt: skip
    unknown = int((scored.outcome == "unknown").sum())
    report.text(
        f"Judged on {int(quality['flights_judged']):,} flights that arrived; cancelled and diverted flights have no "
        f"arrival delay{f', and {unknown:,} outcome(s) are not known yet' if unknown else ''}.", note=True
    )  # fmt: skip
    if scored.in_sample.any():
        report.text(f"{day} is inside the model's training window: these figures are in-sample.", note=True)
    metrics = pd.DataFrame([{"metric": name.replace("_", " "), "value": value} for name, value in quality.items()
                            if name != "flights_judged"])  # fmt: skip
    report.table(metrics, float_format="{:.4f}")
    label, probability = judged(scored)
    report.figure(
        drawn_curves(
            lambda axis: draw_calibration(axis, label, {"model": probability}),
            title=f"Calibration of the predictions for {day}", xlabel="mean predicted P(delay)",
            ylabel=f"observed share > {DELAY_THRESHOLD_MINUTES} min late",
        ),
        "Calibration of the previous day's predictions",
    )  # fmt: skip
    if label.min() == label.max():
        return report.text("Every judged flight had the same outcome: no ROC curve.", note=True)
    return report.figure(
        drawn_curves(
            lambda axis: draw_roc(axis, label, {"model": probability}),
            title=f"ROC of the predictions for {day}", xlabel="false positive rate", ylabel="true positive rate",
        ),
        "ROC curve of the previous day's predictions",
    )  # fmt: skip

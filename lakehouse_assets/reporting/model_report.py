"""The model performance report as a document: metrics, curves, importance, the gate's decision, drift."""

from __future__ import annotations

from functools import partial

import pandas as pd

from ..ml.plots import draw_calibration, draw_precision_recall, draw_roc
from .document import Report
from .model_performance import (
    ModelEvidence,
    decision_text,
    drift_by_feature,
    metrics_table,
    previous_on_same_rows,
    summarize,
)
from .plots import bar_chart, drawn_curves, line_chart

HEADERS = {
    "roc_auc": "ROC AUC", "pr_auc": "PR AUC", "brier": "Brier", "log_loss": "log loss",
    "expected_calibration_error": "calibration error", "importance_mean": "mean drop in ROC AUC",
    "importance_std": "std of the drop", "max_psi": "max PSI", "mean_psi": "mean PSI",
    "days_drifted": "days over threshold",
}  # fmt: skip


def curve_plots(evidence: ModelEvidence, dpi: int = 110) -> dict[str, bytes]:
    """ROC, precision-recall and calibration of this model beside the baseline (and the previous champion on the
    same rows, when its predictions cover them)."""
    predictions = evidence.predictions
    label = predictions.label_delayed.to_numpy(dtype=int)
    series = {f"v{evidence.version}": predictions.probability.to_numpy(), "baseline": predictions.baseline_probability.to_numpy()}
    same = previous_on_same_rows(evidence)
    if same is not None:  # on the shared rows only, so the curves are comparable
        label = same.label_delayed.to_numpy(dtype=int)
        series = {f"v{evidence.version}": same.probability.to_numpy(), "baseline": same.baseline_probability.to_numpy(),
                  f"v{evidence.previous.version} (previous champion)": same.previous_probability.to_numpy()}  # fmt: skip
    share = f"share delayed ({float(label.mean()):.1%})"
    return {
        "roc": drawn_curves(partial(draw_roc, label=label, probabilities=series), title="ROC on the holdout",
                            xlabel="false positive rate", ylabel="true positive rate", dpi=dpi),
        "precision_recall": drawn_curves(partial(draw_precision_recall, label=label, probabilities=series, share=share),
                                         title="Precision-recall on the holdout", xlabel="recall (share of delays caught)",
                                         ylabel="precision (share of alarms right)", dpi=dpi),
        "calibration": drawn_curves(partial(draw_calibration, label=label, probabilities=series),
                                    title="Calibration on the holdout", xlabel="mean predicted P(delay)",
                                    ylabel="observed share > 15 min late", dpi=dpi),
    }  # fmt: skip


def importance_plot(evidence: ModelEvidence, top: int = 20, dpi: int = 110) -> bytes:
    chosen = evidence.importance.nlargest(top, "importance_mean")
    return bar_chart(
        list(chosen.feature), list(chosen.importance_mean), title=f"Permutation importance of v{evidence.version} (top {len(chosen)})",
        xlabel="drop in holdout ROC AUC when shuffled (AUC points)", ylabel="feature", horizontal=True, dpi=dpi,
    )  # fmt: skip


def drift_plot(evidence: ModelEvidence, features: int = 5, dpi: int = 110) -> bytes:
    worst = list(drift_by_feature(evidence).feature.head(features))
    frame = evidence.drift[evidence.drift.feature.isin(worst)].pivot_table(index="flight_date", columns="feature", values="psi")
    frame.index = pd.to_datetime(frame.index)
    return line_chart(
        frame[worst], title=f"Feature drift against v{evidence.version}'s training window (the {len(worst)} largest)",
        xlabel="flight date", ylabel="population stability index (PSI)",
        level=(evidence.psi_threshold, f"threshold {evidence.psi_threshold:g}"), dpi=dpi,
    )  # fmt: skip


def model_performance_report(evidence: ModelEvidence) -> Report:
    numbers = summarize(evidence)
    report = Report(
        title=f"Model performance — {evidence.model_name} v{evidence.version}",
        subtitle=f"Trained on {evidence.training_window}, judged on the holdout {evidence.holdout_window}; "
        f"MLflow run {evidence.run_id}.",
    )
    promoted = numbers.get("promoted_to_champion")
    lift = numbers.get("lift_roc_auc_over_baseline")
    report.numbers(
        {
            "holdout ROC AUC": (_number(numbers.get("holdout_roc_auc")), None),
            "lift over baseline": (f"{lift:+.3f}" if lift is not None else "–", None if lift is None else "good" if lift > 0 else "bad"),
            "holdout Brier": (_number(numbers.get("holdout_brier")), None),
            "promotion": ({True: "champion", False: "not promoted"}.get(promoted, "unknown"), "good" if promoted else None),
            "champion now": (f"v{evidence.champion_now}" if evidence.champion_now else "none", None),
            "max drift (PSI)": (_number(numbers.get("max_psi")), "bad" if numbers.get("features_drifted") else None),
        }
    )  # fmt: skip
    for note in evidence.notes:
        report.text(note, note=True)
    report.heading("Holdout metrics").table(metrics_table(evidence).rename(columns=HEADERS), float_format="{:.4f}")
    if evidence.previous is None:
        report.text("There was no previous champion: this was the first version the gate judged.", note=True)
    elif previous_on_same_rows(evidence) is None:
        report.text(
            f"The previous champion v{evidence.previous.version}'s logged holdout predictions do not cover these "
            "holdout rows; its own metrics are shown, on its own holdout, for reference only.", note=True
        )  # fmt: skip
    if evidence.predictions.empty or evidence.predictions.label_delayed.nunique() < 2:
        report.text("The holdout predictions were not logged (or hold one class only): no curves.", note=True)
    else:
        plots = curve_plots(evidence)
        report.heading("ROC, precision-recall and calibration")
        report.figure(plots["roc"], "ROC curves").figure(plots["precision_recall"], "Precision-recall curves")
        report.figure(plots["calibration"], "Calibration curves")
    report.heading("Feature importance")
    if evidence.importance.empty:
        report.text("No feature importance was logged with this run.", note=True)
    else:
        report.figure(importance_plot(evidence), "Permutation importance").table(
            evidence.importance.head(20).rename(columns=HEADERS), "{:.4f}"
        )
    report.heading("Promotion decision").text(decision_text(evidence))
    if evidence.decision:
        shown = {k: v for k, v in evidence.decision.items() if k != "reason"}
        report.table(pd.DataFrame([{"field": k, "value": str(v)} for k, v in shown.items()]))
    report.heading("Drift over time")
    if evidence.drift.empty:
        report.text(
            f"No drift has been measured against v{evidence.version}: ml/feature_drift compares each day with the "
            f"champion's training window, and the champion is {f'v{evidence.champion_now}' if evidence.champion_now else 'not set'}.",
            note=True,
        )  # fmt: skip
    else:
        days = evidence.drift.flight_date
        report.text(
            f"Population stability index of each feature, {days.min()} … {days.max()} ({days.nunique()} days), against "
            f"the training window; above {evidence.psi_threshold:g} counts as drifted.", note=True
        )  # fmt: skip
        report.figure(drift_plot(evidence), "Drift of the most drifted features").table(
            drift_by_feature(evidence).head(15).rename(columns=HEADERS)
        )
    return report


def _number(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"

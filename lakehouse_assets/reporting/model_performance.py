"""The performance report of one trained model version: how it did on the holdout beside the baseline and the
previous champion, what it relies on, what the promotion gate decided, and how far its inputs have drifted."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.metrics import precision_recall_curve, roc_curve

from ..ml.evaluation import calibration_table, score
from ..transforms.features import KEY_COLUMNS
from .document import Report
from .plots import bar_chart, curves, line_chart

METRICS = ("roc_auc", "pr_auc", "brier", "log_loss", "expected_calibration_error")
SAME_ROWS_SHARE = 0.9  # previous predictions cover this share of the holdout rows: compare them row for row
_DIAGONAL = ([0, 1], [0, 1])
HEADERS = {
    "roc_auc": "ROC AUC", "pr_auc": "PR AUC", "brier": "Brier", "log_loss": "log loss",
    "expected_calibration_error": "calibration error", "importance_mean": "mean drop in ROC AUC",
    "importance_std": "std of the drop", "max_psi": "max PSI", "mean_psi": "mean PSI",
    "days_drifted": "days over threshold",
}  # fmt: skip


@dataclass(frozen=True)
class PreviousChampion:
    """The version that was champion when the gate judged this one, with its own training run's record."""

    version: str
    metrics: dict[str, float]  # its holdout metrics (METRICS names), on its own holdout window
    holdout_window: str | None
    predictions: pd.DataFrame | None = None  # keys + probability on its holdout, if logged


@dataclass(frozen=True)
class ModelEvidence:
    model_name: str
    version: str
    run_id: str
    training_window: str
    holdout_window: str
    metrics: dict[str, float]  # holdout metrics (METRICS names)
    baseline: dict[str, float]
    predictions: pd.DataFrame  # keys, label_delayed, probability, baseline_probability per holdout row
    importance: pd.DataFrame  # feature, importance_mean, importance_std
    decision: dict[str, object] | None  # promoted, metric, min_improvement, champion_version, scores, reason
    previous: PreviousChampion | None
    champion_now: str | None
    drift: pd.DataFrame  # flight_date, feature, psi, drifted (this version's rows of ml/feature_drift)
    psi_threshold: float
    notes: list[str] = field(default_factory=list)  # what could not be read, said in the report


def previous_on_same_rows(evidence: ModelEvidence) -> pd.DataFrame | None:
    """The holdout rows with the previous champion's probability beside this model's, when its logged holdout
    predictions cover (nearly) the same rows; None otherwise."""
    previous = evidence.previous
    if previous is None or previous.predictions is None or evidence.predictions.empty:
        return None
    keys = list(KEY_COLUMNS)
    theirs = previous.predictions[[*keys, "probability"]].rename(columns={"probability": "previous_probability"})
    merged = evidence.predictions.merge(theirs, on=keys, how="inner")
    return merged if len(merged) >= SAME_ROWS_SHARE * len(evidence.predictions) else None


def metrics_table(evidence: ModelEvidence) -> pd.DataFrame:
    """One row per model: this version, the baseline and the previous champion (on the same rows when possible)."""
    rows = [
        {"model": f"v{evidence.version} (this model)", "evaluated on": evidence.holdout_window, **_pick(evidence.metrics)},
        {"model": "baseline: carrier + hour", "evaluated on": evidence.holdout_window, **_pick(evidence.baseline)},
    ]
    previous = evidence.previous
    same = previous_on_same_rows(evidence)
    if same is not None:
        ours = score(same.label_delayed, same.probability.to_numpy())
        theirs = score(same.label_delayed, same.previous_probability.to_numpy())
        where = f"the same {len(same):,} holdout rows"
        rows += [
            {"model": f"v{evidence.version} (this model)", "evaluated on": where, **_pick(ours)},
            {"model": f"v{previous.version} (previous champion)", "evaluated on": where, **_pick(theirs)},
        ]
    elif previous is not None and previous.metrics:
        rows.append({"model": f"v{previous.version} (previous champion)",
                     "evaluated on": f"its own holdout {previous.holdout_window or '(window unknown)'}",
                     **_pick(previous.metrics)})  # fmt: skip
    return pd.DataFrame(rows)


def summarize(evidence: ModelEvidence) -> dict[str, float | int | bool | str]:
    numbers: dict[str, float | int | bool | str] = {"model_version": int(evidence.version)}
    numbers.update({f"holdout_{k}": v for k, v in _pick(evidence.metrics).items() if not np.isnan(v)})
    if not np.isnan(evidence.metrics.get("roc_auc", np.nan) - evidence.baseline.get("roc_auc", np.nan)):
        numbers["lift_roc_auc_over_baseline"] = evidence.metrics["roc_auc"] - evidence.baseline["roc_auc"]
    decision = evidence.decision or {}
    if "promoted" in decision:
        numbers["promoted_to_champion"] = bool(decision["promoted"])
    if decision.get("champion_score") is not None and decision.get("challenger_score") is not None:
        numbers["gate_champion_score"] = float(decision["champion_score"])
    drift = evidence.drift
    numbers["drift_days"] = int(drift.flight_date.nunique())
    if not drift.empty:
        numbers["max_psi"] = float(drift.psi.max())
        numbers["features_drifted"] = int(drift[drift.drifted].feature.nunique())
    return numbers


def decision_text(evidence: ModelEvidence) -> str:
    decision = evidence.decision
    if not decision:
        return "The promotion gate's decision for this version was not recorded."
    verdict = "promoted to champion" if decision.get("promoted") else "not promoted; the champion stayed"
    return f"{verdict.capitalize()}: {decision.get('reason', '(no reason recorded)')}."


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
    roc, pr, calibration = {}, {}, {}
    for name, probability in series.items():
        false_positive, true_positive, _ = roc_curve(label, probability)
        roc[f"{name} (AUC {np.trapezoid(true_positive, false_positive):.3f})"] = (false_positive, true_positive)
        precision, recall, _ = precision_recall_curve(label, probability)
        pr[name] = (recall, precision)
        table = calibration_table(label, probability)
        calibration[name] = (table.mean_probability, table.observed_share)
    share = float(label.mean())
    return {
        "roc": curves(roc, title="ROC on the holdout", xlabel="false positive rate", ylabel="true positive rate",
                      reference=(*_DIAGONAL, "chance"), dpi=dpi),
        "precision_recall": curves(pr, title="Precision-recall on the holdout", xlabel="recall (share of delays caught)",
                                   ylabel="precision (share of alarms right)", reference=([0, 1], [share, share],
                                   f"share delayed ({share:.1%})"), dpi=dpi),
        "calibration": curves(calibration, title="Calibration on the holdout", xlabel="mean predicted P(delay)",
                              ylabel="observed share > 15 min late", reference=(*_DIAGONAL, "perfectly calibrated"),
                              markers=True, dpi=dpi),
    }  # fmt: skip


def importance_plot(evidence: ModelEvidence, top: int = 20, dpi: int = 110) -> bytes:
    chosen = evidence.importance.nlargest(top, "importance_mean")
    return bar_chart(
        list(chosen.feature), list(chosen.importance_mean), title=f"Permutation importance of v{evidence.version} (top {len(chosen)})",
        xlabel="drop in holdout ROC AUC when shuffled (AUC points)", ylabel="feature", horizontal=True, dpi=dpi,
    )  # fmt: skip


def drift_by_feature(evidence: ModelEvidence) -> pd.DataFrame:
    drift = evidence.drift
    table = drift.groupby("feature").agg(
        max_psi=("psi", "max"), mean_psi=("psi", "mean"), days_drifted=("drifted", "sum"), days=("psi", "size")
    )
    return table.sort_values("max_psi", ascending=False).reset_index()


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


def _pick(metrics: dict[str, float]) -> dict[str, float]:
    return {name: float(metrics.get(name, np.nan)) for name in METRICS}


def _number(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"

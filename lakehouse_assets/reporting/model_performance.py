"""The performance of one trained model version, from what its training run recorded: holdout metrics beside the
baseline and the previous champion, the promotion gate's decision, and the drift of its inputs since."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..ml.evaluation import score
from ..transforms.features import KEY_COLUMNS

METRICS = ("roc_auc", "pr_auc", "brier", "log_loss", "expected_calibration_error")
SAME_ROWS_SHARE = 0.9  # previous predictions cover this share of the holdout rows: compare them row for row
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


def drift_by_feature(evidence: ModelEvidence) -> pd.DataFrame:
    drift = evidence.drift
    table = drift.groupby("feature").agg(
        max_psi=("psi", "max"), mean_psi=("psi", "mean"), days_drifted=("drifted", "sum"), days=("psi", "size")
    )
    return table.sort_values("max_psi", ascending=False).reset_index()


def _pick(metrics: dict[str, float]) -> dict[str, float]:
    return {name: float(metrics.get(name, np.nan)) for name in METRICS}

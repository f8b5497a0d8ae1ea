"""The files a training run logs next to its model, for people and for the reports that read them back.

Artifacts of each run (paths relative to the run's artifact root):
  evaluation/holdout_metrics.json     model and baseline metrics, windows, rows, chosen hyperparameters
  evaluation/per_day_metrics.csv      model metrics per holdout day
  evaluation/calibration.csv          calibration bins of the model and the baseline
  evaluation/holdout_predictions.parquet  keys, label, model and baseline probability per holdout row
  evaluation/cv_results.csv           every candidate x boosting rounds, mean and per-fold validation score
  evaluation/feature_importance.csv   permutation importance on the holdout
  plots/{roc,precision_recall,calibration,feature_importance}.png
  drift/reference_profile.json        bins and shares of the training window, for ml/feature_drift
The model itself is logged as an MLflow model named `model` (sklearn flavour, pyfunc returns predict_proba).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from ..settings.ml import MlSettings
from ..transforms.features import KEY_COLUMNS, LABEL
from .drift import PROFILE_FILE
from .evaluation import calibration_table, per_day
from .plots import write_plots
from .training import TrainedModel


def write_artifacts(folder: Path, trained: TrainedModel, settings: MlSettings) -> None:
    evaluation = folder / "evaluation"
    evaluation.mkdir()
    holdout = trained.holdout
    summary = {
        "training_window": {"start": str(trained.training.start), "end": str(trained.training.end)},
        "holdout_window": {"start": str(holdout.start), "end": str(holdout.end)},
        "model": trained.metrics,
        "baseline": trained.baseline_metrics,
        "chosen_hyperparameters": trained.tuning.params | {"max_iter": trained.tuning.max_iter},
        "cv_score": {trained.tuning.metric: trained.tuning.cv_score},
        "decision_threshold": settings.decision_threshold,
    }
    (evaluation / "holdout_metrics.json").write_text(json.dumps(summary, indent=2, default=str))
    per_day(holdout.days, holdout.label, trained.probability).to_csv(evaluation / "per_day_metrics.csv", index=False)
    calibration = pd.concat(
        [calibration_table(holdout.label, trained.probability).assign(model="model"),
         calibration_table(holdout.label, trained.baseline_probability).assign(model="baseline")]
    )  # fmt: skip
    calibration.to_csv(evaluation / "calibration.csv", index=False)
    predictions = holdout.frame[[*KEY_COLUMNS, LABEL]].assign(
        flight_date=holdout.frame["flight_date"].astype(str),
        probability=trained.probability,
        baseline_probability=trained.baseline_probability,
    )
    predictions.to_parquet(evaluation / "holdout_predictions.parquet", index=False)
    trained.tuning.results.to_csv(evaluation / "cv_results.csv", index=False)
    trained.importance.to_csv(evaluation / "feature_importance.csv", index=False)
    subtitle = f"trained {trained.training.start}..{trained.training.end}, holdout {holdout.start}..{holdout.end}"
    write_plots(
        folder / "plots",
        holdout.label.to_numpy(),
        {"model": trained.probability, "baseline (carrier + hour)": trained.baseline_probability},
        trained.importance,
        subtitle,
    )
    profile = folder / PROFILE_FILE
    profile.parent.mkdir()
    profile.write_text(json.dumps(trained.drift_profile))

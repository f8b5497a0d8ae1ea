"""What a training run left in MLflow, read back for the model report: metrics, holdout predictions, importance.

Nothing is retrained or re-scored: the report shows what the run recorded (see ml/artifacts.py for the files).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import mlflow
import pandas as pd
from mlflow.tracking import MlflowClient

from .model_performance import METRICS, PreviousChampion

PREDICTIONS = "evaluation/holdout_predictions.parquet"
IMPORTANCE = "evaluation/feature_importance.csv"


@dataclass
class RunRecord:
    run_id: str
    experiment_id: str
    metrics: dict[str, float]
    baseline: dict[str, float]
    training_window: str
    holdout_window: str
    predictions: pd.DataFrame | None
    importance: pd.DataFrame | None
    gate: dict[str, object]  # what the run itself recorded of the gate (tags and metrics)
    notes: list[str] = field(default_factory=list)


def artifact_frame(run_id: str, path: str) -> pd.DataFrame | None:
    """A CSV or Parquet artifact of the run as a frame, or None when the run has no such file."""
    with tempfile.TemporaryDirectory() as folder:
        try:
            local = Path(mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path=path, dst_path=folder))
        except Exception:  # MLflow raises several types for a missing artifact; the caller says it is missing
            return None
        return pd.read_parquet(local) if path.endswith(".parquet") else pd.read_csv(local)


def run_record(client: MlflowClient, run_id: str) -> RunRecord:
    run = client.get_run(run_id)
    metrics, params, tags = run.data.metrics, run.data.params, run.data.tags
    record = RunRecord(
        run_id=run_id,
        experiment_id=run.info.experiment_id,
        metrics={name: metrics[f"holdout_{name}"] for name in METRICS if f"holdout_{name}" in metrics},
        baseline={name: metrics[f"baseline_{name}"] for name in METRICS if f"baseline_{name}" in metrics},
        training_window=_window(params, "training"),
        holdout_window=_window(params, "holdout"),
        predictions=artifact_frame(run_id, PREDICTIONS),
        importance=artifact_frame(run_id, IMPORTANCE),
        gate={
            **({"promoted": bool(metrics["gate_promoted"])} if "gate_promoted" in metrics else {}),
            **({"metric": params["gate_metric"]} if "gate_metric" in params else {}),
            **({"champion_score": metrics["gate_champion_score"]} if "gate_champion_score" in metrics else {}),
            **({"reason": tags["gate_decision"]} if "gate_decision" in tags else {}),
        },
    )
    for path, frame in ((PREDICTIONS, record.predictions), (IMPORTANCE, record.importance)):
        if frame is None:
            record.notes.append(f"MLflow run {run_id} has no {path} artifact; the sections built from it are left out.")
    return record


def model_run_id(client: MlflowClient, name: str, version: str) -> str | None:
    return client.get_model_version(name, version).run_id


def newest_version(client: MlflowClient, name: str) -> str | None:
    found = client.search_model_versions("name = '" + name.replace("'", "\\'") + "'")
    return str(max(int(v.version) for v in found)) if found else None


def previous_champion(client: MlflowClient, name: str, version: str | None) -> PreviousChampion | None:
    """The champion the gate compared against (None when there was none), with its own run's record."""
    if not version:
        return None
    run_id = model_run_id(client, name, version)
    if not run_id:
        return PreviousChampion(version=version, metrics={}, holdout_window=None)
    record = run_record(client, run_id)
    return PreviousChampion(
        version=version, metrics=record.metrics, holdout_window=record.holdout_window, predictions=record.predictions
    )


def _window(params: dict[str, str], kind: str) -> str:
    start, end = params.get(f"{kind}_start"), params.get(f"{kind}_end")
    return f"{start}..{end}" if start and end else "(not recorded)"

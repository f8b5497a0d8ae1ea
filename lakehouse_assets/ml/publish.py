"""Record a trained model in MLflow (params, metrics, artifacts, the model), register it and apply the gate.

The run's files are listed in artifacts.py; the model itself is logged as an MLflow model named `model`
(sklearn flavour, its pyfunc returns predict_proba) with its signature and an input example.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import mlflow
import skops.io
from mlflow.models import infer_signature

from ..settings.ml import MlSettings
from .artifacts import write_artifacts
from .gate import GateDecision, judge
from .registry import CHALLENGER, set_alias
from .tracking import MlflowTarget, tracked_run
from .training import TrainedModel, train

MODEL_ARTIFACT = "model"
METRIC_NAMES = ("roc_auc", "pr_auc", "brier", "log_loss", "expected_calibration_error")


@dataclass(frozen=True)
class Published:
    trained: TrainedModel
    experiment_id: str
    run_id: str
    run_url: str | None
    model_uri: str
    version: str
    version_url: str | None
    decision: GateDecision


def train_and_publish(
    features, settings: MlSettings, target: MlflowTarget, tags: Mapping[str, str], log: Callable[[str], None]
) -> Published:
    """One MLflow run from the first row pulled to the gate's decision; it ends FINISHED or FAILED, never open."""
    window = f"{settings.training.start}..{settings.training.end}"
    with tracked_run(target, run_name=f"delay_model {window}", tags=tags) as run:
        mlflow.log_params(run_params(settings))
        trained = train(features, settings, log)
        mlflow.log_params(
            {f"chosen_{k}": v for k, v in trained.tuning.params.items()} | {"chosen_max_iter": trained.tuning.max_iter}
        )
        mlflow.log_metrics(run_metrics(trained))
        with tempfile.TemporaryDirectory() as folder:
            write_artifacts(Path(folder), trained, settings)
            mlflow.log_artifacts(folder)
        model_info = log_model(trained, target.model_name)
        version = str(model_info.registered_model_version)
        client = target.client()
        set_alias(client, target.model_name, CHALLENGER, version)
        for key, value in version_tags(settings, run.info.run_id).items():
            client.set_model_version_tag(target.model_name, version, key, value)
        decision = judge(client, target.model_name, version, trained, settings.promotion)
        mlflow.log_metrics(
            {"gate_promoted": float(decision.promoted)}
            | ({"gate_champion_score": decision.champion_score} if decision.champion_score is not None else {})
        )
        mlflow.set_tags({"gate_decision": decision.reason, "model_version": version})
        log(decision.reason)
    return Published(
        trained=trained,
        experiment_id=run.info.experiment_id,
        run_id=run.info.run_id,
        run_url=target.run_url(run.info.experiment_id, run.info.run_id),
        model_uri=f"models:/{target.model_name}/{version}",
        version=version,
        version_url=target.version_url(version),
        decision=decision,
    )


def run_params(settings: MlSettings) -> dict[str, object]:
    return {
        "training_start": str(settings.training.start),
        "training_end": str(settings.training.end),
        "holdout_start": str(settings.holdout.start),
        "holdout_end": str(settings.holdout.end),
        "max_training_rows": settings.max_training_rows,
        "max_holdout_rows": settings.max_holdout_rows,
        "sample_seed": settings.sample_seed,
        "cv_folds": settings.tuning.folds,
        "cv_max_iter": settings.tuning.max_iter,
        "cv_grid": json.dumps(settings.tuning.grid, sort_keys=True),
        "gate_metric": settings.promotion.metric,
        "gate_min_improvement": settings.promotion.min_improvement,
        "decision_threshold": settings.decision_threshold,
        "threads": settings.threads or "all",
    }


def run_metrics(trained: TrainedModel) -> dict[str, float]:
    metrics = {f"holdout_{name}": trained.metrics[name] for name in METRIC_NAMES}
    metrics |= {f"baseline_{name}": trained.baseline_metrics[name] for name in METRIC_NAMES}
    metrics |= {
        "lift_roc_auc": trained.metrics["roc_auc"] - trained.baseline_metrics["roc_auc"],
        f"cv_{trained.tuning.metric}": trained.tuning.cv_score,
        "training_rows": float(len(trained.training.frame)),
        "training_rows_available": float(trained.training.rows_available),
        "holdout_rows": float(len(trained.holdout.frame)),
        "holdout_delayed_share": trained.metrics["delayed_share"],
    }
    return metrics | {f"seconds_{step}": value for step, value in trained.seconds.items()}


def version_tags(settings: MlSettings, run_id: str) -> dict[str, str]:
    """What scoring and drift need to know about a version without opening its run."""
    return {
        "training_start": str(settings.training.start),
        "training_end": str(settings.training.end),
        "decision_threshold": str(settings.decision_threshold),
        "run_id": run_id,
    }


def model_requirements() -> list[str]:
    """What loading the model needs, pinned to this environment (MLflow would otherwise find out by loading the
    model in a subprocess, for several seconds)."""
    return [f"{name}=={version(name)}" for name in ("mlflow", "scikit-learn", "numpy", "pandas", "scipy", "skops")]


def log_model(trained: TrainedModel, model_name: str):
    """The pipeline as an MLflow model with its input signature and an example, registered as a new version."""
    example = trained.holdout.features.head(5)
    signature = infer_signature(example, trained.model.predict_proba(example))
    trusted = skops.io.get_untrusted_types(data=skops.io.dumps(trained.model))  # the types of the model just built
    return mlflow.sklearn.log_model(
        trained.model,
        name=MODEL_ARTIFACT,
        signature=signature,
        input_example=example,
        pyfunc_predict_fn="predict_proba",
        registered_model_name=model_name,
        skops_trusted_types=trusted,
        pip_requirements=model_requirements(),
    )

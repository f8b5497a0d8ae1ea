"""ml/delay_model: the delay model trained on the training window, tracked in MLflow, registered and gated."""

import dagster as dg

from ...checks.names import CHALLENGER_PROMOTED
from ...ml.dataset import TrainingDataError
from ...ml.publish import METRIC_NAMES, Published, train_and_publish
from ...resources.mlflow_tracking import MlflowRun
from ...resources.warehouse import Warehouse
from ...settings.ml import MlSettings
from ..common import OWNERS, requires_step_launcher

KEY = dg.AssetKey(["ml", "delay_model"])
FEATURES = dg.AssetKey(["features", "flight_features"])


def build(daily: dg.DailyPartitionsDefinition, ml: MlSettings) -> list[dg.AssetsDefinition]:
    @dg.asset(
        key=KEY,
        group_name="ml",
        deps=[FEATURES],
        kinds={"scikit-learn", "mlflow", "spark"},
        owners=OWNERS,
        metadata={
            "training_window": f"{ml.training.start}..{ml.training.end}",
            "holdout_window": f"{ml.holdout.start}..{ml.holdout.end}",
            "gate": f"holdout {ml.promotion.metric} better by > {ml.promotion.min_improvement}",
        },
        check_specs=[
            dg.AssetCheckSpec(
                CHALLENGER_PROMOTED,
                asset=KEY,
                description=(
                    f"The new version beat the champion on holdout {ml.promotion.metric} by more than "
                    f"{ml.promotion.min_improvement} (or there was none) and became champion; a warning means the "
                    "champion stayed."
                ),
            )
        ],
    )
    @requires_step_launcher
    def delay_model(context: dg.AssetExecutionContext, warehouse: Warehouse, mlflow: MlflowRun) -> dg.MaterializeResult:
        """Gradient boosting on the point-in-time features, tuned by time-ordered CV, judged on the later holdout
        beside a carrier + hour logistic regression, logged to MLflow, registered as `challenger` and promoted to
        `champion` only through the gate.

        It logs into the MLflow run dagster-mlflow opened for this Dagster run (tagged `dagster_run_id`); an error
        ends that run FAILED with a `failure` tag, and the `mlflow` resource ends it when the Dagster run is done."""
        target = mlflow.target()
        tags = {"dagster_run_id": context.run.run_id, "dagster_asset": KEY.to_user_string()}
        try:
            published = train_and_publish(warehouse.read(FEATURES), ml, target, tags, context.log.info)
        except TrainingDataError as error:  # the MLflow run has already ended FAILED with this message
            raise dg.Failure(str(error)) from None
        if published.run_id != mlflow.run_id:  # e.g. a retried step: the run's MLflow run ended with the first try
            context.log.warning(f"trained in MLflow run {published.run_id}, not in this Dagster run's {mlflow.run_id}")
        decision = published.decision
        return dg.MaterializeResult(
            metadata=_metadata(published, target.ui_command()),
            check_results=[
                dg.AssetCheckResult(
                    check_name=CHALLENGER_PROMOTED,
                    passed=decision.promoted,
                    severity=dg.AssetCheckSeverity.WARN,
                    metadata=decision.as_metadata(),
                )
            ],
        )

    return [delay_model]


def _metadata(published: Published, ui_command: str) -> dict[str, object]:
    trained = published.trained
    metadata: dict[str, object] = {
        "mlflow_run_id": published.run_id,
        "mlflow_experiment_id": published.experiment_id,
        "model_uri": published.model_uri,
        "model_version": int(published.version),
        "promoted_to_champion": published.decision.promoted,
        "gate_decision": published.decision.reason,
        "mlflow_ui": dg.MetadataValue.md(f"`{ui_command}`"),
        "training_rows": len(trained.training.frame),
        "holdout_rows": len(trained.holdout.frame),
        "chosen_hyperparameters": dg.MetadataValue.json(trained.tuning.params | {"max_iter": trained.tuning.max_iter}),
        **{f"holdout_{name}": float(trained.metrics[name]) for name in METRIC_NAMES},
        **{f"baseline_{name}": float(trained.baseline_metrics[name]) for name in METRIC_NAMES},
    }
    if published.run_url:
        metadata["mlflow_run"] = dg.MetadataValue.url(published.run_url)
    if published.version_url:
        metadata["model_version_page"] = dg.MetadataValue.url(published.version_url)
    return metadata

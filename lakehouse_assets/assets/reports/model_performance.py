"""reports/model_performance: per trained model version, what its training run recorded, the gate's decision and
the drift of its inputs since."""

import dagster as dg
import pandas as pd

from ...checks.names import CHALLENGER_PROMOTED
from ...ml.registry import CHAMPION, version_by_alias
from ...reporting.document import png_data_uri
from ...reporting.model_performance import ModelEvidence, decision_text, summarize
from ...reporting.model_record import model_run_id, newest_version, previous_champion, run_record
from ...reporting.model_report import curve_plots, model_performance_report
from ...resources.mlflow_tracking import MlflowTracking
from ...resources.report_store import ReportStore
from ...resources.warehouse import Warehouse
from ..common import FOLLOWS_UPSTREAM, report_asset
from .evidence import check_in_run, latest_materialization

REPORT = "model_performance"
MODEL = dg.AssetKey(["ml", "delay_model"])
DRIFT = dg.AssetKey(["ml", "feature_drift"])
DRIFT_COLUMNS = ["flight_date", "feature", "psi", "drifted", "psi_threshold"]
# Like every report it follows its upstream, but days without drift must not hold the report back.
AUTOMATION = FOLLOWS_UPSTREAM.replace(
    "any_deps_missing", dg.AutomationCondition.any_deps_missing().ignore(dg.AssetSelection.assets(DRIFT))
)


def trained_version(context: dg.AssetExecutionContext, client, name: str) -> tuple[str, str, dict]:
    """(version, MLflow run id, gate decision) of the model ml/delay_model materialised last, from the Dagster
    instance; the registry's newest version when the instance cannot be read (a remote step)."""
    try:
        latest = latest_materialization(context.instance, MODEL)
    except Exception as error:  # the instance may not be reachable from remote compute
        context.log.warning(f"Dagster instance unavailable ({error}); reporting the registry's newest version")
        latest = None
    if latest is not None and "model_version" in latest[1]:
        dagster_run, metadata = latest
        version = str(metadata["model_version"])
        gate = check_in_run(context.instance, dg.AssetCheckKey(MODEL, CHALLENGER_PROMOTED), dagster_run)
        decision = {"promoted": gate[0], **gate[1]} if gate else {}
        return version, str(metadata.get("mlflow_run_id") or model_run_id(client, name, version)), decision
    version = newest_version(client, name)
    if version is None:
        raise dg.Failure(f"model {name} has no trained version to report on; materialise ml/delay_model first")
    return version, model_run_id(client, name, version), {}


def gather(
    context: dg.AssetExecutionContext, warehouse: Warehouse, model_registry: MlflowTracking
) -> tuple[ModelEvidence, str | None]:
    """The evidence, and a link to the training run in the MLflow UI when one is configured."""
    target = model_registry.target()
    client, name = target.client(), target.model_name
    version, run_id, decision = trained_version(context, client, name)
    record = run_record(client, run_id)
    decision = {**record.gate, **decision}  # the check's record is the fuller one
    previous = previous_champion(client, name, str(decision["champion_version"]) if decision.get("champion_version") else None)
    champion = version_by_alias(client, name, CHAMPION)
    drift = pd.DataFrame(columns=DRIFT_COLUMNS)
    if warehouse.exists(DRIFT):
        frame = warehouse.read(DRIFT).where(f"model_version = {int(version)}").select(*DRIFT_COLUMNS)
        drift = frame.orderBy("flight_date", "feature").toPandas()
    evidence = ModelEvidence(
        model_name=name,
        version=version,
        run_id=run_id,
        training_window=record.training_window,
        holdout_window=record.holdout_window,
        metrics=record.metrics,
        baseline=record.baseline,
        predictions=record.predictions if record.predictions is not None else pd.DataFrame(
            columns=["label_delayed", "probability", "baseline_probability"]),
        importance=record.importance if record.importance is not None else pd.DataFrame(
            columns=["feature", "importance_mean", "importance_std"]),
        decision=decision or None,
        previous=previous,
        champion_now=str(champion.version) if champion else None,
        drift=drift.astype({"psi": float, "drifted": bool}),
        psi_threshold=float(drift.psi_threshold.iloc[0]) if len(drift) else float("nan"),
        notes=record.notes,
    )  # fmt: skip
    return evidence, target.run_url(record.experiment_id, run_id)


def build() -> list[dg.AssetsDefinition]:
    @report_asset(key=["reports", REPORT], deps=[MODEL, DRIFT], automation_condition=AUTOMATION)
    def model_performance(
        context: dg.AssetExecutionContext, warehouse: Warehouse, model_registry: MlflowTracking, reports: ReportStore
    ) -> dg.MaterializeResult:
        """Per trained model version: holdout metrics beside the baseline and the previous champion, ROC / PR /
        calibration curves, feature importance, the promotion decision and feature drift over time, read from
        what the training run recorded in MLflow and from ml/feature_drift (nothing is retrained)."""
        evidence, run_url = gather(context, warehouse, model_registry)
        path = reports.write(REPORT, f"{evidence.model_name}-v{evidence.version}", model_performance_report(evidence).render())
        numbers = summarize(evidence)
        summary = (
            f"**{evidence.model_name} v{evidence.version}** — holdout ROC AUC {numbers.get('holdout_roc_auc', float('nan')):.3f} "
            f"(baseline {evidence.baseline.get('roc_auc', float('nan')):.3f}), Brier {numbers.get('holdout_brier', float('nan')):.3f}. "
            f"{decision_text(evidence)} "
            f"Drift measured on {numbers['drift_days']} day(s)"
            + (f", max PSI {numbers['max_psi']:.3f}." if "max_psi" in numbers else ".")
        )
        if not evidence.predictions.empty and evidence.predictions.label_delayed.nunique() > 1:
            summary += f"\n\n![ROC on the holdout]({png_data_uri(curve_plots(evidence, dpi=55)['roc'])})"
        return dg.MaterializeResult(
            metadata={**numbers, "summary": dg.MetadataValue.md(summary), "report": dg.MetadataValue.path(path),
                      "mlflow_run_id": evidence.run_id,
                      **({"mlflow_run": dg.MetadataValue.url(run_url)} if run_url else {})},  # fmt: skip
        )

    return [model_performance]

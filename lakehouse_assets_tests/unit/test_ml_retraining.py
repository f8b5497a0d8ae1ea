"""The inputs of a retraining trigger: the champion's age from MLflow, and the reasons to retrain."""

from datetime import UTC, date, datetime, timedelta

import mlflow
from mlflow.models import infer_signature

from lakehouse_assets.ml.model import delay_model
from lakehouse_assets.ml.publish import model_requirements
from lakehouse_assets.ml.registry import CHAMPION, set_alias
from lakehouse_assets.ml.retraining import DriftResult, ModelAge, champion_age, retraining_reasons
from lakehouse_assets.ml.tracking import tracked_run
from lakehouse_assets.transforms.features import FEATURE_COLUMNS, LABEL
from lakehouse_assets_tests.ml_data import feature_frame, local_mlflow

NOW = datetime(2014, 1, 20, tzinfo=UTC)


def age(days: float, version: str = "3") -> ModelAge:
    return ModelAge("m", version, NOW - timedelta(days=days), "2013-09-30", days)


def drift(passed: bool, version: int = 3) -> DriftResult:
    return DriftResult(passed, () if passed else ("wx_temp_f",), 0.05 if passed else 0.41, version, NOW, "run")


def test_reasons_name_age_and_drift_of_the_champion() -> None:
    assert retraining_reasons(drift(True), age(10), max_age_days=30) == []
    assert retraining_reasons(None, None, 30) == ["no champion model"]
    assert retraining_reasons(drift(True), age(45), 30) == ["champion v3 is 45.0 days old (limit 30)"]
    (reason,) = retraining_reasons(drift(False), age(10), 30)
    assert "wx_temp_f" in reason and "0.410" in reason
    # Drift measured against an earlier champion says nothing about this one.
    assert retraining_reasons(drift(False, version=2), age(10), 30) == []


def test_champion_age_reads_the_registration_time(tmp_path) -> None:
    target = local_mlflow(tmp_path)
    assert champion_age(target) is None
    frame = feature_frame(date(2013, 1, 1), days=2, rows_per_day=60)
    model = delay_model({}, 3, seed=0).fit(frame[list(FEATURE_COLUMNS)], frame[LABEL].astype(int))
    example = frame[list(FEATURE_COLUMNS)].head(2)
    before = datetime.now(UTC) - timedelta(seconds=1)
    with tracked_run(target, "age", {}):
        mlflow.sklearn.log_model(model, name="model", signature=infer_signature(example, model.predict_proba(example)),
                                 registered_model_name=target.model_name, serialization_format="cloudpickle", pip_requirements=model_requirements())  # fmt: skip
    client = target.client()
    client.set_model_version_tag(target.model_name, "1", "training_end", "2013-01-02")
    set_alias(client, target.model_name, CHAMPION, "1")
    found = champion_age(target, now=datetime.now(UTC) + timedelta(days=2))
    assert found.version == "1" and found.training_end == "2013-01-02"
    assert before <= found.registered_at <= datetime.now(UTC)
    assert 1.99 < found.age_days < 2.01

"""The promotion gate, on real models in a real (SQLite) MLflow registry: a worse challenger never takes over."""

from datetime import date

import mlflow
import pytest
from mlflow.models import infer_signature

from lakehouse_assets.ml.evaluation import score
from lakehouse_assets.ml.gate import decide, judge
from lakehouse_assets.ml.model import delay_model
from lakehouse_assets.ml.publish import model_requirements
from lakehouse_assets.ml.registry import (
    CHALLENGER,
    CHAMPION,
    RegistryError,
    promote,
    set_alias,
    version_by_alias,
    versions,
)
from lakehouse_assets.ml.tracking import tracked_run
from lakehouse_assets.settings.ml import PromotionSettings
from lakehouse_assets.transforms.features import FEATURE_COLUMNS, LABEL
from lakehouse_assets_tests.ml_data import feature_frame, local_mlflow


@pytest.mark.parametrize(
    ("metric", "margin", "challenger", "champion", "promoted"),
    [
        ("roc_auc", 0.0, 0.74, 0.73, True),
        ("roc_auc", 0.0, 0.73, 0.73, False),  # a tie keeps the champion
        ("roc_auc", 0.02, 0.74, 0.73, False),  # better, but not by the margin
        ("roc_auc", 0.0, 0.70, 0.73, False),
        ("brier", 0.0, 0.140, 0.150, True),  # lower is better
        ("brier", 0.0, 0.160, 0.150, False),
    ],
)
def test_decide_compares_in_the_metrics_direction_with_the_margin(
    metric, margin, challenger, champion, promoted
) -> None:
    decision = decide(metric, margin, "2", challenger, "1", champion)
    assert decision.promoted is promoted
    assert f"{challenger:.4f} vs {champion:.4f}" in decision.reason
    assert decision.champion_score == champion and decision.challenger_score == challenger


def test_first_model_is_promoted_and_a_champion_that_cannot_score_is_replaced() -> None:
    assert decide("roc_auc", 0.0, "1", 0.6, None, None).promoted
    replaced = decide("roc_auc", 0.0, "3", 0.6, "2", None, champion_problem="KeyError: 'wx_temp_f'")
    assert replaced.promoted and "cannot score" in replaced.reason


class Trained:
    """What `judge` reads of a training result: the metrics and the holdout."""

    def __init__(self, model, holdout):
        self.holdout = holdout
        self.metrics = score(holdout.label, model.predict_proba(holdout.features)[:, 1])


class Holdout:
    def __init__(self, frame):
        self.features, self.label = frame[list(FEATURE_COLUMNS)], frame[LABEL].astype(int)


def register(target, model, example) -> str:
    with tracked_run(target, "test", {}):
        info = mlflow.sklearn.log_model(
            model, name="model", signature=infer_signature(example, model.predict_proba(example)),
            registered_model_name=target.model_name, serialization_format="cloudpickle", pip_requirements=model_requirements(),
        )  # fmt: skip
    version = str(info.registered_model_version)
    set_alias(target.client(), target.model_name, CHALLENGER, version)
    return version


def test_gate_refuses_a_worse_challenger_and_champion_stays(tmp_path) -> None:
    target = local_mlflow(tmp_path)
    client = target.client()
    train = feature_frame(date(2013, 1, 1), days=10, rows_per_day=200, seed=4)
    holdout = Holdout(feature_frame(date(2013, 1, 11), days=3, rows_per_day=300, seed=5))
    features, label = train[list(FEATURE_COLUMNS)], train[LABEL].astype(int)
    gate = PromotionSettings(metric="roc_auc", min_improvement=0.0)

    good = delay_model({"learning_rate": 0.1}, 60, seed=0).fit(features, label)
    first = register(target, good, holdout.features.head(3))
    decision = judge(client, target.model_name, first, Trained(good, holdout), gate)
    assert decision.promoted and decision.reason == "no champion yet"
    assert str(version_by_alias(client, target.model_name, CHAMPION).version) == first

    # One split on one feature: it knows almost nothing.
    worse = delay_model({"max_leaf_nodes": 2, "learning_rate": 0.01}, 1, seed=0).fit(features, label)
    second = register(target, worse, holdout.features.head(3))
    decision = judge(client, target.model_name, second, Trained(worse, holdout), gate)
    assert not decision.promoted
    assert decision.champion_version == first and decision.challenger_version == second
    assert decision.champion_score > decision.challenger_score
    assert decision.champion_score == pytest.approx(Trained(good, holdout).metrics["roc_auc"])
    assert str(version_by_alias(client, target.model_name, CHAMPION).version) == first
    assert str(version_by_alias(client, target.model_name, CHALLENGER).version) == second

    # Rolling back and forth is moving the alias, and only to versions that exist.
    assert promote(client, target.model_name, second, "test") == first
    assert str(version_by_alias(client, target.model_name, CHAMPION).version) == second
    assert client.get_model_version(target.model_name, second).tags["promotion_reason"] == "test"
    with pytest.raises(RegistryError, match="has no version 9 \\(versions: 1, 2\\)"):
        promote(client, target.model_name, "9", "test")
    listed = versions(client, target.model_name, ())
    assert [(v.version, set(v.aliases)) for v in listed] == [("2", {CHALLENGER, CHAMPION}), ("1", set())]

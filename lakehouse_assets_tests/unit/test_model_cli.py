"""`lakehouse model show|promote`: the registry as an operator sees it, and rolling back by moving the alias."""

from datetime import date
from pathlib import Path

import mlflow
import pytest
from click.testing import CliRunner
from mlflow.models import infer_signature

from lakehouse_assets.cli import main
from lakehouse_assets.ml.model import delay_model
from lakehouse_assets.ml.publish import model_requirements
from lakehouse_assets.ml.registry import CHAMPION, set_alias, version_by_alias
from lakehouse_assets.ml.tracking import MlflowTarget, tracked_run
from lakehouse_assets.transforms.features import FEATURE_COLUMNS, LABEL
from lakehouse_assets_tests.ml_data import empty_mlflow_database, feature_frame


@pytest.fixture
def two_versions(settings) -> MlflowTarget:
    """The test env's own MLflow store (under LAKEHOUSE_HOME) with versions 1 (champion) and 2."""
    target = MlflowTarget.from_settings(settings.environment.mlflow)
    empty_mlflow_database(Path(target.tracking_uri.removeprefix("sqlite:///")))
    frame = feature_frame(date(2013, 1, 1), days=3, rows_per_day=100, seed=3)
    features, label = frame[list(FEATURE_COLUMNS)], frame[LABEL].astype(int)
    for iterations in (5, 10):
        model = delay_model({}, iterations, seed=0).fit(features, label)
        with tracked_run(target, "cli", {}):
            mlflow.log_metric("holdout_roc_auc", 0.7 + iterations / 1000)
            mlflow.log_params({"training_start": "2013-01-01", "training_end": "2013-01-03"})
            mlflow.sklearn.log_model(
                model, name="model", signature=infer_signature(features.head(2), model.predict_proba(features.head(2))),
                registered_model_name=target.model_name, serialization_format="cloudpickle", pip_requirements=model_requirements(),
            )  # fmt: skip
    set_alias(target.client(), target.model_name, CHAMPION, "1")
    return target


def test_show_lists_versions_with_aliases_and_metrics(two_versions) -> None:
    result = CliRunner().invoke(main, ["model", "show"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith(f"model {two_versions.model_name} in sqlite:///")
    version_2, version_1 = lines[2], lines[3]
    assert version_2.split()[:2] == ["2", "-"] and "0.7100" in version_2
    assert (
        version_1.split()[:2] == ["1", "champion"] and "0.7050" in version_1 and "2013-01-01..2013-01-03" in version_1
    )


def test_promote_moves_champion_and_rolls_back(two_versions) -> None:
    client, name = two_versions.client(), two_versions.model_name
    result = CliRunner().invoke(main, ["model", "promote", "--version", "2", "--reason", "canary looked good"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"{name}: champion is now v2 (was v1)"
    assert str(version_by_alias(client, name, CHAMPION).version) == "2"
    assert client.get_model_version(name, "2").tags["promotion_reason"] == "canary looked good"

    rollback = CliRunner().invoke(main, ["model", "promote", "--version", "1"])
    assert rollback.exit_code == 0 and "champion is now v1 (was v2)" in rollback.output
    assert str(version_by_alias(client, name, CHAMPION).version) == "1"


def test_promoting_a_version_that_does_not_exist_changes_nothing(two_versions) -> None:
    result = CliRunner().invoke(main, ["model", "promote", "--version", "7"])
    assert result.exit_code == 1
    assert f"model {two_versions.model_name} has no version 7 (versions: 1, 2)" in result.output
    assert str(version_by_alias(two_versions.client(), two_versions.model_name, CHAMPION).version) == "1"


def test_show_on_an_empty_registry_says_how_to_get_a_model(settings) -> None:
    empty_mlflow_database(
        Path(MlflowTarget.from_settings(settings.environment.mlflow).tracking_uri.removeprefix("sqlite:///"))
    )
    result = CliRunner().invoke(main, ["model", "show"])
    assert result.exit_code == 0
    assert "has no versions yet; materialise ml/delay_model" in result.output

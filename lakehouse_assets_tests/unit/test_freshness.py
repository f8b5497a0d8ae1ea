"""A daily table's freshness is Dagster's FreshnessPolicy, judged by Dagster's freshness daemon. Here the daemon
itself runs one iteration against this project's definitions and a real instance whose event log holds
materialisations of known age. The policy applies while the partitions run up to today; the shipped envs end
with 2013, a closed window in which no day is due."""

import json
import shutil
import time
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import pytest
import yaml
from dagster._core.definitions.freshness import FreshnessState
from dagster._core.events import DagsterEvent, DagsterEventType, StepMaterializationData
from dagster._core.instance.utils import RUNLESS_JOB_NAME, RUNLESS_RUN_ID
from dagster._core.remote_origin import InProcessCodeLocationOrigin
from dagster._core.test_utils import InProcessTestWorkspaceLoadTarget
from dagster._core.types.loadable_target_origin import LoadableTargetOrigin
from dagster._core.workspace.context import WorkspaceProcessContext
from dagster._daemon.freshness import FreshnessDaemon

from lakehouse_assets.definitions import build_definitions
from lakehouse_assets.settings import load_settings

REPOSITORY = Path(__file__).resolve().parents[2]

DAILY_TABLES = {
    "bronze/flights", "bronze/flights_quarantine", "bronze/flights_file_ledger", "bronze/weather",
    "bronze/weather_quarantine", "silver/flights", "silver/weather", "gold/flights_enriched",
    "gold/daily_delay_summary", "features/flight_features", "scores/flight_delay_scores",
}  # fmt: skip


def materialised(instance: dg.DagsterInstance, key: str, age: timedelta) -> None:
    """Record a materialisation of `key` that happened `age` ago, as a run would have."""
    materialization = dg.AssetMaterialization(asset_key=dg.AssetKey.from_user_string(key), partition="2013-01-01")
    event = DagsterEvent(
        event_type_value=DagsterEventType.ASSET_MATERIALIZATION.value,
        job_name=RUNLESS_JOB_NAME,
        event_specific_data=StepMaterializationData(materialization),
    )
    instance.report_dagster_event(event, run_id=RUNLESS_RUN_ID, timestamp=time.time() - age.total_seconds())


@pytest.fixture
def open_window(lakehouse_home, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The test env's config with partitions running a year past today, as a live deployment's do."""
    config = tmp_path / "config"
    shutil.copytree(REPOSITORY / "config", config)
    env_file = config / "env" / "test.yaml"
    settings = yaml.safe_load(env_file.read_text())
    settings["partitions"]["end"] = (date.today() + timedelta(days=365)).isoformat()
    env_file.write_text(yaml.safe_dump(settings))
    monkeypatch.setenv("LAKEHOUSE_CONFIG_DIR", str(config))
    return load_settings("test")


def with_policy(settings) -> set[str]:
    return {
        spec.key.to_user_string()
        for asset in build_definitions(settings).assets
        for spec in asset.specs
        if spec.freshness_policy is not None
    }


def test_every_daily_table_and_nothing_else_has_a_freshness_policy(open_window) -> None:
    assert with_policy(open_window) == DAILY_TABLES


def test_a_window_that_ended_long_ago_has_no_day_due_and_no_policy(settings) -> None:
    assert settings.environment.partitions.end == date(2013, 12, 31)
    assert with_policy(settings) == set()


def test_the_daemon_marks_a_daily_table_stale_once_it_misses_more_days_than_allowed(open_window, instance) -> None:
    settings = open_window
    allowed = settings.environment.quality.freshness_max_lag_days
    assert allowed == 1  # the shipped default, which the ages below straddle
    materialised(instance, "silver/flights", timedelta(days=2, hours=1))  # two days missed
    materialised(instance, "silver/weather", timedelta(days=1, hours=1))  # one missed
    materialised(instance, "features/flight_features", timedelta(hours=2))  # today's
    materialised(instance, "ml/delay_model", timedelta(days=30))  # not a daily table: no policy

    origin = InProcessCodeLocationOrigin(LoadableTargetOrigin(module_name="lakehouse_assets.definitions", attribute="defs"))
    with WorkspaceProcessContext(instance, InProcessTestWorkspaceLoadTarget(origin)) as workspace:
        list(FreshnessDaemon().run_iteration(workspace))

    keys = ["silver/flights", "silver/weather", "features/flight_features", "gold/daily_delay_summary", "ml/delay_model"]
    records = instance.get_freshness_state_records([dg.AssetKey.from_user_string(key) for key in keys])
    states = {key.to_user_string(): record.freshness_state for key, record in records.items()}
    assert states == {
        "silver/flights": FreshnessState.FAIL,
        "silver/weather": FreshnessState.WARN,
        "features/flight_features": FreshnessState.PASS,
        "gold/daily_delay_summary": FreshnessState.UNKNOWN,  # never materialised
        "ml/delay_model": FreshnessState.NOT_APPLICABLE,
    }


def test_a_feed_may_allow_its_bronze_table_more_days_than_the_environment(open_window, monkeypatch) -> None:
    config = open_window.config_dir
    (config / "contracts").mkdir()
    (config / "contracts" / "sales.json").write_text(json.dumps({"required": ["store"], "properties": {"store": {"type": "string"}}}))
    feeds = json.loads((config / "feeds.json").read_text())
    feeds["feeds"].append(
        {"name": "sales", "format": "csv", "contract": "contracts/sales.json", "partition_column": "sale_day",
         "checks": {"freshness_max_lag_days": 3}}
    )  # fmt: skip
    (config / "feeds.json").write_text(json.dumps(feeds))
    policies = {
        spec.key.to_user_string(): spec.freshness_policy
        for asset in build_definitions(load_settings("test")).assets
        for spec in asset.specs
        if spec.freshness_policy is not None
    }
    assert policies["bronze/sales"].fail_window.to_timedelta() == timedelta(days=4)  # 3 days missed, then stale
    assert policies["bronze/sales_quarantine"].fail_window.to_timedelta() == timedelta(days=4)  # written in the same step
    assert policies["bronze/flights"].fail_window.to_timedelta() == timedelta(days=2)

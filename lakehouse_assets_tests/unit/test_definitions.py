import pytest

from lakehouse_assets.definitions import build_definitions, defs
from lakehouse_assets.settings import load_settings

# A rename here is a breaking change for schedules, sensors, backfills and downstream consumers.
EXPECTED_ASSET_KEYS = [
    "bronze/airlines",
    "bronze/airlines_quarantine",
    "bronze/airports",
    "bronze/airports_quarantine",
    "bronze/flights",
    "bronze/flights_file_ledger",
    "bronze/flights_quarantine",
    "bronze/planes",
    "bronze/planes_quarantine",
    "bronze/weather",
    "bronze/weather_quarantine",
    "features/flight_features",
    "gold/daily_delay_summary",
    "gold/flights_enriched",
    "reports/data_quality",
    "silver/airlines",
    "silver/airports",
    "silver/flights",
    "silver/planes",
    "silver/weather",
]


@pytest.mark.parametrize("env", ["dev", "test", "prod"])
def test_definitions_load_in_every_environment(env: str, lakehouse_home, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABRICKS_HOST", "https://placeholder.cloud.databricks.com")
    monkeypatch.setenv("DATABRICKS_TOKEN", "placeholder-token")
    loaded = build_definitions(load_settings(env))
    loaded.validate_loadable(loaded)
    keys = sorted(key.to_user_string() for key in loaded.resolve_asset_graph().get_all_asset_keys())
    assert keys == EXPECTED_ASSET_KEYS


def test_entry_point_is_lazy_definitions(lakehouse_home) -> None:
    loaded = defs()
    assert loaded.resolve_job_def("daily_pipeline").name == "daily_pipeline"


def test_every_partitioned_asset_backfills_in_a_single_run(lakehouse_home) -> None:
    graph = build_definitions(load_settings("test")).resolve_asset_graph()
    partitioned = [node for node in graph.asset_nodes if node.partitions_def is not None]
    assert partitioned, "expected daily-partitioned assets"
    for node in partitioned:
        assert node.backfill_policy is not None and node.backfill_policy.max_partitions_per_run is None, node.key


def test_asset_keys_are_prefixed_by_layer(lakehouse_home) -> None:
    layers = {"bronze", "silver", "gold", "features", "ml", "scores", "reports"}
    graph = build_definitions(load_settings("test")).resolve_asset_graph()
    assert {key.path[0] for key in graph.get_all_asset_keys()} <= layers

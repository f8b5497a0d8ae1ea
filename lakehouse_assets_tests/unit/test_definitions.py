import dagster as dg
import pytest
from dagster_pyspark import LazyPySparkResource

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
    "ml/delay_model",
    "ml/feature_drift",
    "reports/daily_operations",
    "reports/data_quality",
    "reports/model_performance",
    "scores/flight_delay_scores",
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
    # The run's SparkSession is dagster-pyspark's, configured per environment.
    spark = loaded.resources["spark"]
    assert isinstance(spark, LazyPySparkResource)
    if env == "prod":  # on the job cluster: its own, already configured session
        assert spark.spark_config == {}
    else:
        assert spark.spark_config["spark.master"].startswith("local")
        assert spark.spark_config["spark.sql.extensions"] == "io.delta.sql.DeltaSparkSessionExtension"
        assert "spark.jars" in spark.spark_config or "spark.jars.packages" in spark.spark_config


def test_spark_connect_sends_only_the_url_and_runtime_conf(lakehouse_home, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAKEHOUSE_SPARK_REMOTE", "sc://127.0.0.1:15002")
    spark = build_definitions(load_settings("test")).resources["spark"]
    assert spark.spark_config["spark.remote"] == "sc://127.0.0.1:15002"
    # Jars, master and static conf belong to the server; the client sends what a session accepts at runtime.
    assert all(key == "spark.remote" or key.startswith("spark.sql.") for key in spark.spark_config)


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


# Check names are part of the contract too: sensors and reports look results up by them.
EXPECTED_ML_CHECKS = {
    ("ml/delay_model", "challenger_promoted"),
    ("ml/feature_drift", "feature_drift_within_threshold"),
    ("scores/flight_delay_scores", "every_flight_scored"),
}


def test_ml_checks_are_defined_under_their_names(lakehouse_home) -> None:
    graph = build_definitions(load_settings("test")).resolve_asset_graph()
    checks = {(key.asset_key.to_user_string(), key.name) for key in graph.asset_check_keys}
    assert EXPECTED_ML_CHECKS <= checks


def test_ml_steps_require_the_step_launcher_in_prod(lakehouse_home, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABRICKS_HOST", "https://placeholder.cloud.databricks.com")
    monkeypatch.setenv("DATABRICKS_TOKEN", "placeholder-token")
    graph = build_definitions(load_settings("prod")).resolve_asset_graph()
    for key in ("ml/delay_model", "ml/feature_drift", "scores/flight_delay_scores"):
        node = graph.get(dg.AssetKey.from_user_string(key))
        assert "step_launcher" in node.assets_def.required_resource_keys, key
        # Only training opens an MLflow run (resource `mlflow`); scoring and drift read the registry.
        mlflow_key = "mlflow" if key == "ml/delay_model" else "model_registry"
        assert mlflow_key in node.assets_def.required_resource_keys, key
        assert ("mlflow" in node.assets_def.required_resource_keys) == (key == "ml/delay_model"), key


# Every check the UI shows, by its name: sensors, reports and people refer to them.
EXPECTED_CHECKS = sorted(
    [(f"bronze/{table}", "rows_conserved") for table in ("airlines", "airports", "flights", "planes", "weather")]
    + [(table, "volume_within_recent_range") for table in ("silver/flights", "silver/weather", "features/flight_features")]
    + [
        (table, name)
        for table in ("silver/airlines", "silver/airports", "silver/flights", "silver/planes", "silver/weather", "features/flight_features")
        for name in ("natural_key_complete", "natural_key_unique", "null_rates_within_threshold", "column_schema_change")
    ]
    + [("features/flight_features", "feature_columns_allowed"), *EXPECTED_ML_CHECKS]
)


def test_every_check_keeps_its_name_and_runs_in_the_step_of_its_asset(lakehouse_home, monkeypatch) -> None:
    monkeypatch.setenv("DATABRICKS_HOST", "https://placeholder.cloud.databricks.com")
    monkeypatch.setenv("DATABRICKS_TOKEN", "placeholder-token")
    loaded = build_definitions(load_settings("prod"))
    graph = loaded.resolve_asset_graph()
    assert sorted((key.asset_key.to_user_string(), key.name) for key in graph.asset_check_keys) == EXPECTED_CHECKS
    # Only the schema-change check has a step of its own: it reads the Dagster instance, so no Spark and no launcher.
    own_steps = list(loaded.asset_checks or [])
    assert {key.name for check in own_steps for key in check.check_keys} == {"column_schema_change"}
    for check in own_steps:
        assert not {"spark", "warehouse", "step_launcher"} & set(check.required_resource_keys)
    daily = loaded.resolve_job_def("daily_pipeline")
    launched = [node for node in daily.graph.nodes if "step_launcher" in node.definition.required_resource_keys]
    assert len(launched) == 11, sorted(node.name for node in launched)  # one Databricks run per asset step

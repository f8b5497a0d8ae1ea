"""In prod every Spark asset runs through the Databricks step launcher; elsewhere steps run in the run's process."""

from pathlib import Path

import dagster as dg
import pytest
from dagster_databricks.databricks_pyspark_step_launcher import DatabricksPySparkStepLauncher

from lakehouse_assets.assets.common import delta_out, requires_step_launcher, spark_asset, spark_multi_asset
from lakehouse_assets.assets.spark_steps import assets_missing_step_launcher, check_step_launcher, spark_asset_keys
from lakehouse_assets.definitions import build_definitions
from lakehouse_assets.resources.delta_io_manager import PARTITION_COLUMN
from lakehouse_assets.resources.run_cluster import RunClusterStepLauncher
from lakehouse_assets.resources.spark import SparkResource
from lakehouse_assets.resources.step_launcher import STEP_LAUNCHER_KEY, launcher_config
from lakehouse_assets.settings import load_settings

PLACEHOLDERS = {"DATABRICKS_HOST": "https://placeholder.cloud.databricks.com", "DATABRICKS_TOKEN": "placeholder-token"}


@pytest.fixture
def prod(lakehouse_home, monkeypatch: pytest.MonkeyPatch) -> dg.Definitions:
    for name, value in PLACEHOLDERS.items():
        monkeypatch.setenv(name, value)
    return build_definitions(load_settings("prod"))


def launcher_for(defs: dg.Definitions, cluster: str) -> dg.StepLauncher:
    resource_config = {STEP_LAUNCHER_KEY: {"config": {"cluster": cluster}}}
    with dg.build_resources({STEP_LAUNCHER_KEY: defs.resources[STEP_LAUNCHER_KEY]}, resource_config=resource_config) as built:
        return getattr(built, STEP_LAUNCHER_KEY)


def databricks_launcher(launcher: dg.StepLauncher) -> DatabricksPySparkStepLauncher:
    """dagster-databricks' launcher, itself or inside the one that submits to the run's cluster."""
    inner = launcher.launcher if isinstance(launcher, RunClusterStepLauncher) else launcher
    assert isinstance(inner, DatabricksPySparkStepLauncher)
    return inner


def test_every_spark_asset_in_the_prod_graph_requires_the_databricks_launcher(prod: dg.Definitions) -> None:
    graph = prod.resolve_asset_graph()
    assets = [graph.assets_def_for_key(node.key) for node in graph.asset_nodes]
    spark_keys = spark_asset_keys(assets)
    assert {dg.AssetKey(["bronze", "flights"]), dg.AssetKey(["silver", "flights"])} <= set(spark_keys)
    for node in graph.asset_nodes:
        if node.key in spark_keys:
            assert STEP_LAUNCHER_KEY in graph.assets_def_for_key(node.key).required_resource_keys, node.key
    # ... and in prod that key is the Databricks launcher, for the default cluster and for each job's cluster.
    settings = load_settings("prod")
    assert isinstance(launcher_for(prod, settings.clusters.default), RunClusterStepLauncher)  # etl: one cluster per run
    for job in settings.jobs.jobs:
        launcher = databricks_launcher(launcher_for(prod, job.cluster or settings.clusters.default))
        assert launcher.run_config["run_name"] == f"lakehouse_assets prod on {job.cluster or settings.clusters.default}"


def test_jobs_carry_their_cluster_of_job_config(prod: dg.Definitions) -> None:
    job = prod.resolve_job_def("daily_pipeline")
    resolved = job.run_config_schema.config_type.fields["resources"].config_type.fields[STEP_LAUNCHER_KEY]
    assert resolved.default_value == {"config": {"cluster": "etl"}}


@pytest.mark.parametrize("env", ["dev", "test"])
def test_elsewhere_no_launcher_is_bound(env: str, lakehouse_home) -> None:
    defs = build_definitions(load_settings(env))
    with dg.build_resources({STEP_LAUNCHER_KEY: defs.resources[STEP_LAUNCHER_KEY]}) as built:
        assert getattr(built, STEP_LAUNCHER_KEY) is None


def test_every_shipped_cluster_yields_a_valid_launcher(prod: dg.Definitions, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAKEHOUSE_DATABRICKS_CLUSTER_ID", "0101-123456-abcdefgh")
    monkeypatch.setenv("LAKEHOUSE_DATABRICKS_POOL_ID", "0101-pool-etl")
    for cluster in ("etl", "ml"):
        wrapper = launcher_for(prod, cluster)
        assert isinstance(wrapper, RunClusterStepLauncher) and wrapper.cluster.cluster_id is None  # created at the first step
        launcher = databricks_launcher(wrapper)
        assert "new" in launcher.run_config["cluster"]
        assert launcher.env_variables == {"LAKEHOUSE_ENV": "prod", "DATABRICKS_HOST": PLACEHOLDERS["DATABRICKS_HOST"]}
        assert launcher.databricks_token == PLACEHOLDERS["DATABRICKS_TOKEN"]  # from the environment, not a file
    pooled = databricks_launcher(launcher_for(prod, "etl_pooled"))
    assert pooled.run_config["cluster"]["new"]["nodes"] == {"instance_pool_id": "0101-pool-etl"}
    # Forwarded like the cluster id below: the step re-creates this resource on the cluster.
    assert pooled.env_variables["LAKEHOUSE_DATABRICKS_POOL_ID"] == "0101-pool-etl"
    interactive = launcher_for(prod, "interactive")
    assert interactive.run_config["cluster"] == {"existing": "0101-123456-abcdefgh"}
    # The id is forwarded so the step, re-creating its resources on the cluster, resolves the same config.
    assert interactive.env_variables["LAKEHOUSE_DATABRICKS_CLUSTER_ID"] == "0101-123456-abcdefgh"


def test_an_unset_cluster_id_variable_is_named(lakehouse_home, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LAKEHOUSE_DATABRICKS_CLUSTER_ID", raising=False)
    with pytest.raises(dg.Failure, match="clusters.interactive.existing_cluster_id: environment variable LAKEHOUSE_DATABRICKS_CLUSTER_ID is not set"):
        launcher_config(load_settings("prod"), "interactive")
    with pytest.raises(dg.Failure, match=r"no cluster 'gpu' \(known: etl, etl_pooled, interactive, ml\)"):
        launcher_config(load_settings("prod"), "gpu")
    monkeypatch.delenv("LAKEHOUSE_DATABRICKS_POOL_ID", raising=False)
    with pytest.raises(dg.Failure, match="clusters.etl_pooled.instance_pool: environment variable LAKEHOUSE_DATABRICKS_POOL_ID is not set"):
        launcher_config(load_settings("prod"), "etl_pooled")


def test_the_staged_code_is_the_package_with_the_launching_config(lakehouse_home) -> None:
    settings = load_settings("prod")
    staged = launcher_config(settings, "etl")["local_dagster_job_package_path"]
    bundle = Path(staged) / "lakehouse_assets"
    assert (bundle / "definitions.py").is_file()
    assert (bundle / "_bundled_config" / "cluster_config.json").read_text() == (settings.config_dir / "cluster_config.json").read_text()
    assert not list(bundle.rglob("__pycache__"))
    assert launcher_config(settings, "ml")["local_dagster_job_package_path"] == staged  # same content, same folder


# ---- the conventions that make every Spark asset require the launcher ------------------------------------------


def test_a_plain_spark_asset_is_refused_in_prod() -> None:
    @dg.asset(key=["gold", "escaped"])
    def escaped(spark: SparkResource) -> None:
        return None

    @dg.asset(key=["reports", "summary"], deps=[escaped])
    def summary() -> dg.MaterializeResult:
        return dg.MaterializeResult()

    @dg.asset(key=["reports", "chart"])
    def chart(escaped) -> None:  # loads a Delta table: a Spark DataFrame arrives
        return None

    assert assets_missing_step_launcher([escaped, summary, chart]) == ["gold/escaped", "reports/chart"]

    @dg.asset(key=["reports", "chart"])
    @requires_step_launcher
    def declared_chart(escaped) -> None:
        return None

    assert assets_missing_step_launcher([escaped, declared_chart]) == ["gold/escaped"]
    with pytest.raises(dg.DagsterInvalidDefinitionError, match="gold/escaped compute with Spark but do not require"):
        check_step_launcher([escaped, summary])


def test_spark_asset_and_multi_asset_require_the_launcher_whatever_their_signature() -> None:
    daily = dg.DailyPartitionsDefinition(start_date="2013-01-01")

    @spark_asset(key=["gold", "a"], partitions_def=daily, partition_column="flight_date")
    def generated(context: dg.AssetExecutionContext, spark: SparkResource, **extra):
        yield dg.Output(None)

    @spark_multi_asset(
        outs={"b": delta_out(["gold", "b"], partition_column="flight_date"), "c": delta_out(["features", "c"])},
        partitions_def=daily,
    )
    def both(context: dg.AssetExecutionContext):
        return None, None

    for assets_def in (generated, both):
        assert STEP_LAUNCHER_KEY in assets_def.required_resource_keys
        assert assets_def.backfill_policy == dg.BackfillPolicy.single_run()
    assert assets_missing_step_launcher([generated, both]) == []
    specs = {spec.key.to_user_string(): spec for spec in both.specs}
    assert (specs["gold/b"].group_name, specs["features/c"].group_name) == ("gold", "features")
    assert specs["gold/b"].kinds == {"spark", "delta"} and specs["gold/b"].owners == ["team:data-platform"]
    assert specs["gold/b"].metadata[PARTITION_COLUMN] == "flight_date"


def test_an_asset_with_checks_returns_its_table() -> None:
    from lakehouse_assets.checks.keys import key_checks

    with pytest.raises(ValueError, match="gold/streamed: an asset with checks returns its DataFrame"):

        @spark_asset(key=["gold", "streamed"], checks=key_checks(["id"]))
        def streamed():
            yield dg.MaterializeResult()


def test_the_launcher_parameter_is_invisible_to_the_asset_body() -> None:
    seen = {}

    @spark_asset(key=["gold", "plain"])
    def plain(context: dg.AssetExecutionContext) -> None:
        seen["partition"] = context.has_partition_key

    @spark_asset(key=["gold", "streamed"])
    def streamed():
        yield dg.MaterializeResult(metadata={"rows": 3})

    @spark_asset(key=["gold", "awaited"])
    async def awaited() -> dg.MaterializeResult:
        return dg.MaterializeResult(metadata={"rows": 4})

    result = dg.materialize(
        [plain, streamed, awaited], resources={STEP_LAUNCHER_KEY: dg.ResourceDefinition.none_resource(), "io_manager": dg.mem_io_manager}
    )
    assert result.success and seen == {"partition": False}
    metadata = {e.asset_key.to_user_string(): e.materialization.metadata for e in result.get_asset_materialization_events()}
    assert (metadata["gold/streamed"]["rows"].value, metadata["gold/awaited"]["rows"].value) == (3, 4)

"""Where Spark steps run: in the run's own process (dev, test, Spark Connect) or as Databricks runs (prod).

Every Spark asset requires the resource key `step_launcher` (see `assets/common.py`). Environments whose Spark
mode is `databricks` bind it to dagster-databricks' `databricks_pyspark_step_launcher`, configured by naming a
cluster of `config/cluster_config.json`; the others bind nothing and the step runs where the run runs. A
cluster with lifetime `run` is one cluster for all the steps of a Dagster run (see run_cluster.py).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from importlib.metadata import version
from typing import Any

import dagster as dg

from ..settings import Settings
from ..settings.clusters import ClusterSettings, EnvReference
from .code_bundle import stage_code
from .run_cluster import RunCluster, RunClusterStepLauncher

STEP_LAUNCHER_KEY = "step_launcher"
HOST_VAR = "DATABRICKS_HOST"
TOKEN_VAR = "DATABRICKS_TOKEN"
# ClusterSpec fields the launcher's `new` cluster schema takes unchanged; the rest are mapped below.
PASSTHROUGH_FIELDS = (
    "spark_version", "spark_conf", "spark_env_vars", "aws_attributes", "azure_attributes", "gcp_attributes",
    "ssh_public_keys", "data_security_mode", "single_user_name", "cluster_log_conf", "init_scripts",
    "enable_elastic_disk", "enable_local_disk_encryption", "docker_image", "runtime_engine", "policy_id",
)  # fmt: skip
MAPPED_FIELDS = ("node_type_id", "driver_node_type_id", "instance_pool_id", "num_workers", "autoscale", "custom_tags")


def step_launcher_resource(settings: Settings) -> dg.ResourceDefinition:
    if settings.environment.spark.mode != "databricks":
        return dg.ResourceDefinition.none_resource(description="Spark steps run in the run's own process.")
    from dagster_databricks import databricks_pyspark_step_launcher

    clusters = settings.clusters

    @dg.resource(
        config_schema={
            "cluster": dg.Field(
                str,
                default_value=clusters.default,
                description=f"Cluster of cluster_config.json to run on: {', '.join(sorted(clusters.clusters))}.",
            )
        },
        description="Runs each Spark step as a Databricks run on a cluster from config/cluster_config.json.",
    )
    def databricks_step_launcher(context: dg.InitResourceContext) -> Iterator[dg.StepLauncher]:
        name = context.resource_config["cluster"]
        # The launcher's own config schema resolves the `{"env": ...}` values and fills its defaults.
        config = {"launcher": {"config": launcher_config(settings, name)}}
        with dg.build_resources({"launcher": databricks_pyspark_step_launcher}, resource_config=config) as built:
            spec = clusters.clusters[name]
            if spec.lifetime == "step":
                yield built.launcher
                return
            # Created at the run's first Spark step, not here: the step re-creates this resource on the cluster,
            # where it launches nothing and so must create nothing.
            cluster = RunCluster(
                built.launcher.databricks_runner.client.workspace_client,
                spec=run_cluster_spec(settings, name, spec),
                idle_minutes=spec.idle_minutes,
            )
            try:
                yield RunClusterStepLauncher(built.launcher, cluster)
            finally:
                cluster.release(context.log)

    return databricks_step_launcher


def launcher_config(settings: Settings, cluster: str) -> dict[str, Any]:
    """The full `databricks_pyspark_step_launcher` config for one cluster of cluster_config.json."""
    where = f"{settings.config_dir / 'cluster_config.json'}: clusters"
    if cluster not in settings.clusters.clusters:
        raise dg.Failure(f"{where}: no cluster {cluster!r} (known: {', '.join(sorted(settings.clusters.clusters))})")
    spec = settings.clusters.clusters[cluster]
    launcher = settings.clusters.launcher
    # The step re-creates its resources on the cluster, this one included, so the non-secret variables read
    # here travel with it. The token does not: on the cluster the runtime's own credentials apply.
    forwarded = {"LAKEHOUSE_ENV": settings.env}
    if os.environ.get(HOST_VAR):
        forwarded[HOST_VAR] = os.environ[HOST_VAR]
    run_config: dict[str, Any] = {
        "run_name": f"lakehouse_assets {settings.env} on {cluster}",
        "cluster": _cluster_target(spec, f"{where}.{cluster}", forwarded),
        "libraries": [_with_version(library) for library in spec.libraries],
        "timeout_seconds": spec.timeout_seconds,
    }
    if spec.email_notifications:
        run_config["email_notifications"] = spec.email_notifications
    if spec.health:
        run_config["job_health_settings"] = spec.health.get("rules", [])
    config: dict[str, Any] = {
        "run_config": run_config,
        "databricks_host": {"env": HOST_VAR},
        "databricks_token": {"env": TOKEN_VAR},
        "env_variables": forwarded,
        "secrets_to_env_variables": [{"name": s.env, "scope": s.scope, "key": s.key} for s in spec.secrets],
        "local_dagster_job_package_path": str(stage_code(settings.config_dir)),
        "staging_prefix": launcher.staging_prefix,
        "poll_interval_sec": launcher.poll_interval_seconds,
        "max_completion_wait_time_seconds": launcher.max_wait_seconds,
        "verbose_logs": False,
    }
    if spec.storage is not None:
        config["storage"] = spec.storage.model_dump(exclude_none=True)
    return config


def launcher_cluster(spec: dict[str, Any]) -> dict[str, Any]:
    """A Jobs-API ClusterSpec in the shape of the launcher's `new` cluster config (it maps it back on submit)."""
    cluster = {name: spec[name] for name in PASSTHROUGH_FIELDS if name in spec}
    if "instance_pool_id" in spec:
        cluster["nodes"] = {"instance_pool_id": spec["instance_pool_id"]}
    else:
        node_types = {"node_type_id": spec["node_type_id"]}
        if "driver_node_type_id" in spec:
            node_types["driver_node_type_id"] = spec["driver_node_type_id"]
        cluster["nodes"] = {"node_types": node_types}
    cluster["size"] = {"autoscale": spec["autoscale"]} if "autoscale" in spec else {"num_workers": spec["num_workers"]}
    if "custom_tags" in spec:
        cluster["custom_tags"] = [{"key": key, "value": value} for key, value in spec["custom_tags"].items()]
    return cluster


def run_cluster_spec(settings: Settings, name: str, spec: ClusterSettings) -> dict[str, Any]:
    """The Jobs-API cluster spec a run-lifetime cluster is created from (its pool resolved)."""
    return _new_cluster(spec, f"{settings.config_dir / 'cluster_config.json'}: clusters.{name}", {})


def _cluster_target(spec: ClusterSettings, where: str, forwarded: dict[str, str]) -> dict[str, Any]:
    if spec.new_cluster is not None:
        return {"new": launcher_cluster(_new_cluster(spec, where, forwarded))}
    return {"existing": _from_env(spec.existing_cluster_id, f"{where}.existing_cluster_id", forwarded)}


def _new_cluster(spec: ClusterSettings, where: str, forwarded: dict[str, str]) -> dict[str, Any]:
    if spec.instance_pool is None:
        return dict(spec.new_cluster)
    pool = _from_env(spec.instance_pool, f"{where}.instance_pool", forwarded)
    return {**spec.new_cluster, "instance_pool_id": pool}


def _from_env(value: str | EnvReference, where: str, forwarded: dict[str, str]) -> str:
    """A literal, or the value of the environment variable a reference names (forwarded to the cluster)."""
    if not isinstance(value, EnvReference):
        return value
    if not os.environ.get(value.env):
        raise dg.Failure(f"{where}: environment variable {value.env} is not set")
    forwarded[value.env] = os.environ[value.env]
    return os.environ[value.env]


def _with_version(library: dict[str, Any]) -> dict[str, Any]:
    """Expand `{version}` so the cluster installs the wheel of the code that launched the run."""
    text = json.dumps(library)
    return json.loads(text.replace("{version}", version("lakehouse_assets"))) if "{version}" in text else library

"""Typed shape of config/cluster_config.json: Databricks compute in Jobs-API shape, and how steps are submitted."""

from __future__ import annotations

import re
from typing import Any, Literal

from databricks.sdk.service import compute
from pydantic import Field, model_validator

from . import cluster_spec
from .models import StrictModel

PLACEHOLDER = re.compile(r"\{(?!version\})[^{}]*\}")
ENV_NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"


class EnvReference(StrictModel):
    """A value read from an environment variable when a run is launched, e.g. a workspace's cluster id."""

    env: str = Field(pattern=ENV_NAME)


class SecretEnvSettings(StrictModel):
    """A Databricks secret the step on the cluster reads as an environment variable (the value never leaves the scope)."""

    env: str = Field(pattern=ENV_NAME, description="Environment variable name on the cluster.")
    scope: str
    key: str


class S3CredentialSettings(StrictModel):
    secret_scope: str
    access_key_key: str
    secret_key_key: str


class Adls2CredentialSettings(StrictModel):
    secret_scope: str
    storage_account_name: str
    storage_account_key_key: str


class StorageCredentialSettings(StrictModel):
    """Object-store keys the step sets on the cluster's Spark from a secret scope (not needed with Unity Catalog)."""

    s3: S3CredentialSettings | None = None
    adls2: Adls2CredentialSettings | None = None

    @model_validator(mode="after")
    def _exactly_one_store(self) -> StorageCredentialSettings:
        if (self.s3 is None) == (self.adls2 is None):
            raise ValueError("give exactly one of s3 or adls2")
        return self


class ClusterSettings(StrictModel):
    """One Databricks compute target in Jobs-API shape: a new cluster, or an existing cluster id.

    A new cluster lives for one step (`lifetime: step`, a job cluster per Databricks run) or for one Dagster run
    (`lifetime: run`: created at the run's first Spark step, used by all of them, terminated when the run ends).
    `instance_pool` takes its nodes from a pool named by an environment variable, so they start warm.
    `new_cluster`, `libraries`, `email_notifications` and `health` are checked field by field against
    databricks-sdk's ClusterSpec, Library, JobEmailNotifications and JobsHealthRules.
    """

    description: str = ""
    new_cluster: dict[str, Any] | None = None
    existing_cluster_id: str | EnvReference | None = None
    lifetime: Literal["step", "run"] = Field(
        default="step", description="step: a job cluster per step; run: one cluster shared by a run's steps."
    )
    instance_pool: EnvReference | None = Field(
        default=None, description="Environment variable holding the instance pool the nodes come from."
    )
    idle_minutes: int = Field(
        default=20,
        ge=10,
        le=10_000,
        description="A run's cluster left behind (its Dagster process killed) terminates itself after this idle time.",
    )
    libraries: tuple[dict[str, Any], ...] = Field(
        default=(), description="Jobs-API libraries; '{version}' in a path becomes the running lakehouse_assets version."
    )
    secrets: tuple[SecretEnvSettings, ...] = ()
    storage: StorageCredentialSettings | None = None
    timeout_seconds: int = Field(default=0, ge=0)
    email_notifications: dict[str, Any] | None = None
    health: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _valid_jobs_api_shape(self) -> ClusterSettings:
        if (self.new_cluster is None) == (self.existing_cluster_id is None):
            raise ValueError("give exactly one of new_cluster or existing_cluster_id")
        if self.new_cluster is None and (self.lifetime == "run" or self.instance_pool is not None):
            raise ValueError("lifetime 'run' and instance_pool are for a new_cluster, not an existing cluster")
        problems = [*_new_cluster_problems(self.new_cluster, pooled=self.instance_pool is not None)]
        problems += _library_problems(self.libraries)
        for name, value in (("email_notifications", self.email_notifications), ("health", self.health)):
            if value is not None:
                problems += cluster_spec.check_shape(cluster_spec.SDK_TYPES[name], value, name)
        if problems:
            raise ValueError("; ".join(problems))
        return self


def _new_cluster_problems(spec: dict[str, Any] | None, pooled: bool) -> list[str]:
    if spec is None:
        return []
    problems = cluster_spec.check_shape(compute.ClusterSpec, spec, "new_cluster")
    problems += cluster_spec.check_launcher_support(spec, "new_cluster", "new_cluster")
    if not spec.get("spark_version"):
        problems.append("new_cluster.spark_version: missing (the Databricks Runtime, e.g. 17.3.x-scala2.13)")
    if pooled:
        node_fields = sorted({"node_type_id", "driver_node_type_id", "instance_pool_id"} & set(spec))
        if node_fields:
            problems.append(f"new_cluster: {', '.join(node_fields)} given, but instance_pool decides the nodes")
    elif ("node_type_id" in spec) == ("instance_pool_id" in spec):
        problems.append("new_cluster: give exactly one of node_type_id or instance_pool_id (or instance_pool)")
    if ("num_workers" in spec) == ("autoscale" in spec):
        problems.append("new_cluster: give exactly one of num_workers or autoscale")
    for name in ("spark_conf", "spark_env_vars"):
        problems += cluster_spec.check_no_plain_secrets(spec.get(name), f"new_cluster.{name}")
    return problems


def _library_problems(libraries: tuple[dict[str, Any], ...]) -> list[str]:
    problems = []
    for index, library in enumerate(libraries):
        where = f"libraries[{index}]"
        problems += cluster_spec.check_shape(compute.Library, library, where)
        problems += cluster_spec.check_launcher_support(library, where, "libraries")
        if len(library) != 1:
            problems.append(f"{where}: give exactly one of {', '.join(sorted(cluster_spec.library_kinds()))}")
        if any(PLACEHOLDER.search(text) for text in _strings(library)):
            problems.append(f"{where}: the only placeholder is {{version}}")
    return problems


def _strings(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node]
    items = node.values() if isinstance(node, dict) else node if isinstance(node, list | tuple) else []
    return [text for item in items for text in _strings(item)]


class DatabricksLauncherSettings(StrictModel):
    """How Spark steps are submitted to Databricks (dagster-databricks' step launcher)."""

    staging_prefix: str = Field(
        default="/dagster_staging/lakehouse_assets", pattern=r"^/", description="DBFS folder for staged code and events."
    )
    poll_interval_seconds: float = Field(default=10.0, gt=0)
    max_wait_seconds: int = Field(default=24 * 3600, gt=0)


class ClusterConfig(StrictModel):
    default_cluster: str | None = Field(default=None, description="Cluster for runs that name none; optional if only one.")
    launcher: DatabricksLauncherSettings = DatabricksLauncherSettings()
    clusters: dict[str, ClusterSettings]

    @model_validator(mode="after")
    def _default_is_known(self) -> ClusterConfig:
        names = ", ".join(sorted(self.clusters)) or "(none)"
        if self.default_cluster is not None and self.default_cluster not in self.clusters:
            raise ValueError(f"default_cluster {self.default_cluster!r} is not a cluster (known: {names})")
        if self.default_cluster is None and len(self.clusters) != 1:
            raise ValueError(f"give default_cluster, one of {names}")
        return self

    @property
    def default(self) -> str:
        return self.default_cluster or next(iter(self.clusters))

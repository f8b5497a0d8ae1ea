"""Typed shapes of the files in `config/`. Unknown keys are errors, so a typo never silently becomes a default."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from databricks.sdk.service import compute
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from . import cluster_spec

IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
PLACEHOLDER = re.compile(r"\{(?!version\})[^{}]*\}")


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StorageSettings(StrictModel):
    warehouse: str = Field(description="Root folder or URI of Delta tables stored by path.")
    catalog: str | None = Field(
        default=None, description="Metastore/Unity Catalog name; tables become catalog.<layer>.<table>."
    )
    reports: str

    @field_validator("catalog")
    @classmethod
    def _catalog_is_identifier(cls, value: str | None) -> str | None:
        if value is not None and not IDENTIFIER.match(value):
            raise ValueError(f"{value!r} is not a valid catalog identifier (letters, digits, underscore)")
        return value


DATABRICKS_CONNECT = "databricks"  # spark.remote for Databricks Connect (serverless, or DATABRICKS_CLUSTER_ID)


def is_connect_remote(remote: str | None) -> bool:
    return remote == DATABRICKS_CONNECT or (remote or "").startswith("sc://")


class SparkSettings(StrictModel):
    mode: Literal["local", "connect", "databricks"] = "local"
    master: str | None = "local[2]"
    remote: str | None = Field(default=None, description="Spark Connect URL sc://host:port, or 'databricks'.")
    delta_jars_dir: str | None = None
    packages: tuple[str, ...] = ()
    conf: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _mode_has_its_endpoint(self) -> SparkSettings:
        if self.mode == "local" and not self.master:
            raise ValueError("mode 'local' needs spark.master (e.g. local[2])")
        if self.mode == "connect" and not is_connect_remote(self.remote):
            raise ValueError(f"mode 'connect' needs spark.remote as sc://host:port or {DATABRICKS_CONNECT!r}")
        return self


class MlflowSettings(StrictModel):
    tracking_uri: str
    registry_uri: str | None = None
    artifact_location: str | None = None
    experiment: str
    model_name: str


DriftPolicy = Literal["rescue", "fail", "add"]


class FileFeedSettings(StrictModel):
    """A feed of files in the landing zone."""

    drift_policy: DriftPolicy = "rescue"


class ApiSettings(StrictModel):
    """A paginated JSON-over-HTTP source. The bearer token is read from the env var named here, never stored."""

    url: str
    page_size: int = Field(default=500, gt=0)
    timeout_seconds: float = Field(default=10.0, gt=0)
    max_retries: int = Field(default=5, ge=0)
    backoff_seconds: float = Field(default=0.5, ge=0)
    token_env: str | None = None


class WeatherSourceSettings(StrictModel):
    mode: Literal["api", "files"] = "files"
    api: ApiSettings | None = None
    drift_policy: DriftPolicy = "rescue"

    @model_validator(mode="after")
    def _api_mode_has_api(self) -> "WeatherSourceSettings":
        if self.mode == "api" and self.api is None:
            raise ValueError("mode 'api' needs an api section (url, page_size, ...)")
        return self


class JdbcTableSettings(StrictModel):
    """How one table is read: optionally in parallel ranges of a numeric column, optionally incrementally."""

    partition_column: str | None = None
    lower_bound: int | None = None
    upper_bound: int | None = None
    num_partitions: int | None = Field(default=None, gt=0)
    watermark_column: str | None = None


class ReferenceSourceSettings(StrictModel):
    """The operational database holding airlines, airports and planes, read through Spark JDBC."""

    jdbc_url: str
    driver: str
    user_env: str | None = None
    password_env: str | None = None
    tables: dict[str, JdbcTableSettings] = Field(default_factory=dict)


class SourceSettings(StrictModel):
    landing: str
    flights: FileFeedSettings = FileFeedSettings()
    weather: WeatherSourceSettings = WeatherSourceSettings()
    reference: ReferenceSourceSettings | None = None


class PartitionSettings(StrictModel):
    start: date
    end: date = Field(description="Last day with a partition (inclusive).")
    timezone: str = "America/New_York"

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone {value!r}") from error
        return value

    @model_validator(mode="after")
    def _ordered(self) -> PartitionSettings:
        if self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        return self

    @property
    def end_exclusive(self) -> date:
        return self.end + timedelta(days=1)


class EnvSettings(StrictModel):
    storage: StorageSettings
    spark: SparkSettings
    mlflow: MlflowSettings
    sources: SourceSettings
    partitions: PartitionSettings


class ScheduleSettings(StrictModel):
    cron: str
    timezone: str = "UTC"
    enabled: bool = False


class JobSettings(StrictModel):
    name: str
    description: str = ""
    selection: str = Field(description="Dagster asset selection, e.g. 'group:bronze or key:silver/flights'.")
    partitioned: bool = True
    executor: Literal["in_process", "multiprocess"] = "in_process"
    cluster: str | None = None
    tags: dict[str, str] = Field(default_factory=dict)
    schedule: ScheduleSettings | None = None

    @field_validator("name")
    @classmethod
    def _name_is_identifier(cls, value: str) -> str:
        if not IDENTIFIER.match(value):
            raise ValueError(f"{value!r} is not a valid job name (letters, digits, underscore)")
        return value


class JobConfig(StrictModel):
    jobs: tuple[JobSettings, ...]

    @model_validator(mode="after")
    def _unique_names(self) -> JobConfig:
        names = [job.name for job in self.jobs]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"job names must be unique; repeated: {', '.join(duplicates)}")
        return self


class EnvReference(StrictModel):
    """A value read from an environment variable when a run is launched, e.g. a workspace's cluster id."""

    env: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")


class SecretEnvSettings(StrictModel):
    """A Databricks secret the step on the cluster reads as an environment variable (the value never leaves the scope)."""

    env: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", description="Environment variable name on the cluster.")
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
    """One Databricks compute target in Jobs-API shape: a new job cluster or an existing cluster id.

    `new_cluster`, `libraries`, `email_notifications` and `health` are checked field by field against
    databricks-sdk's ClusterSpec, Library, JobEmailNotifications and JobsHealthRules.
    """

    description: str = ""
    new_cluster: dict[str, Any] | None = None
    existing_cluster_id: str | EnvReference | None = None
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
        problems = [*_new_cluster_problems(self.new_cluster), *_library_problems(self.libraries)]
        for name, value in (("email_notifications", self.email_notifications), ("health", self.health)):
            if value is not None:
                problems += cluster_spec.check_shape(cluster_spec.SDK_TYPES[name], value, name)
        if problems:
            raise ValueError("; ".join(problems))
        return self


def _new_cluster_problems(spec: dict[str, Any] | None) -> list[str]:
    if spec is None:
        return []
    problems = cluster_spec.check_shape(compute.ClusterSpec, spec, "new_cluster")
    problems += cluster_spec.check_launcher_support(spec, "new_cluster", "new_cluster")
    if not spec.get("spark_version"):
        problems.append("new_cluster.spark_version: missing (the Databricks Runtime, e.g. 17.3.x-scala2.13)")
    if ("node_type_id" in spec) == ("instance_pool_id" in spec):
        problems.append("new_cluster: give exactly one of node_type_id or instance_pool_id")
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

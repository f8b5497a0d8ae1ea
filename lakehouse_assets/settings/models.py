"""Typed shapes of the files in `config/`. Unknown keys are errors, so a typo never silently becomes a default."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


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

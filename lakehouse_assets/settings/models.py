"""Typed shapes of the files in `config/`. Unknown keys are errors, so a typo never silently becomes a default."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator

from .base import StrictModel
from .ml import DateWindow, MlSettings

IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def known_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"unknown time zone {value!r}") from error
    return value


class StorageSettings(StrictModel):
    warehouse: str = Field(description="Root folder or URI of Delta tables stored by path.")
    catalog: str | None = Field(
        default=None, description="Metastore/Unity Catalog name; tables become catalog.<layer>.<table>."
    )
    reports: str
    write_attempts: int = Field(
        default=5,
        ge=1,
        le=50,
        description="Tries of a Delta commit lost to a concurrent writer (the first included) before the step fails.",
    )

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
    ui_url: str | None = Field(
        default=None,
        description="Base URL of the MLflow UI serving this store (e.g. http://127.0.0.1:5000), for run links "
        "in asset metadata; on Databricks the links are built from DATABRICKS_HOST.",
    )


DriftPolicy = Literal["rescue", "fail", "add"]


class FileFeedSettings(StrictModel):
    """A feed of files in the landing zone."""

    drift_policy: DriftPolicy = "rescue"


class ApiSettings(StrictModel):
    """A paginated JSON-over-HTTP source. The bearer token is read from the env var named here, never stored."""

    url: str = Field(description="Endpoint of the day's first page; the day goes in the `date` query parameter.")
    page_size: int = Field(default=500, gt=0, le=10_000)
    timeout_seconds: float = Field(default=10.0, gt=0, description="Connect and read timeout of one request.")
    max_retries: int = Field(default=5, ge=0, description="Retries of one page on 429, 5xx, timeouts, broken transfers.")
    backoff_seconds: float = Field(default=0.5, ge=0, description="First wait between tries; doubles each retry.")
    max_backoff_seconds: float = Field(default=30.0, ge=0, description="Cap on one wait, Retry-After included.")
    token_env: str | None = Field(default=None, description="Env var holding the bearer token.")
    max_page_bytes: int = Field(
        default=64 * 1024 * 1024, gt=0, description="A page larger than this is an error, not read into memory."
    )

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^/\s]+", value):
            raise ValueError(f"{value!r} is not an http(s) URL")
        if re.search(r"^https?://[^/]*@", value):
            raise ValueError("credentials do not belong in the URL; name an env var in token_env")
        return value

    @field_validator("token_env")
    @classmethod
    def _env_name(cls, value: str | None) -> str | None:
        return _env_var_name(value)


class WeatherSourceSettings(StrictModel):
    """Weather observations: from the HTTP API (`api`) or the landing zone's JSON files (`files`), same payload."""

    mode: Literal["api", "files"] = "files"
    api: ApiSettings | None = None
    drift_policy: DriftPolicy = "rescue"

    @model_validator(mode="after")
    def _api_mode_has_api(self) -> WeatherSourceSettings:
        if self.mode == "api" and self.api is None:
            raise ValueError("mode 'api' needs an api section (url, page_size, ...)")
        return self


# Drivers known by their JDBC URL prefix; any other database names its driver class in config.
KNOWN_DRIVERS = {"jdbc:sqlite:": "org.sqlite.JDBC", "jdbc:postgresql:": "org.postgresql.Driver"}
_QUALIFIED = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*){0,2}$")


class JdbcTableSettings(StrictModel):
    """How one table is read: optionally in parallel ranges of a numeric/date column, optionally incrementally.

    Bounds left out are read from the table (MIN/MAX of the partition column) at load time.
    """

    source: str | None = Field(default=None, description="Table in the database (may be schema.table); default: the table's name.")
    partition_column: str | None = None
    lower_bound: int | str | None = None
    upper_bound: int | str | None = None
    num_partitions: int | None = Field(default=None, gt=0, le=1024)
    watermark_column: str | None = Field(default=None, description="Monotonic column (timestamp/number) for incremental loads.")
    fetch_size: int = Field(default=10_000, gt=0, description="Rows per round trip (JDBC fetchsize).")

    @field_validator("source")
    @classmethod
    def _qualified_name(cls, value: str | None) -> str | None:
        if value is not None and not _QUALIFIED.match(value):
            raise ValueError(f"{value!r} is not a table name (identifier, optionally schema-qualified)")
        return value

    @field_validator("lower_bound", "upper_bound")
    @classmethod
    def _bound_value(cls, value: int | str | None) -> int | str | None:
        """Bounds reach the database's WHERE clause (through Spark): only numbers, dates and timestamps pass."""
        if isinstance(value, str) and not re.fullmatch(r"-?\d+", value.strip()):
            try:
                datetime.fromisoformat(value.strip())
            except ValueError:
                raise ValueError(f"{value!r} is not a number, date or timestamp (YYYY-MM-DD[ HH:MM:SS])") from None
        return value

    @field_validator("partition_column", "watermark_column")
    @classmethod
    def _column_name(cls, value: str | None) -> str | None:
        if value is not None and not IDENTIFIER.match(value):
            raise ValueError(f"{value!r} is not a plain column name (letters, digits, underscore)")
        return value

    @model_validator(mode="after")
    def _partitioning_is_complete(self) -> JdbcTableSettings:
        if (self.partition_column is None) != (self.num_partitions is None):
            raise ValueError("partition_column and num_partitions go together")
        if (self.lower_bound is None) != (self.upper_bound is None):
            raise ValueError("give both lower_bound and upper_bound, or neither (they are then read from the table)")
        if self.lower_bound is not None and self.partition_column is None:
            raise ValueError("bounds need a partition_column")
        if isinstance(self.lower_bound, int) and isinstance(self.upper_bound, int) and self.lower_bound >= self.upper_bound:
            raise ValueError(f"lower_bound {self.lower_bound} must be below upper_bound {self.upper_bound}")
        return self


class ReferenceSourceSettings(StrictModel):
    """The operational database holding airlines, airports and planes, read through Spark JDBC.

    Without `jdbc_url` the SQLite file `lakehouse seed` writes into the landing zone is read. Credentials come
    only from the env vars named by `user_env` / `password_env`.
    """

    jdbc_url: str | None = None
    driver: str | None = None
    user_env: str | None = None
    password_env: str | None = None
    drift_policy: DriftPolicy = "rescue"
    tables: dict[str, JdbcTableSettings] = Field(default_factory=dict)

    @field_validator("jdbc_url")
    @classmethod
    def _jdbc_url_without_secrets(cls, value: str | None) -> str | None:
        if value is None:
            return value
        if not value.startswith("jdbc:"):
            raise ValueError(f"{value!r} is not a JDBC URL (jdbc:<database>:...)")
        if re.search(r"(?i)(password|passwd|pwd|user|token)=|//[^/]*:[^/]*@", value):
            raise ValueError("credentials do not belong in the JDBC URL; name env vars in user_env / password_env")
        return value

    @field_validator("user_env", "password_env")
    @classmethod
    def _env_name(cls, value: str | None) -> str | None:
        return _env_var_name(value)

    @model_validator(mode="after")
    def _driver_known(self) -> ReferenceSourceSettings:
        if self.jdbc_url and self.driver is None and self.resolved_driver is None:
            raise ValueError(f"no default driver for {self.jdbc_url.split('//')[0]}; set driver (the JDBC driver class)")
        return self

    @property
    def resolved_driver(self) -> str | None:
        url = self.jdbc_url or "jdbc:sqlite:"
        return self.driver or next((driver for prefix, driver in KNOWN_DRIVERS.items() if url.startswith(prefix)), None)

    def table(self, name: str) -> JdbcTableSettings:
        return self.tables.get(name, JdbcTableSettings())


def _env_var_name(value: str | None) -> str | None:
    if value is not None and not IDENTIFIER.match(value):
        raise ValueError(f"{value!r} is not an environment variable name")
    return value


class SourceSettings(StrictModel):
    landing: str
    flights: FileFeedSettings = FileFeedSettings()
    weather: WeatherSourceSettings = WeatherSourceSettings()
    reference: ReferenceSourceSettings = ReferenceSourceSettings()


class PartitionSettings(DateWindow):
    """The days that have partitions: a date window (ordered, inclusive) with the time zone days are cut in."""

    end: date = Field(description="Last day with a partition (inclusive).")
    timezone: str = "America/New_York"

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        return known_timezone(value)


class QualitySettings(StrictModel):
    """Thresholds of the non-blocking data-quality checks."""

    max_null_rate: float = Field(default=0.05, ge=0, le=1)
    volume_tolerance: float = Field(default=0.5, gt=0, description="Allowed relative deviation from the recent median.")
    volume_lookback_days: int = Field(default=7, gt=0)
    freshness_max_lag_days: int = Field(
        default=1, ge=0, description="Days a daily table may go without a materialisation before its FreshnessPolicy fails."
    )


class EnvSettings(StrictModel):
    storage: StorageSettings
    spark: SparkSettings
    mlflow: MlflowSettings
    sources: SourceSettings
    partitions: PartitionSettings
    quality: QualitySettings = QualitySettings()
    ml: MlSettings = MlSettings()

    @model_validator(mode="after")
    def _ml_windows_within_partitions(self) -> EnvSettings:
        first, last = self.partitions.start, self.partitions.end
        for name, window in (("training", self.ml.training), ("holdout", self.ml.holdout)):
            if window.start < first or window.end > last:
                raise ValueError(
                    f"ml.{name} {window.start}..{window.end} is outside partitions {first}..{last}"
                )
        return self


class ScheduleSettings(StrictModel):
    cron: str = Field(description="When ticks fire, e.g. '0 6 * * *'.")
    timezone: str = Field(description="IANA zone the cron is read in, e.g. America/New_York.")
    enabled: bool = Field(default=False, description="Running when Dagster starts; otherwise turned on in the UI.")
    partition_lag_days: int = Field(
        default=1, ge=0, description="A partitioned job's tick targets the day this many days before the tick's date."
    )

    @field_validator("cron")
    @classmethod
    def _valid_cron(cls, value: str) -> str:
        from ..dagster_internals import is_valid_cron_string

        if not is_valid_cron_string(value):
            raise ValueError(f"{value!r} is not a valid cron expression (five fields, e.g. '0 6 * * *')")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        return known_timezone(value)


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

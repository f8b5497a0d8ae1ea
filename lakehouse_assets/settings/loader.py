"""Load and validate `config/` once, choosing the environment from LAKEHOUSE_ENV."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from .clusters import ClusterConfig
from .feeds import FeedsConfig
from .models import DATABRICKS_CONNECT, EnvSettings, JobConfig, is_connect_remote

DEFAULT_ENV = "dev"
ENV_VAR = "LAKEHOUSE_ENV"
HOME_VAR = "LAKEHOUSE_HOME"
CONFIG_DIR_VAR = "LAKEHOUSE_CONFIG_DIR"
SPARK_REMOTE_VAR = "LAKEHOUSE_SPARK_REMOTE"
DELTA_JARS_VAR = "LAKEHOUSE_DELTA_JARS_DIR"

Model = TypeVar("Model", bound=BaseModel)


class ConfigError(Exception):
    """A configuration file is missing, malformed or invalid. The message names the file and the key."""


@dataclass(frozen=True)
class Settings:
    env: str
    home: Path
    config_dir: Path
    environment: EnvSettings
    jobs: JobConfig
    clusters: ClusterConfig
    feeds: FeedsConfig


def lakehouse_home() -> Path:
    return Path(os.environ.get(HOME_VAR) or ".lakehouse").expanduser().resolve()


def config_dir() -> Path:
    """`LAKEHOUSE_CONFIG_DIR`, else the repository's `config/`, else the copy bundled into a built wheel."""
    if explicit := os.environ.get(CONFIG_DIR_VAR):
        return Path(explicit).expanduser().resolve()
    package_dir = Path(__file__).resolve().parents[1]
    repository_config = package_dir.parent / "config"
    if repository_config.is_dir():
        return repository_config
    return package_dir / "_bundled_config"


def available_envs(directory: Path) -> list[str]:
    return sorted(path.stem for path in (directory / "env").glob("*.yaml"))


def load_settings(env: str | None = None, directory: Path | None = None) -> Settings:
    directory = directory or config_dir()
    env = env or os.environ.get(ENV_VAR) or DEFAULT_ENV
    envs = available_envs(directory)
    if env not in envs:
        raise ConfigError(
            f"{ENV_VAR}={env!r} is not an environment in {directory / 'env'}; choose one of {', '.join(envs) or '(none)'}"
        )
    home = lakehouse_home()
    raw_env = _expand_home(_read(directory / "env" / f"{env}.yaml"), home)
    environment = _validate(EnvSettings, raw_env, directory / "env" / f"{env}.yaml")
    environment = _apply_env_overrides(environment)
    jobs = _validate(JobConfig, _read(directory / "job_config.json"), directory / "job_config.json")
    clusters = _validate(ClusterConfig, _read(directory / "cluster_config.json"), directory / "cluster_config.json")
    for index, job in enumerate(jobs.jobs):
        where = f"{directory / 'job_config.json'}: jobs[{index}]"
        if job.cluster is not None and job.cluster not in clusters.clusters:
            raise ConfigError(
                f"{where}.cluster: {job.cluster!r} is not a cluster in "
                f"cluster_config.json (known: {', '.join(sorted(clusters.clusters))})"
            )
        # Resources live per process: with one process per step, each step would start its own "shared" cluster.
        cluster = job.cluster or clusters.default
        if clusters.clusters[cluster].lifetime == "run" and job.executor != "in_process":
            raise ConfigError(
                f"{where}.executor: {job.executor!r}, but cluster {cluster!r} has lifetime 'run', which needs "
                "the steps of a run in one process: use executor 'in_process' or a cluster with lifetime 'step'"
            )
    job_names = [job.name for job in jobs.jobs]
    if environment.ml.retraining.job not in job_names:
        raise ConfigError(
            f"{directory / 'env' / f'{env}.yaml'}: ml.retraining.job: {environment.ml.retraining.job!r} is not a job "
            f"in job_config.json (known: {', '.join(job_names)})"
        )
    feeds = load_feeds(directory)
    tables, known = environment.sources.reference.tables, [feed.name for feed in feeds.of_format("jdbc")]
    unknown = sorted(set(tables) - set(known))
    if unknown:
        raise ConfigError(
            f"{directory / 'env' / f'{env}.yaml'}: sources.reference.tables: unknown table(s) {', '.join(unknown)}; "
            f"expected some of the jdbc feeds of feeds.json: {', '.join(known)}"
        )
    return Settings(
        env=env, home=home, config_dir=directory, environment=environment, jobs=jobs, clusters=clusters, feeds=feeds
    )


# What the shipped graph's own code reads of its feeds (silver/flights, silver/weather, the silver reference
# tables): feeds.json keeps these entries with these values.
SHIPPED_FEEDS: dict[str, dict[str, object]] = {
    "flights": {"format": "csv", "contract": "flights", "partition_column": "flight_date", "silver": "silver/flights"},
    "weather": {"format": "weather_payload", "contract": "weather", "partition_column": "observation_date", "silver": "silver/weather"},
    **{table: {"format": "jdbc", "contract": table, "silver": f"silver/{table}"} for table in ("airlines", "airports", "planes")},
}  # fmt: skip
# Keys an environment file sets instead, per feed or per format: feeds.json must not hold a value that is ignored.
SET_IN_ENVIRONMENT = {
    "flights": {"drift_policy": "sources.flights"},
    "weather_payload": {"drift_policy": "sources.weather", "description": "(the weather feed's own)"},
    "jdbc": {"drift_policy": "sources.reference"},
}


def load_feeds(directory: Path | None = None) -> FeedsConfig:
    """config/feeds.json, each feed checked against its contract."""
    directory = directory or config_dir()
    from ..ingestion.contracts import ContractError, feed_contract
    from ..ingestion.file_feed import FeedError, file_feed

    path = directory / "feeds.json"
    feeds = _validate(FeedsConfig, _read(path), path)
    for index, feed in enumerate(feeds.feeds):
        where = f"{path}: feeds[{index}]"
        for key, value in SHIPPED_FEEDS.get(feed.name, {}).items():
            if getattr(feed, key) != value:
                raise ConfigError(f"{where}.{key} ({feed.name}): the shipped graph reads this feed with {key} {value!r}; keep it")
        if feed.format == "weather_payload" and feed.name != "weather":
            raise ConfigError(f"{where}.format ({feed.name}): weather_payload is the weather feed's own reader; use csv, json_lines or json_array")
        for key, section in {**SET_IN_ENVIRONMENT.get(feed.format, {}), **SET_IN_ENVIRONMENT.get(feed.name, {})}.items():
            if key in feed.model_fields_set:
                raise ConfigError(f"{where}.{key} ({feed.name}): not read from feeds.json for this feed; set {section} in the environment file")
        try:
            if feed.is_generic_file_feed:
                file_feed(feed, directory)
            else:
                feed_contract(feed.name, feed.contract, directory)
        except FeedError as error:
            raise ConfigError(f"{where}.{error.key} ({feed.name}): {error}") from None
        except ContractError as error:
            raise ConfigError(f"{where}.contract ({feed.name}): {error}") from None
    declared = {feed.name for feed in feeds.feeds}
    for name, shipped in SHIPPED_FEEDS.items():
        if name not in declared:
            raise ConfigError(f"{path}: feeds: the shipped graph reads feed {name!r} (format {shipped['format']!r}); keep its entry")
    return feeds


def _read(path: Path) -> Any:
    if not path.is_file():
        raise ConfigError(f"{path}: file not found")
    text = path.read_text(encoding="utf-8")
    try:
        return json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as error:
        raise ConfigError(f"{path}: not valid {path.suffix.lstrip('.').upper()}: {error}".replace("\n", " ")) from error


def _validate(model: type[Model], raw: Any, path: Path) -> Model:
    try:
        return model.model_validate(raw)
    except ValidationError as error:
        problems = [_describe(problem) for problem in error.errors()]
        raise ConfigError(f"{path}: {'; '.join(problems)}") from None


def _describe(problem: Mapping[str, Any]) -> str:
    key = ".".join(str(part) for part in problem["loc"]) or "(top level)"
    kind = problem["type"]
    if kind == "extra_forbidden":
        return f"{key}: unknown key"
    if kind == "missing":
        return f"{key}: missing key"
    message = problem["msg"].removeprefix("Value error, ")
    value = problem.get("input")
    shown = "" if isinstance(value, dict | list) else f" (got {_without_credentials(repr(value))})"
    return f"{key}: {message}{shown}"


# A rejected value is echoed to help find it; a credential pasted into it (a URL's password) must not be.
_CREDENTIAL = re.compile(r"(?i)((?:password|passwd|pwd|user|token|secret|api_?key)=)[^&;,'\"\s]*|(//[^/:@\s]*:)[^/@\s]*@")


def _without_credentials(text: str) -> str:
    return _CREDENTIAL.sub(lambda match: f"{match[1]}***" if match[1] else f"{match[2]}***@", text)


def _expand_home(node: Any, home: Path) -> Any:
    if isinstance(node, str):
        return node.replace("{home}", str(home))
    if isinstance(node, dict):
        return {key: _expand_home(value, home) for key, value in node.items()}
    if isinstance(node, list):
        return [_expand_home(value, home) for value in node]
    return node


def _apply_env_overrides(environment: EnvSettings) -> EnvSettings:
    """The two deployment-time switches that must not need a config edit: a Spark Connect URL and offline jars."""
    spark = environment.spark
    if remote := os.environ.get(SPARK_REMOTE_VAR):
        if not is_connect_remote(remote):
            raise ConfigError(
                f"{SPARK_REMOTE_VAR}={remote!r}: expected a Spark Connect URL like sc://localhost:15002, "
                f"or {DATABRICKS_CONNECT!r} for Databricks Connect"
            )
        spark = spark.model_copy(update={"mode": "connect", "remote": remote})
    if jars := os.environ.get(DELTA_JARS_VAR):
        spark = spark.model_copy(update={"delta_jars_dir": jars})
    return environment.model_copy(update={"spark": spark})

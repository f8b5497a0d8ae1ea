"""The one entry point: `dagster dev` (via workspace.yaml or [tool.dagster]) loads `defs` from here.

The environment is chosen once, from LAKEHOUSE_ENV (default dev); everything else follows from its config.
"""

from __future__ import annotations

import warnings

import dagster as dg

from .assets import build_assets
from .assets.reports import build_reports
from .assets.spark_steps import check_step_launcher
from .checks import schema_change_checks
from .freshness import with_freshness_policies
from .ingestion.contracts import Contract, feed_contract
from .ingestion.file_feed import FileFeed, file_feed
from .ingestion.reference import TableFeed
from .jobs import build_jobs
from .partitions import daily_partitions
from .resources import build_resources
from .schedules import build_schedules
from .sensors.landing import build_landing_sensor
from .sensors.retraining import build_retraining_sensor
from .settings import ConfigError, Settings, load_settings
from .settings.feeds import Feed

# Single-run backfill policies and selection strings are beta in Dagster 1.13, and step launchers are
# "superseded" by Pipes (not deprecated); all are used deliberately.
warnings.filterwarnings("ignore", category=dg.BetaWarning)
warnings.filterwarnings("ignore", category=dg.SupersessionWarning)


def landing_feeds(settings: Settings) -> tuple[Feed, ...]:
    """The feeds of config/feeds.json that arrive as landing files: all of them, weather unless it comes from the API."""
    api = settings.environment.sources.weather.mode != "files"
    return tuple(feed for feed in settings.feeds.file_feeds if not (api and feed.format == "weather_payload"))


def file_feeds(settings: Settings) -> list[FileFeed]:
    """The feeds the generic file path ingests: CSV, JSON lines and JSON array feeds of config/feeds.json."""
    return [file_feed(feed, settings.config_dir) for feed in settings.feeds.generic_file_feeds]


def table_feeds(settings: Settings) -> list[TableFeed]:
    return [
        TableFeed(feed.name, feed_contract(feed.name, feed.contract, settings.config_dir), feed.description)
        for feed in settings.feeds.of_format("jdbc")
    ]


def weather_contract(settings: Settings) -> Contract:
    (feed,) = settings.feeds.of_format("weather_payload")  # the loader allows exactly one
    return feed_contract(feed.name, feed.contract, settings.config_dir)


def build_definitions(settings: Settings | None = None) -> dg.Definitions:
    settings = settings or load_settings()
    daily = daily_partitions(settings.environment.partitions)
    assets = with_freshness_policies(
        build_assets(
            daily,
            settings.environment.ml,
            settings.environment.quality,
            file_feeds(settings),
            table_feeds(settings),
            weather_contract(settings),
        ),
        daily,
        settings.environment.quality,
        days_allowed={  # a feed's three tables are written in one step, so they share its allowance
            dg.AssetKey(["bronze", table]): feed.checks.freshness_max_lag_days
            for feed in settings.feeds.generic_file_feeds
            if feed.checks.freshness_max_lag_days is not None
            for table in feed.bronze_tables
        },
    )
    _check_silver_targets(settings, assets)
    checks = schema_change_checks(assets)
    check_keys = {key for definition in [*assets, *checks] for key in definition.check_keys}
    ordered_checks = sorted(check_keys, key=lambda key: (key.asset_key.to_user_string(), key.name))
    assets += build_reports(daily, ordered_checks, settings.feeds.file_feeds)
    if settings.environment.spark.mode == "databricks":
        check_step_launcher(assets, checks)
    jobs = build_jobs(settings, assets)
    return dg.Definitions(
        assets=assets,
        asset_checks=list(checks),
        jobs=jobs,
        schedules=build_schedules(settings, {job.name: job for job in jobs}, daily),
        sensors=[
            build_landing_sensor(daily, feeds=landing_feeds(settings)),
            build_retraining_sensor(settings.environment.ml.retraining),
        ],
        resources=build_resources(settings),
        # One process per run, so one SparkSession per run; jobs may opt into multiprocess in job_config.json.
        executor=dg.in_process_executor,
    )


def _check_silver_targets(settings: Settings, assets: list[dg.AssetsDefinition]) -> None:
    """A feed's `silver` must be a table of the graph, daily-partitioned for a file feed (the sensor runs its days)."""
    partitions = {key: definition.partitions_def for definition in assets for key in definition.keys}
    for index, feed in enumerate(settings.feeds.feeds):
        if feed.silver is None:
            continue
        where = f"{settings.config_dir / 'feeds.json'}: feeds[{index}].silver ({feed.name})"
        key = dg.AssetKey(feed.silver.split("/"))
        if key not in partitions:
            raise ConfigError(f"{where}: {feed.silver!r} is not an asset of the graph; name an existing table or leave it out")
        if feed.lands_as_files and partitions[key] is None:
            raise ConfigError(f"{where}: {feed.silver!r} is not daily-partitioned; the landing sensor runs a feed's days through it")


@dg.definitions
def defs() -> dg.Definitions:
    return build_definitions()

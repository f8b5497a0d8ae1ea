"""The asset graph, one subpackage per layer. Each module's `build` takes the daily partitions from config."""

from collections.abc import Sequence

import dagster as dg

from ..ingestion.contracts import Contract
from ..ingestion.file_feed import FileFeed
from ..ingestion.reference import TableFeed
from ..settings.ml import MlSettings
from ..settings.models import QualitySettings
from . import bronze, features, gold, ml, scores, silver


def build_assets(
    daily: dg.DailyPartitionsDefinition,
    ml_settings: MlSettings,
    quality: QualitySettings,
    file_feeds: Sequence[FileFeed],
    table_feeds: Sequence[TableFeed],
    weather_contract: Contract,
) -> list[dg.AssetsDefinition]:
    """The feeds of config/feeds.json: CSV and JSON files (bronze/flights among them), database tables (airlines,
    ...) and the weather feed's payloads (`weather_contract`)."""
    return [
        *bronze.build(daily, file_feeds, table_feeds, weather_contract, quality),
        *silver.build(daily, quality),
        *gold.build(daily),
        *features.build(daily, quality),
        *ml.build(daily, ml_settings),
        *scores.build(daily),
    ]

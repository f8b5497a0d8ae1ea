"""The asset graph, one subpackage per layer. Each module's `build` takes the daily partitions from config."""

from collections.abc import Sequence

import dagster as dg

from ..ingestion.csv_feed import CsvFeed
from ..settings.ml import MlSettings
from ..settings.models import QualitySettings
from . import bronze, features, gold, ml, scores, silver


def build_assets(
    daily: dg.DailyPartitionsDefinition,
    ml_settings: MlSettings | None = None,
    quality: QualitySettings | None = None,
    csv_feeds: Sequence[CsvFeed] = (),
) -> list[dg.AssetsDefinition]:
    """`csv_feeds`: the CSV feeds of config/feeds.json (bronze/flights among them), each ingested the same way."""
    ml_settings, quality = ml_settings or MlSettings(), quality or QualitySettings()
    return [
        *bronze.build(daily, csv_feeds),
        *silver.build(daily, quality),
        *gold.build(daily),
        *features.build(daily, quality),
        *ml.build(daily, ml_settings),
        *scores.build(daily),
    ]

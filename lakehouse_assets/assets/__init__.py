"""The asset graph, one subpackage per layer. Each module's `build` takes the daily partitions from config."""

import dagster as dg

from ..settings.ml import MlSettings
from ..settings.models import QualitySettings
from . import bronze, features, gold, ml, scores, silver


def build_assets(
    daily: dg.DailyPartitionsDefinition, ml_settings: MlSettings | None = None, quality: QualitySettings | None = None
) -> list[dg.AssetsDefinition]:
    ml_settings, quality = ml_settings or MlSettings(), quality or QualitySettings()
    return [
        *bronze.build(daily),
        *silver.build(daily, quality),
        *gold.build(daily),
        *features.build(daily, quality),
        *ml.build(daily, ml_settings),
        *scores.build(daily),
    ]

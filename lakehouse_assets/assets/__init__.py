"""The asset graph, one subpackage per layer. Each module's `build` takes the daily partitions from config."""

import dagster as dg

from ..settings.ml import MlSettings
from . import bronze, features, gold, ml, scores, silver


def build_assets(daily: dg.DailyPartitionsDefinition, ml_settings: MlSettings | None = None) -> list[dg.AssetsDefinition]:
    tables = [asset for layer in (bronze, silver, gold, features) for asset in layer.build(daily)]
    return [*tables, *ml.build(daily, ml_settings or MlSettings()), *scores.build(daily)]

"""The asset graph, one subpackage per layer. Each module's `build` takes the daily partitions from config."""

import dagster as dg

from . import bronze, features, gold, silver


def build_assets(daily: dg.DailyPartitionsDefinition) -> list[dg.AssetsDefinition]:
    return [asset for layer in (bronze, silver, gold, features) for asset in layer.build(daily)]

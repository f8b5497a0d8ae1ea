"""The asset graph, one subpackage per layer. Each module's `build` takes the daily partitions from config."""

import dagster as dg

from . import bronze, silver


def build_assets(daily: dg.DailyPartitionsDefinition) -> list[dg.AssetsDefinition]:
    return [*bronze.build(daily), *silver.build(daily)]

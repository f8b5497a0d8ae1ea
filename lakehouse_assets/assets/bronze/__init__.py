"""bronze/: sources as delivered, with ingestion metadata."""

import dagster as dg

from . import airlines, airports, flights, planes, weather


def build(daily: dg.DailyPartitionsDefinition) -> list[dg.AssetsDefinition]:
    modules = (flights, weather, airlines, airports, planes)
    return [asset for module in modules for asset in module.build(daily)]

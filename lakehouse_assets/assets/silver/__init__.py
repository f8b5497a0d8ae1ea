"""silver/: typed, deduplicated, conformed tables."""

import dagster as dg

from . import flights


def build(daily: dg.DailyPartitionsDefinition) -> list[dg.AssetsDefinition]:
    return [*flights.build(daily)]

"""bronze/: sources as delivered, with ingestion metadata."""

import dagster as dg

from . import airlines, airports, flights, planes, weather


def build(daily: dg.DailyPartitionsDefinition) -> list[dg.AssetsDefinition]:
    return [*flights.build(daily), *weather.build(daily), *airlines.build(daily), *airports.build(daily), *planes.build(daily)]

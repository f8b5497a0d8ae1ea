"""gold/: tables shaped for analysis and reporting."""

import dagster as dg

from . import daily_delay_summary, flights_enriched


def build(daily: dg.DailyPartitionsDefinition) -> list[dg.AssetsDefinition]:
    return [*flights_enriched.build(daily), *daily_delay_summary.build(daily)]

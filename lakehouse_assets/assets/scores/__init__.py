"""scores/: the champion model's predictions for every scheduled flight."""

import dagster as dg

from . import flight_delay_scores


def build(daily: dg.DailyPartitionsDefinition) -> list[dg.AssetsDefinition]:
    return [*flight_delay_scores.build(daily)]

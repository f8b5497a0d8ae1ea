"""features/: point-in-time feature tables for the delay model."""

import dagster as dg

from . import flight_features


def build(daily: dg.DailyPartitionsDefinition) -> list[dg.AssetsDefinition]:
    return [*flight_features.build(daily)]

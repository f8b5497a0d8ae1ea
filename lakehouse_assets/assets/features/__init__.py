"""features/: point-in-time feature tables for the delay model."""

import dagster as dg

from ...settings.models import QualitySettings
from . import flight_features


def build(daily: dg.DailyPartitionsDefinition, quality: QualitySettings) -> list[dg.AssetsDefinition]:
    return [*flight_features.build(daily, quality)]

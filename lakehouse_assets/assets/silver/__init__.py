"""silver/: typed, deduplicated, conformed tables."""

import dagster as dg

from ...settings.models import QualitySettings
from . import flights, reference, weather


def build(daily: dg.DailyPartitionsDefinition, quality: QualitySettings) -> list[dg.AssetsDefinition]:
    return [asset for module in (reference, flights, weather) for asset in module.build(daily, quality)]

"""ml/: the delay model (trained, tracked, registered, gated) and the drift of its inputs."""

import dagster as dg

from ...settings.ml import MlSettings
from . import delay_model, feature_drift


def build(daily: dg.DailyPartitionsDefinition, ml: MlSettings) -> list[dg.AssetsDefinition]:
    return [*delay_model.build(daily, ml), *feature_drift.build(daily, ml)]

"""How stale a daily table may get: a Dagster FreshnessPolicy on each one, which the daemon evaluates and the UI
shows as the asset's health (no step, no Spark, nothing to schedule)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import dagster as dg

from .settings.models import QualitySettings

DATA_LAYERS = ("bronze", "silver", "gold", "features", "scores")  # not ml/ (retrained weekly) nor reports/


def daily_table_freshness(quality: QualitySettings) -> dg.FreshnessPolicy:
    """A daily table is materialised once a day: one day missed is a warning, more than
    `freshness_max_lag_days` missed makes it stale."""
    missed_allowed = quality.freshness_max_lag_days
    return dg.FreshnessPolicy.time_window(
        fail_window=timedelta(days=1 + missed_allowed),
        warn_window=timedelta(days=1) if missed_allowed else None,
    )


def with_freshness_policies(
    assets: Sequence[dg.AssetsDefinition], daily: dg.TimeWindowPartitionsDefinition, quality: QualitySettings
) -> list[dg.AssetsDefinition]:
    """The same assets, each daily table of a data layer carrying `daily_table_freshness` while the partitions
    still run up to today."""
    if daily.end is not None and daily.end.date() < date.today() - timedelta(days=1 + quality.freshness_max_lag_days):
        return list(assets)  # a closed window (the 2013 demo): no day is due any more, so nothing can be late
    policy = daily_table_freshness(quality)

    def apply(spec: dg.AssetSpec) -> dg.AssetSpec:
        is_daily_table = spec.partitions_def == daily and spec.key.path[0] in DATA_LAYERS
        return spec.replace_attributes(freshness_policy=policy) if is_daily_table else spec

    return list(dg.map_asset_specs(apply, assets))

"""How stale a daily table may get: a Dagster FreshnessPolicy on each one, which the daemon evaluates and the UI
shows as the asset's health (no step, no Spark, nothing to schedule)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta

import dagster as dg

from .settings.models import QualitySettings

DATA_LAYERS = ("bronze", "silver", "gold", "features", "scores")  # not ml/ (retrained weekly) nor reports/


def daily_table_freshness(missed_allowed: int) -> dg.FreshnessPolicy:
    """A daily table is materialised once a day: one day missed is a warning, more than `missed_allowed`
    (the environment's quality.freshness_max_lag_days, or a feed's own) missed makes it stale."""
    return dg.FreshnessPolicy.time_window(
        fail_window=timedelta(days=1 + missed_allowed),
        warn_window=timedelta(days=1) if missed_allowed else None,
    )


def with_freshness_policies(
    assets: Sequence[dg.AssetsDefinition],
    daily: dg.TimeWindowPartitionsDefinition,
    quality: QualitySettings,
    days_allowed: Mapping[dg.AssetKey, int] | None = None,
) -> list[dg.AssetsDefinition]:
    """The same assets, each daily table of a data layer carrying `daily_table_freshness` while the partitions
    still run up to today; `days_allowed` gives some tables (a feed's, from feeds.json) their own allowance."""
    days_allowed = days_allowed or {}

    def apply(spec: dg.AssetSpec) -> dg.AssetSpec:
        if spec.partitions_def != daily or spec.key.path[0] not in DATA_LAYERS:
            return spec
        allowed = days_allowed.get(spec.key, quality.freshness_max_lag_days)
        if daily.end is not None and daily.end.date() < date.today() - timedelta(days=1 + allowed):
            return spec  # a closed window (the 2013 demo): no day is due any more, so nothing can be late
        return spec.replace_attributes(freshness_policy=daily_table_freshness(allowed))

    return list(dg.map_asset_specs(apply, assets))

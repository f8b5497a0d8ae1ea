"""Daily partitions from config: one partition per local calendar day of flights, and the days a step covers."""

from __future__ import annotations

import dagster as dg

from .days import DayWindow, days_in, window_text
from .settings import PartitionSettings

__all__ = ["DayWindow", "daily_partitions", "day_window", "days_in", "window_text"]


def daily_partitions(settings: PartitionSettings) -> dg.DailyPartitionsDefinition:
    return dg.DailyPartitionsDefinition(
        start_date=settings.start.isoformat(),
        end_date=settings.end_exclusive.isoformat(),
        timezone=settings.timezone,
    )


def day_window(context: dg.AssetExecutionContext | dg.OutputContext | dg.InputContext) -> DayWindow | None:
    """[start, end) of the days a step (or one of its outputs or inputs) covers: one day, or a whole range run
    as one backfill; None when it covers no partition (an unpartitioned asset)."""
    if isinstance(context, dg.OutputContext | dg.InputContext):
        if not context.has_asset_partitions:
            return None
        window = context.asset_partitions_time_window
    else:
        # An unpartitioned asset in a run over a range of days (its tags name them) still covers no day.
        if context.assets_def.partitions_def is None or not (context.has_partition_key or context.has_partition_key_range):
            return None
        window = context.partition_time_window
    return window.start.date(), window.end.date()

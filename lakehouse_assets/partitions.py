"""Daily partitions from config: one partition per local calendar day of flights."""

from __future__ import annotations

import dagster as dg

from .settings import PartitionSettings


def daily_partitions(settings: PartitionSettings) -> dg.DailyPartitionsDefinition:
    return dg.DailyPartitionsDefinition(
        start_date=settings.start.isoformat(),
        end_date=settings.end_exclusive.isoformat(),
        timezone=settings.timezone,
    )

"""Which days a check judges: the days its run materialised, read from the run's partition tags."""

from datetime import date

import dagster as dg
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
    PARTITION_NAME_TAG,
)


def checked_window(context: dg.AssetCheckExecutionContext, daily: dg.TimeWindowPartitionsDefinition) -> tuple[date, date] | None:
    """[start, end) of the run's partitions, or None when the run names none (then the whole table is judged)."""
    tags = context.run.tags
    first = tags.get(ASSET_PARTITION_RANGE_START_TAG) or tags.get(PARTITION_NAME_TAG)
    last = tags.get(ASSET_PARTITION_RANGE_END_TAG) or tags.get(PARTITION_NAME_TAG)
    if not first or not last:
        return None
    return (
        daily.time_window_for_partition_key(first).start.date(),
        daily.time_window_for_partition_key(last).end.date(),
    )

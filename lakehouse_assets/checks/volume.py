"""Non-blocking checks on partitioned tables: volume against recent days, and freshness of the newest day."""

from datetime import date, timedelta

import dagster as dg
from pyspark.sql import functions as F

from ..assets.common import spark_asset_check
from ..quality import judgeable_days, rows_per_day, volume_anomalies
from ..resources.warehouse import Warehouse
from ..settings.models import QualitySettings
from .names import NEWEST_PARTITION_FRESH, VOLUME_WITHIN_RECENT_RANGE
from .tables import CheckedTable
from .window import checked_window


def build_volume_checks(
    table: CheckedTable, daily: dg.TimeWindowPartitionsDefinition, quality: QualitySettings
) -> list[dg.AssetChecksDefinition]:
    column = table.partition_column

    @spark_asset_check(
        asset=table.asset_key,
        name=VOLUME_WITHIN_RECENT_RANGE,
        description=(
            f"Each day's row count is within ±{quality.volume_tolerance:.0%} of the median of the previous "
            f"{quality.volume_lookback_days} days."
        ),
    )
    def volume(context: dg.AssetCheckExecutionContext, warehouse: Warehouse) -> dg.AssetCheckResult:
        window = checked_window(context, daily)
        frame = warehouse.read(table.key)
        if window is None:
            newest = frame.agg(F.max(column)).first()[0]
            window = (newest, newest + timedelta(days=1))
        start, end = window
        history = warehouse.read(table.key, (start - timedelta(days=quality.volume_lookback_days), end), column)
        counts = rows_per_day(history, column)
        days = [start + timedelta(days=n) for n in range((end - start).days)]
        flagged = volume_anomalies(counts, days, quality.volume_lookback_days, quality.volume_tolerance)
        return dg.AssetCheckResult(
            passed=not flagged,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={
                "days_in_run": len(days),
                "days_judged": len(judgeable_days(counts, days, quality.volume_lookback_days)),
                "days_flagged": len(flagged),
                "flagged": dg.MetadataValue.json(flagged[:50]),
                "rows_in_window": sum(counts.get(day, 0) for day in days),
            },
        )

    @spark_asset_check(
        asset=table.asset_key,
        name=NEWEST_PARTITION_FRESH,
        description=f"The newest day present is at most {quality.freshness_max_lag_days} day(s) behind the latest due partition.",
    )
    def fresh(warehouse: Warehouse) -> dg.AssetCheckResult:
        newest: date | None = warehouse.read(table.key).agg(F.max(column)).first()[0]
        due_key = daily.get_last_partition_key()
        due = daily.time_window_for_partition_key(due_key).start.date() if due_key else None
        lag = (due - newest).days if (due and newest) else None
        return dg.AssetCheckResult(
            passed=lag is not None and lag <= quality.freshness_max_lag_days,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={"newest_day": str(newest), "latest_due_partition": str(due), "lag_days": lag if lag is not None else -1},
        )

    return [volume, fresh]

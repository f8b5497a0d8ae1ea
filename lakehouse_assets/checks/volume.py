"""Non-blocking check on daily tables: each day's volume against recent days. (Freshness is a FreshnessPolicy
the daemon evaluates: see freshness.py.)"""

from datetime import date, timedelta

import dagster as dg
from pyspark.sql import functions as F

from ..days import days_in, window_text
from ..quality import judgeable_days, rows_per_day, volume_anomalies
from ..settings.models import QualitySettings
from .base import Committed, DayResults, TableCheck, by_day
from .names import VOLUME_WITHIN_RECENT_RANGE


def volume_checks(quality: QualitySettings) -> list[TableCheck]:
    lookback = quality.volume_lookback_days

    def volume(committed: Committed) -> DayResults:
        column = committed.column
        start, end = window = committed.window or _newest_day(committed)
        history = committed.warehouse.read(committed.key, (start - timedelta(days=lookback), end), column)
        counts = rows_per_day(history, column)
        days = days_in(window)
        flagged = volume_anomalies(counts, days, lookback, quality.volume_tolerance)
        result = dg.AssetCheckResult(
            passed=not flagged,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={
                "days": window_text(window),  # the newest day, when the run named none
                "days_in_run": len(days),
                "days_judged": len(judgeable_days(counts, days, lookback)),
                "days_flagged": len(flagged),
                "flagged": dg.MetadataValue.json(flagged[:50]),
                "rows_in_window": sum(counts.get(day, 0) for day in days),
            },
        )
        return by_day(result, {anomaly["day"]: anomaly for anomaly in flagged})

    return [
        TableCheck(
            VOLUME_WITHIN_RECENT_RANGE,
            f"Each day's row count is within ±{quality.volume_tolerance:.0%} of the median of the previous "
            f"{lookback} days.",
            volume,
        ),
    ]


def _newest_day(committed: Committed) -> tuple[date, date]:
    """What a run that names no day judges: the newest day the table holds."""
    newest = committed.table().agg(F.max(committed.column)).first()[0]
    return newest, newest + timedelta(days=1)

"""Non-blocking check: columns that should rarely be null stay under their null rate."""

from collections.abc import Mapping, Sequence

import dagster as dg

from ..quality import null_rates
from ..settings.models import QualitySettings
from .base import Committed, TableCheck
from .names import NULL_RATES_WITHIN_THRESHOLD


def null_rate_check(columns: Sequence[str], quality: QualitySettings) -> TableCheck:
    """Every column under the environment's `quality.max_null_rate`."""
    return null_rate_limits_check(dict.fromkeys(columns, quality.max_null_rate))


def null_rate_limits_check(limits: Mapping[str, float]) -> TableCheck:
    """Each column under its own highest null rate."""
    thresholds = set(limits.values())

    def within_threshold(committed: Committed) -> dg.AssetCheckResult:
        rates = null_rates(committed.rows(), list(limits))
        over = {column: rate for column, rate in rates.items() if rate > limits[column]}
        threshold = next(iter(thresholds)) if len(thresholds) == 1 else dg.MetadataValue.json(dict(limits))
        return dg.AssetCheckResult(
            passed=not over,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={"null_rates": rates, "over_threshold": over, "threshold": threshold},
        )

    if len(thresholds) == 1:
        text = f"Null rate of {', '.join(limits)} is at most {next(iter(thresholds)):.1%}."
    else:
        text = "Null rate at most " + ", ".join(f"{rate:.1%} for {column}" for column, rate in limits.items()) + "."
    return TableCheck(NULL_RATES_WITHIN_THRESHOLD, text, within_threshold)

"""Non-blocking check: columns that should rarely be null stay under the configured null rate."""

from collections.abc import Sequence

import dagster as dg

from ..quality import null_rates
from ..settings.models import QualitySettings
from .base import Committed, TableCheck
from .names import NULL_RATES_WITHIN_THRESHOLD


def null_rate_check(columns: Sequence[str], quality: QualitySettings) -> TableCheck:
    def within_threshold(committed: Committed) -> dg.AssetCheckResult:
        rates = null_rates(committed.rows(), columns)
        over = {column: rate for column, rate in rates.items() if rate > quality.max_null_rate}
        return dg.AssetCheckResult(
            passed=not over,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={"null_rates": rates, "over_threshold": over, "threshold": quality.max_null_rate},
        )

    return TableCheck(
        NULL_RATES_WITHIN_THRESHOLD,
        f"Null rate of {', '.join(columns)} is at most {quality.max_null_rate:.1%}.",
        within_threshold,
    )

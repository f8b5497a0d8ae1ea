"""Non-blocking check: columns that should rarely be null stay under their null rate, on each day of a daily
table (a run over many days fails on the days over it, not on their average)."""

from collections.abc import Mapping, Sequence

import dagster as dg

from ..quality import combined, null_counts, null_counts_by_day
from ..settings.models import QualitySettings
from .base import Committed, DayResults, TableCheck, by_day
from .names import NULL_RATES_WITHIN_THRESHOLD


def null_rate_check(columns: Sequence[str], quality: QualitySettings) -> TableCheck:
    """Every column under the environment's `quality.max_null_rate`."""
    return null_rate_limits_check(dict.fromkeys(columns, quality.max_null_rate))


def null_rate_limits_check(limits: Mapping[str, float]) -> TableCheck:
    """Each column under its own highest null rate."""
    thresholds = set(limits.values())

    def within_threshold(committed: Committed) -> dg.AssetCheckResult | DayResults:
        columns = list(limits)
        threshold = next(iter(thresholds)) if len(thresholds) == 1 else dg.MetadataValue.json(dict(limits))
        per_day = (
            null_counts_by_day(committed.rows(), columns, committed.column)
            if committed.column
            else {"all": null_counts(committed.rows(), columns)}
        )
        rates = combined(per_day.values(), columns).rates()
        if committed.column is None:
            over = _over(rates, limits)
            return dg.AssetCheckResult(
                passed=not over,
                severity=dg.AssetCheckSeverity.WARN,
                metadata={"null_rates": rates, "over_threshold": over, "threshold": threshold},
            )
        # Over a range, the verdict is each day's; the range's own rates are shown, not judged.
        result = dg.AssetCheckResult(
            passed=True, severity=dg.AssetCheckSeverity.WARN, metadata={"null_rates": rates, "threshold": threshold}
        )
        figures = {
            day: {"null_rates": counts.rates(), "over_threshold": _over(counts.rates(), limits), "rows_judged": counts.rows}
            for day, counts in per_day.items()
        }
        failing = {day: day_figures for day, day_figures in figures.items() if day_figures["over_threshold"]}
        return by_day(result, failing, every_day=figures)

    if len(thresholds) == 1:
        text = f"Null rate of {', '.join(limits)} is at most {next(iter(thresholds)):.1%}."
    else:
        text = "Null rate at most " + ", ".join(f"{rate:.1%} for {column}" for column, rate in limits.items()) + "."
    return TableCheck(NULL_RATES_WITHIN_THRESHOLD, text, within_threshold)


def _over(rates: Mapping[str, float], limits: Mapping[str, float]) -> dict[str, float]:
    return {column: rate for column, rate in rates.items() if rate > limits[column]}

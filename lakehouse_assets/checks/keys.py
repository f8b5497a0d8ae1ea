"""Natural-key checks: a silver or feature table never passes on null or repeated natural keys (blocking); a file
feed's bronze table has them when its feeds.json entry asks, blocking or as warnings. On a daily table each
check names the days holding the offending rows."""

from collections.abc import Sequence

import dagster as dg

from ..quality import combined, duplicate_key_days, duplicate_keys, null_counts_by_day, null_key_counts
from .base import Committed, DayResults, TableCheck, by_day
from .names import NATURAL_KEY_COMPLETE, NATURAL_KEY_UNIQUE


def key_checks(natural_key: Sequence[str], *, blocking: bool = True) -> list[TableCheck]:
    key_text = ", ".join(natural_key)

    def complete(committed: Committed) -> dg.AssetCheckResult | DayResults:
        if committed.column is None:
            nulls, rows = null_key_counts(committed.rows(), natural_key)
            return dg.AssetCheckResult(
                passed=sum(nulls.values()) == 0, severity=severity, metadata={"null_key_values": nulls, "rows_judged": rows}
            )
        per_day = null_counts_by_day(committed.rows(), natural_key, committed.column)
        total = combined(per_day.values(), natural_key)
        result = dg.AssetCheckResult(
            passed=True, severity=severity, metadata={"null_key_values": total.nulls, "rows_judged": total.rows}
        )
        figures = {day: {"null_key_values": counts.nulls, "rows_judged": counts.rows} for day, counts in per_day.items()}
        failing = {day: figures[day] for day, counts in per_day.items() if sum(counts.nulls.values())}
        return by_day(result, failing, every_day=figures)

    def unique(committed: Committed) -> dg.AssetCheckResult | DayResults:
        repeated, examples = duplicate_keys(committed.rows(), natural_key)
        result = dg.AssetCheckResult(
            passed=repeated == 0,
            severity=severity,
            metadata={"repeated_keys": repeated, "examples": dg.MetadataValue.json(_jsonable(examples))},
        )
        if committed.column is None:
            return result
        days = duplicate_key_days(committed.rows(), natural_key, committed.column) if repeated else {}
        return by_day(result, {day: {"repeated_keys": count} for day, count in days.items()})

    severity = dg.AssetCheckSeverity.ERROR if blocking else dg.AssetCheckSeverity.WARN
    return [
        TableCheck(NATURAL_KEY_COMPLETE, f"No row has a null in its natural key ({key_text}).", complete, blocking=blocking),
        TableCheck(NATURAL_KEY_UNIQUE, f"Each natural key ({key_text}) occurs once.", unique, blocking=blocking),
    ]


def _jsonable(rows: list[dict]) -> list[dict]:
    return [{key: value if isinstance(value, int | float | str | None) else str(value) for key, value in row.items()} for row in rows]

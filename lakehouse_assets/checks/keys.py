"""Natural-key checks: a silver or feature table never passes on null or repeated natural keys (blocking); a file
feed's bronze table has them when its feeds.json entry asks, blocking or as warnings."""

from collections.abc import Sequence

import dagster as dg

from ..quality import duplicate_keys, null_key_counts
from .base import Committed, TableCheck
from .names import NATURAL_KEY_COMPLETE, NATURAL_KEY_UNIQUE


def key_checks(natural_key: Sequence[str], *, blocking: bool = True) -> list[TableCheck]:
    key_text = ", ".join(natural_key)

    def complete(committed: Committed) -> dg.AssetCheckResult:
        nulls, rows = null_key_counts(committed.rows(), natural_key)
        return dg.AssetCheckResult(
            passed=sum(nulls.values()) == 0, severity=severity, metadata={"null_key_values": nulls, "rows_judged": rows}
        )

    def unique(committed: Committed) -> dg.AssetCheckResult:
        repeated, examples = duplicate_keys(committed.rows(), natural_key)
        return dg.AssetCheckResult(
            passed=repeated == 0,
            severity=severity,
            metadata={"repeated_keys": repeated, "examples": dg.MetadataValue.json(_jsonable(examples))},
        )

    severity = dg.AssetCheckSeverity.ERROR if blocking else dg.AssetCheckSeverity.WARN
    return [
        TableCheck(NATURAL_KEY_COMPLETE, f"No row has a null in its natural key ({key_text}).", complete, blocking=blocking),
        TableCheck(NATURAL_KEY_UNIQUE, f"Each natural key ({key_text}) occurs once.", unique, blocking=blocking),
    ]


def _jsonable(rows: list[dict]) -> list[dict]:
    return [{key: value if isinstance(value, int | float | str | None) else str(value) for key, value in row.items()} for row in rows]

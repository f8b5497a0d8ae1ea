"""Blocking checks: a silver or feature table never passes on null or repeated natural keys."""

from collections.abc import Sequence

import dagster as dg

from ..quality import duplicate_keys, null_key_counts
from .base import Committed, TableCheck
from .names import NATURAL_KEY_COMPLETE, NATURAL_KEY_UNIQUE


def key_checks(natural_key: Sequence[str]) -> list[TableCheck]:
    key_text = ", ".join(natural_key)

    def complete(committed: Committed) -> dg.AssetCheckResult:
        nulls, rows = null_key_counts(committed.rows(), natural_key)
        return dg.AssetCheckResult(
            passed=sum(nulls.values()) == 0, metadata={"null_key_values": nulls, "rows_judged": rows}
        )

    def unique(committed: Committed) -> dg.AssetCheckResult:
        repeated, examples = duplicate_keys(committed.rows(), natural_key)
        return dg.AssetCheckResult(
            passed=repeated == 0,
            metadata={"repeated_keys": repeated, "examples": dg.MetadataValue.json(_jsonable(examples))},
        )

    return [
        TableCheck(NATURAL_KEY_COMPLETE, f"No row has a null in its natural key ({key_text}).", complete, blocking=True),
        TableCheck(NATURAL_KEY_UNIQUE, f"Each natural key ({key_text}) occurs once.", unique, blocking=True),
    ]


def _jsonable(rows: list[dict]) -> list[dict]:
    return [{key: value if isinstance(value, int | float | str | None) else str(value) for key, value in row.items()} for row in rows]

"""Blocking checks: a silver or feature table never passes on null or repeated natural keys."""

import dagster as dg

from ..assets.common import spark_asset_check
from ..quality import duplicate_keys, null_key_counts
from ..resources.warehouse import Warehouse
from .names import NATURAL_KEY_COMPLETE, NATURAL_KEY_UNIQUE
from .tables import CheckedTable
from .window import checked_window


def build_key_checks(table: CheckedTable, daily: dg.TimeWindowPartitionsDefinition) -> list[dg.AssetChecksDefinition]:
    key_text = ", ".join(table.natural_key)

    def judged(context: dg.AssetCheckExecutionContext, warehouse: Warehouse):
        window = checked_window(context, daily) if table.partition_column else None
        return warehouse.read(table.key, window, table.partition_column), window

    @spark_asset_check(
        asset=table.asset_key,
        name=NATURAL_KEY_COMPLETE,
        blocking=True,
        description=f"No row has a null in its natural key ({key_text}).",
    )
    def key_complete(context: dg.AssetCheckExecutionContext, warehouse: Warehouse) -> dg.AssetCheckResult:
        frame, window = judged(context, warehouse)
        nulls = null_key_counts(frame, table.natural_key)
        return dg.AssetCheckResult(
            passed=sum(nulls.values()) == 0,
            metadata={"null_key_values": nulls, "rows_judged": frame.count(), "days": _days(window)},
        )

    @spark_asset_check(
        asset=table.asset_key,
        name=NATURAL_KEY_UNIQUE,
        blocking=True,
        description=f"Each natural key ({key_text}) occurs once.",
    )
    def key_unique(context: dg.AssetCheckExecutionContext, warehouse: Warehouse) -> dg.AssetCheckResult:
        frame, window = judged(context, warehouse)
        repeated, examples = duplicate_keys(frame, table.natural_key)
        return dg.AssetCheckResult(
            passed=repeated == 0,
            metadata={"repeated_keys": repeated, "examples": dg.MetadataValue.json(_jsonable(examples)), "days": _days(window)},
        )

    return [key_complete, key_unique]


def _days(window) -> str:
    return "all" if window is None else f"{window[0]}..{window[1]} (end exclusive)"


def _jsonable(rows: list[dict]) -> list[dict]:
    return [{key: value if isinstance(value, int | float | str | None) else str(value) for key, value in row.items()} for row in rows]

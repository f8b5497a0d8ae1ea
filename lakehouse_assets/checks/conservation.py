"""Blocking check of every bronze ingestion: each row read is loaded or quarantined, once, as committed."""

from collections.abc import Sequence

import dagster as dg

from ..ingestion.conservation import Balance
from .base import DayResults, by_day, check_spec
from .names import ROWS_CONSERVED

SHOWN = 10


def conservation_spec(
    asset: dg.AssetKey, description: str, partitions_def: dg.PartitionsDefinition | None = None
) -> dg.AssetCheckSpec:
    """`partitions_def`: the asset's, for a daily feed (its result is per day)."""
    return check_spec(ROWS_CONSERVED, asset, description, blocking=True, partitions_def=partitions_def)


def rows_conserved(balances: Sequence[Balance], unit: str = "day") -> dg.AssetCheckResult | DayResults:
    """The check's result from the balances of what the step read and committed: per day (each balance a day,
    each unbalanced day failing with its own figures), or per load."""
    broken = [balance for balance in balances if not balance.balanced]
    result = dg.AssetCheckResult(
        passed=not broken,
        description="; ".join(str(balance) for balance in broken[:SHOWN]) if broken else None,
        metadata={
            f"{unit}s_checked": len(balances),
            f"{unit}s_unbalanced": len(broken),
            "rows_read": sum(balance.read.rows for balance in balances if balance.read),
            "rows_loaded": sum(balance.loaded for balance in balances),
            "rows_quarantined": sum(balance.quarantined for balance in balances),
        },
    )
    if unit != "day":
        return result
    return by_day(
        result,
        {balance.part: {"balance": str(balance)} for balance in broken},
        every_day={balance.part: _figures(balance) for balance in balances},
    )


def _figures(balance: Balance) -> dict[str, object]:
    return {
        "rows_read": balance.read.rows if balance.read else 0,
        "rows_loaded": balance.loaded,
        "rows_quarantined": balance.quarantined,
    }

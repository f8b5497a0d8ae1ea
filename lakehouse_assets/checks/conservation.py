"""Blocking check of every bronze ingestion: each row read is loaded or quarantined, once, as committed."""

from collections.abc import Sequence

import dagster as dg

from ..ingestion.conservation import Balance
from .names import ROWS_CONSERVED

SHOWN = 10


def conservation_spec(asset: dg.AssetKey, description: str) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(ROWS_CONSERVED, asset=asset, blocking=True, description=description)


def rows_conserved(asset: dg.AssetKey, balances: Sequence[Balance], days: str, unit: str = "day") -> dg.AssetCheckResult:
    """The check's result from the balances of what the step read and committed (one per day, or per load);
    `days` are the days judged, as every check's metadata shows them."""
    broken = [balance for balance in balances if not balance.balanced]
    return dg.AssetCheckResult(
        asset_key=asset,
        check_name=ROWS_CONSERVED,
        passed=not broken,
        description="; ".join(str(balance) for balance in broken[:SHOWN]) if broken else None,
        metadata={
            "days": days,
            f"{unit}s_checked": len(balances),
            f"{unit}s_unbalanced": len(broken),
            "rows_read": sum(balance.read.rows for balance in balances if balance.read),
            "rows_loaded": sum(balance.loaded for balance in balances),
            "rows_quarantined": sum(balance.quarantined for balance in balances),
        },
    )

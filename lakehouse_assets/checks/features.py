"""Blocking check: the feature table holds only allowed columns, and never a post-departure fact."""

import dagster as dg

from ..transforms.features import ALLOWED_COLUMNS, LEAKAGE_COLUMNS
from .base import Committed, TableCheck
from .names import FEATURE_COLUMNS_ALLOWED


def _columns_allowed(committed: Committed) -> dg.AssetCheckResult:
    columns = committed.table().columns
    unexpected = sorted(set(columns) - set(ALLOWED_COLUMNS))
    leaking = sorted(set(columns) & set(LEAKAGE_COLUMNS))
    return dg.AssetCheckResult(
        passed=not unexpected and not leaking,
        metadata={"columns": len(columns), "unexpected_columns": unexpected, "leakage_columns": leaking},
    )


FEATURE_COLUMNS_CHECK = TableCheck(
    FEATURE_COLUMNS_ALLOWED,
    "Feature table columns are within the allowed set; no post-departure column leaks in.",
    _columns_allowed,
    blocking=True,
)

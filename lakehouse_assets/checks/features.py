"""Blocking check: the feature table holds only allowed columns, and never a post-departure fact."""

import dagster as dg

from ..assets.common import spark_asset_check
from ..resources.warehouse import Warehouse
from ..transforms.features import ALLOWED_COLUMNS, LEAKAGE_COLUMNS
from .names import FEATURE_COLUMNS_ALLOWED

FEATURES_KEY = dg.AssetKey(["features", "flight_features"])


@spark_asset_check(
    asset=FEATURES_KEY,
    name=FEATURE_COLUMNS_ALLOWED,
    blocking=True,
    description="Feature table columns are within the allowed set; no post-departure column leaks in.",
)
def feature_columns_allowed(warehouse: Warehouse) -> dg.AssetCheckResult:
    columns = warehouse.read(FEATURES_KEY).columns
    unexpected = sorted(set(columns) - set(ALLOWED_COLUMNS))
    leaking = sorted(set(columns) & set(LEAKAGE_COLUMNS))
    return dg.AssetCheckResult(
        passed=not unexpected and not leaking,
        metadata={"columns": len(columns), "unexpected_columns": unexpected, "leakage_columns": leaking},
    )

"""Non-blocking check: columns that should rarely be null stay under the configured null rate."""

import dagster as dg

from ..assets.common import spark_asset_check
from ..quality import null_rates
from ..resources.warehouse import Warehouse
from ..settings.models import QualitySettings
from .names import NULL_RATES_WITHIN_THRESHOLD
from .tables import CheckedTable
from .window import checked_window


def build_null_rate_check(
    table: CheckedTable, daily: dg.TimeWindowPartitionsDefinition, quality: QualitySettings
) -> dg.AssetChecksDefinition:
    @spark_asset_check(
        asset=table.asset_key,
        name=NULL_RATES_WITHIN_THRESHOLD,
        description=f"Null rate of {', '.join(table.mostly_present)} is at most {quality.max_null_rate:.1%}.",
    )
    def null_rates_ok(context: dg.AssetCheckExecutionContext, warehouse: Warehouse) -> dg.AssetCheckResult:
        window = checked_window(context, daily) if table.partition_column else None
        rates = null_rates(warehouse.read(table.key, window, table.partition_column), table.mostly_present)
        over = {column: rate for column, rate in rates.items() if rate > quality.max_null_rate}
        return dg.AssetCheckResult(
            passed=not over,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={"null_rates": rates, "over_threshold": over, "threshold": quality.max_null_rate},
        )

    return null_rates_ok

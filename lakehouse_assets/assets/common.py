"""What every asset shares: owners, kinds, layer groups, Delta metadata, the run's date window."""

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import dagster as dg

from ..resources.delta_io_manager import delta_metadata

OWNERS = ["team:data-platform"]
SPARK_DELTA = {"spark", "delta"}


def spark_asset(
    *,
    key: Sequence[str],
    partitions_def: dg.PartitionsDefinition | None = None,
    partition_column: str | None = None,
    ins: Mapping[str, dg.AssetIn] | None = None,
    deps: Sequence[Any] | None = None,
    allow_schema_change: bool = False,
    metadata: Mapping[str, Any] | None = None,
    **kwargs: Any,
):
    """`dg.asset` for a Spark-computed Delta table `<layer>/<table>`.

    The layer is the group; a partitioned table declares its date column and backfills any range in one run.
    """
    if (partitions_def is None) != (partition_column is None):
        raise ValueError(f"{'/'.join(key)}: give partition_column exactly when the asset is partitioned")
    return dg.asset(
        key=list(key),
        group_name=key[0],
        partitions_def=partitions_def,
        backfill_policy=dg.BackfillPolicy.single_run() if partitions_def else None,
        ins=ins,
        deps=deps,
        kinds=SPARK_DELTA,
        owners=OWNERS,
        metadata={**delta_metadata(partition_column, allow_schema_change), **(metadata or {})},
        **kwargs,
    )


def delta_out(
    *,
    key: Sequence[str],
    partition_column: str | None = None,
    allow_schema_change: bool = False,
    description: str | None = None,
    metadata: Mapping[str, Any] | None = None,
) -> dg.AssetOut:
    """One Delta table output of a `spark_multi_asset`, with the same group, kinds, owners and metadata."""
    return dg.AssetOut(
        key=list(key),
        group_name=key[0],
        description=description,
        kinds=SPARK_DELTA,
        owners=OWNERS,
        metadata={**delta_metadata(partition_column, allow_schema_change), **(metadata or {})},
    )


def spark_multi_asset(*, outs: Mapping[str, dg.AssetOut], partitions_def: dg.PartitionsDefinition | None = None, **kwargs: Any):
    """`dg.multi_asset` whose outputs are always computed together, backfilling any range in one run."""
    return dg.multi_asset(
        outs=dict(outs),
        partitions_def=partitions_def,
        backfill_policy=dg.BackfillPolicy.single_run() if partitions_def else None,
        can_subset=False,
        **kwargs,
    )


def run_window(context: dg.AssetExecutionContext) -> tuple[date, date]:
    """[start, end) of the partitions this run materialises; one day or a whole backfill range."""
    window = context.partition_time_window
    return window.start.date(), window.end.date()

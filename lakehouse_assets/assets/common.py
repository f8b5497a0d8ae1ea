"""What every asset shares: owners, kinds, the date window of the run."""

from datetime import date

import dagster as dg

OWNERS = ["team:data-platform"]
SPARK_DELTA = {"spark", "delta"}


def run_window(context: dg.AssetExecutionContext) -> tuple[date, date]:
    """[start, end) of the partitions this run materialises; one day or a whole backfill range."""
    window = context.partition_time_window
    return window.start.date(), window.end.date()

"""A step's checks read the committed rows once: the first check reads and caches them, the others query the
cache, and the memory is given back when the step's last check has run."""

from datetime import date, timedelta
from pathlib import Path

import dagster as dg
from pyspark.sql import functions as F

from lakehouse_assets.checks.base import Committed, TableCheck, evaluate
from lakehouse_assets.resources.spark import SparkResource
from lakehouse_assets.resources.warehouse import Warehouse
from lakehouse_assets.settings import load_settings
from lakehouse_assets.tables import TableLocator, write_table

KEY = dg.AssetKey(["silver", "numbers"])
FIRST = date(2013, 1, 1)


def test_checks_of_a_step_share_one_cached_read_released_after_the_last(spark, tmp_path: Path) -> None:
    ref = TableLocator(str(tmp_path)).locate("silver", "numbers")
    days = spark.range(30).select(F.date_add(F.lit(FIRST), (F.col("id") % 3).cast("int")).alias("day"), "id")
    write_table(spark, days, ref, partition_column="day", window=(FIRST, FIRST + timedelta(days=3)))
    warehouse = Warehouse(spark=SparkResource.from_settings(load_settings("test").environment.spark), root=str(tmp_path))
    committed = Committed(KEY, warehouse, (FIRST, FIRST + timedelta(days=1)), "day")

    seen = []

    def rows_of_the_day(committed: Committed) -> dg.AssetCheckResult:
        rows = committed.rows()
        seen.append((rows, rows.is_cached))
        return dg.AssetCheckResult(passed=rows.count() == 10)

    checks = [TableCheck(name, "rows of the day", rows_of_the_day) for name in ("first", "second")]

    @dg.asset(key=KEY, check_specs=[check.spec(KEY) for check in checks])
    def numbers(context: dg.AssetExecutionContext):
        yield dg.MaterializeResult()
        yield from evaluate(context, checks, committed)

    result = dg.materialize([numbers])
    assert [evaluation.passed for evaluation in result.get_asset_check_evaluations()] == [True, True]
    (first, first_cached), (second, second_cached) = seen
    assert first is second and first_cached and second_cached  # one read, cached while the checks ran
    assert not first.is_cached  # and released after the last

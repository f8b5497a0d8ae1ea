"""A step that fails after its Delta commit is retried by Dagster: the retry replaces what the first try
committed (replaceWhere / merge on keys), so no row is ever written twice."""

from pathlib import Path

import dagster as dg
import pytest
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG
from dagster._record import copy
from pyspark.sql import functions as F

from lakehouse_assets.assets.bronze.file_feeds import feed_keys
from lakehouse_assets.resources.delta_io_manager import DeltaIOManager
from lakehouse_assets.tables import TableLocator, merge_table, read_table

from ..integration.test_flights_slice import package_counts, per_day
from .conftest import FIRST_DAY, LAST_DAY
from .lakehouse import FLIGHTS_SLICE, defs_for

FLIGHTS = feed_keys("flights")[0]

pytestmark = pytest.mark.integration


class FailsOnceAfterCommit(DeltaIOManager):
    """The real IO manager, then a crash of the step right after the first commit of `fail_after`."""

    fail_after: str
    marker: str

    def handle_output(self, context: dg.OutputContext, obj) -> None:
        super().handle_output(context, obj)
        if context.asset_key.to_user_string() == self.fail_after and not Path(self.marker).exists():
            Path(self.marker).touch()
            raise RuntimeError(f"step died after committing {self.fail_after}")


def test_a_step_failing_after_its_commit_is_retried_without_duplicates(spark, seeded, lakehouse_home, instance) -> None:
    warehouse = lakehouse_home / "warehouse-retry"
    defs = defs_for(seeded, warehouse)
    real = defs.resources["io_manager"]
    failing = FailsOnceAfterCommit(
        spark=real.spark, warehouse=real.warehouse, fail_after=FLIGHTS.to_user_string(), marker=str(lakehouse_home / "failed-once")
    )
    job = dg.define_asset_job("retried", selection=FLIGHTS_SLICE, op_retry_policy=dg.RetryPolicy(max_retries=2))
    defs = copy(defs, resources={**defs.resources, "io_manager": failing}, jobs=[job])
    tags = {ASSET_PARTITION_RANGE_START_TAG: FIRST_DAY.isoformat(), ASSET_PARTITION_RANGE_END_TAG: LAST_DAY.isoformat()}
    result = defs.resolve_job_def("retried").execute_in_process(instance=instance, tags=tags)

    assert result.success
    retries = [e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_UP_FOR_RETRY]
    assert [e.step_key for e in retries] == ["bronze__flights"]
    bronze = TableLocator(str(warehouse)).locate("bronze", "flights")
    writes = spark.sql(f"DESCRIBE HISTORY {bronze.sql_ref}").where(F.col("operation") == "WRITE").count()
    assert writes == 2  # the first try's commit really happened; the retry replaced it
    expected = package_counts(FIRST_DAY, LAST_DAY)
    for layer in ("bronze", "silver"):
        frame = read_table(spark, TableLocator(str(warehouse)).locate(layer, "flights"))
        assert per_day(frame, "flight_date") == expected, layer
    ledger = read_table(spark, TableLocator(str(warehouse)).locate("bronze", "flights_file_ledger"))
    assert ledger.count() == len(expected)


def test_a_merge_retried_after_its_commit_changes_nothing(spark, tmp_path) -> None:
    ref = TableLocator(str(tmp_path)).locate("bronze", "planes")
    batch = spark.createDataFrame([("N10156", 2004, 55), ("N102UW", 1998, 182)], "tailnum string, year int, seats int")
    merge_table(spark, batch, ref, ["tailnum"])
    first = sorted(read_table(spark, ref).collect())
    merge_table(spark, batch, ref, ["tailnum"])  # the retry of a step whose merge had committed
    assert sorted(read_table(spark, ref).collect()) == first and len(first) == 2

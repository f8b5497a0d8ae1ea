"""bronze/flights through Dagster with bad files mixed into real days: the run survives, conservation holds and is
checked on the committed tables, drift policies behave as configured."""

import dataclasses
from datetime import timedelta
from pathlib import Path

import dagster as dg
import pytest
from pyspark.sql import functions as F

from lakehouse_assets.assets.bronze.file_feeds import feed_keys
from lakehouse_assets.checks.names import ROWS_CONSERVED as CONSERVATION_CHECK
from lakehouse_assets.definitions import build_definitions
from lakehouse_assets.landing.layout import day_dir
from lakehouse_assets.resources.delta_io_manager import DeltaIOManager
from lakehouse_assets.runs import materialize_range
from lakehouse_assets.settings import Settings
from lakehouse_assets.settings.models import FileFeedSettings
from lakehouse_assets.tables import read_table, table_exists
from lakehouse_assets_tests.check_days import by_day
from lakehouse_assets_tests.flight_corpus import CASES, write_cases

from .conftest import FIRST_DAY, LAST_DAY
from .test_flights_slice import FLIGHTS_SLICE, content_hash, package_counts, table

FLIGHTS = feed_keys("flights")[0]

pytestmark = pytest.mark.integration
BAD_DAY = FIRST_DAY + timedelta(days=1)
MIXED_IN = ["wrong_delimiter.csv", "truncated_last_line.csv", "extra_column.csv", "gzip.csv", "empty.csv", "dates_outside.csv", "duplicate_rows.csv", "latin1.csv"]  # fmt: skip
TABLES = [("bronze", "flights"), ("bronze", "flights_quarantine"), ("bronze", "flights_file_ledger"), ("silver", "flights")]
# The drift policy is bronze/flights' own: its step (with its quarantine and ledger) is all these runs need.
BRONZE_FLIGHTS = dg.AssetSelection.assets(FLIGHTS).required_multi_asset_neighbors()


def mix_in(settings: Settings, names: list[str], day=BAD_DAY) -> None:
    folder = Path(day_dir(settings.environment.sources.landing, "flights", day))
    write_cases(folder, day, [case for case in CASES if case.name in names])


def with_drift_policy(settings: Settings, policy: str) -> Settings:
    sources = settings.environment.sources.model_copy(update={"flights": FileFeedSettings(drift_policy=policy)})
    return dataclasses.replace(settings, environment=settings.environment.model_copy(update={"sources": sources}))


def test_bad_files_are_rejected_or_quarantined_and_the_day_still_loads(spark, seeded, instance) -> None:
    mix_in(seeded, MIXED_IN)
    defs = build_definitions(seeded)
    result = materialize_range(defs, FIRST_DAY, LAST_DAY, FLIGHTS_SLICE, instance=instance)
    assert result.success

    checks = by_day(result, FLIGHTS)[CONSERVATION_CHECK]
    assert BAD_DAY.isoformat() in checks and all(check.passed for check in checks.values())
    events = {e.materialization.partition: e.materialization.metadata for e in result.get_asset_materialization_events() if e.materialization.asset_key == FLIGHTS}
    bad_day = {name: value.value for name, value in events[BAD_DAY.isoformat()].items()}
    assert bad_day["rows_read"] == bad_day["rows_loaded"] + bad_day["rows_quarantined"]
    assert (bad_day["files_loaded"], bad_day["files_rejected"]) == (6, 3)
    assert bad_day["rows_quarantined"] == 4 and bad_day["rows_loaded"] == bad_day["dagster/row_count"]
    assert "gzip-compressed" in bad_day["rejected_files"] and "empty file" in bad_day["rejected_files"]

    ledger = read_table(spark, table(seeded, "bronze", "flights_file_ledger")).where(F.col("status") == "rejected")
    assert sorted(row.path.rsplit("/", 1)[-1] for row in ledger.collect()) == ["empty.csv", "gzip.csv", "wrong_delimiter.csv"]
    quarantine = read_table(spark, table(seeded, "bronze", "flights_quarantine"))
    assert quarantine.where(F.col("flight_date") != F.lit(BAD_DAY)).count() == 0
    # The mixed-in rows repeat real flights of the day, so silver (deduplicated) still equals the package.
    silver = read_table(spark, table(seeded, "silver", "flights"))
    assert {r.flight_date: r["count"] for r in silver.groupBy("flight_date").count().collect()} == package_counts(FIRST_DAY, LAST_DAY)

    refs = [table(seeded, layer, name) for layer, name in TABLES]
    before = [content_hash(read_table(spark, ref)) for ref in refs]
    assert materialize_range(defs, BAD_DAY, BAD_DAY, FLIGHTS_SLICE, instance=instance).success
    assert [content_hash(read_table(spark, ref)) for ref in refs] == before


def test_drift_policy_fail_stops_the_run_naming_file_and_column_and_writes_nothing(spark, seeded, instance) -> None:
    mix_in(seeded, ["extra_column.csv"])
    defs = build_definitions(with_drift_policy(seeded, "fail"))
    result = materialize_range(defs, FIRST_DAY, LAST_DAY, BRONZE_FLIGHTS, instance=instance, raise_on_error=False)
    assert not result.success
    message = result.failure_data_for_node("bronze__flights").error.message
    assert f"{BAD_DAY}/extra_column.csv: column 'gate' is not in the flights contract" in message
    for layer, name in TABLES:
        assert not table_exists(spark, table(seeded, layer, name))


def test_drift_policy_add_evolves_the_bronze_schema(spark, seeded, instance) -> None:
    defs = build_definitions(with_drift_policy(seeded, "add"))
    assert materialize_range(defs, FIRST_DAY, FIRST_DAY, BRONZE_FLIGHTS, instance=instance).success  # no new column yet
    mix_in(seeded, ["extra_column.csv"])
    assert materialize_range(defs, BAD_DAY, BAD_DAY, BRONZE_FLIGHTS, instance=instance).success  # adds `gate`
    assert materialize_range(defs, LAST_DAY, LAST_DAY, BRONZE_FLIGHTS, instance=instance).success  # a day without it still loads

    bronze = read_table(spark, table(seeded, "bronze", "flights"))
    gates = {(r.flight_date, r.gate) for r in bronze.select("flight_date", "gate").distinct().collect()}
    assert gates == {(FIRST_DAY, None), (BAD_DAY, None), (BAD_DAY, "B12"), (LAST_DAY, None)}
    assert bronze.where(F.col("_rescued_data").isNotNull()).count() == 0


def lose_rows_after_commit(monkeypatch, spark, settings: Settings, where: str) -> None:
    """Deletes bronze/flights' rows matching `where` right after each commit of it, before its checks run."""
    bronze = table(settings, "bronze", "flights")
    commit = DeltaIOManager.handle_output

    def commit_then_lose_rows(self, context, obj):
        commit(self, context, obj)
        if context.asset_key == FLIGHTS:
            spark.sql(f"DELETE FROM delta.`{bronze.location}` WHERE {where}")

    monkeypatch.setattr(DeltaIOManager, "handle_output", commit_then_lose_rows)


def test_the_conservation_check_fails_in_the_step_and_blocks_silver_when_a_committed_row_goes_missing(
    spark, seeded, lakehouse_defs, instance, monkeypatch
) -> None:
    # A fault between the commit and the check: one row of bronze/flights is lost right after it is written.
    lose_rows_after_commit(monkeypatch, spark, seeded, "_source_line = 2")
    result = materialize_range(lakehouse_defs, FIRST_DAY, FIRST_DAY, FLIGHTS_SLICE, instance=instance, raise_on_error=False)

    [check] = [c for c in result.get_asset_check_evaluations() if c.asset_key == FLIGHTS]
    expected = package_counts(FIRST_DAY, FIRST_DAY)[FIRST_DAY]
    assert (check.check_name, check.passed) == (CONSERVATION_CHECK, False)
    assert check.description == f"{FIRST_DAY}: {expected} read ≠ {expected - 1} loaded + 0 quarantined"
    # Blocking: the step fails, so silver/flights never runs on the damaged day.
    assert not result.success
    assert "blocking asset check" in result.failure_data_for_node("bronze__flights").error.message
    materialized = {e.materialization.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert "bronze/flights" in materialized and "silver/flights" not in materialized

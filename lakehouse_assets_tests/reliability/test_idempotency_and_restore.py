"""Re-materialising a day of every asset leaves every Delta table with the same content hash (ingestion
timestamps excluded) and the day's data-quality report byte for byte the same; a corrupted partition is undone
with `lakehouse restore TABLE --version N`."""

import re
from pathlib import Path

import dagster as dg
import pytest
from click.testing import CliRunner

from lakehouse_assets.cli import main
from lakehouse_assets.definitions import build_definitions
from lakehouse_assets.runs import DATA_ASSETS, materialize_range
from lakehouse_assets.tables import TableLocator

from .conftest import FIRST_DAY
from .lakehouse import content_hash, hashes

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_rematerialising_a_day_is_identical_and_restore_undoes_a_bad_write(spark, seeded, instance) -> None:
    defs = build_definitions(seeded)
    warehouse = seeded.home / "warehouse"
    assert materialize_range(defs, FIRST_DAY, FIRST_DAY, DATA_ASSETS, instance=instance).success
    first = hashes(spark, warehouse)
    assert {"bronze/flights", "bronze/weather", "silver/flights", "gold/flights_enriched", "features/flight_features"} <= set(first)
    assert all(rows > 0 for name, (rows, _) in first.items() if not name.endswith("quarantine")), first
    report = Path(seeded.environment.storage.reports) / "data_quality" / f"{FIRST_DAY}.html"
    first_report = report.read_bytes()
    assert b"<td>not run</td>" not in first_report  # the run's own check results, every one of them
    numbers = instance.get_latest_materialization_event(dg.AssetKey(["reports", "data_quality"])).asset_materialization.metadata
    ingested = ("bronze/flights", "bronze/flights_quarantine", "bronze/weather", "bronze/weather_quarantine")
    assert numbers["sources_unbalanced"].value == 0
    assert numbers["rows_read"].value == sum(first[name][0] for name in ingested if name in first) > 0  # every feed's rows

    assert materialize_range(defs, FIRST_DAY, FIRST_DAY, DATA_ASSETS, instance=instance).success
    assert hashes(spark, warehouse) == first
    assert report.read_bytes() == first_report

    bronze = TableLocator(str(warehouse)).locate("bronze", "flights")
    good_version = spark.sql(f"DESCRIBE HISTORY {bronze.sql_ref} LIMIT 1").first().version
    spark.sql(f"UPDATE {bronze.sql_ref} SET dep_delay = -999 WHERE carrier = 'UA'")  # a bad write
    spark.sql(f"DELETE FROM {bronze.sql_ref} WHERE origin = 'JFK'")
    assert content_hash(spark, bronze) != first["bronze/flights"]

    runner = CliRunner()
    history = runner.invoke(main, ["history", "bronze/flights"])
    assert history.exit_code == 0, history.output
    assert re.search(rf"^\s+{good_version}\s.*WRITE", history.output, re.M) and "DELETE" in history.output
    restored = runner.invoke(main, ["restore", "bronze/flights", "--version", str(good_version)])
    assert restored.exit_code == 0, restored.output
    assert f"restored bronze/flights to version {good_version}" in restored.output
    assert f"lakehouse restore bronze/flights --version {good_version + 2}" in restored.output  # how to undo it
    assert content_hash(spark, bronze) == first["bronze/flights"]
    assert spark.sql(f"DESCRIBE HISTORY {bronze.sql_ref} LIMIT 1").first().operation == "RESTORE"


def test_restore_refuses_what_it_cannot_do_with_clear_messages(spark, seeded, instance) -> None:
    runner = CliRunner()
    missing = runner.invoke(main, ["restore", "bronze/flights", "--version", "0"])
    assert missing.exit_code != 0 and "no Delta table bronze/flights" in missing.output
    bad_name = runner.invoke(main, ["restore", "bronze/../../etc", "--version", "0"])
    assert bad_name.exit_code != 0 and "expected <layer>/<table>" in bad_name.output
    defs = build_definitions(seeded)
    assert materialize_range(defs, FIRST_DAY, FIRST_DAY, dg.AssetSelection.assets(["bronze", "airlines"]), instance=instance).success
    too_new = runner.invoke(main, ["restore", "bronze/airlines", "--version", "7"])
    assert too_new.exit_code != 0 and "has no version 7" in too_new.output
    same = runner.invoke(main, ["restore", "bronze/airlines", "--version", "0"])
    assert same.exit_code != 0 and "nothing to restore" in same.output


"""Sources the project does not ship, onboarded by a contract and a feeds.json entry: no Python is written for them.

A CSV feed: its files land for three days (one malformed line), the landing sensor asks for each day once, a
single-run backfill loads them, a late file is picked up exactly once, and bronze + quarantine account for every
line read. A database table: loaded in full, then from its watermark, by the reference_refresh job's selection.
"""

import json
import os
import shutil
import sqlite3
from contextlib import closing
from datetime import date
from pathlib import Path

import dagster as dg
import pytest
from pyspark.sql import functions as F

from lakehouse_assets.definitions import build_definitions
from lakehouse_assets.landing.layout import reference_db_path
from lakehouse_assets.resources import build_resources
from lakehouse_assets.runs import materialize_range
from lakehouse_assets.sensors.landing import SENSOR_NAME
from lakehouse_assets.settings import ConfigError, config_dir, load_settings
from lakehouse_assets.tables import TableLocator, read_table
from lakehouse_assets_tests.check_days import by_day

pytestmark = pytest.mark.integration

DAYS = [date(2013, 3, 1), date(2013, 3, 2), date(2013, 3, 3)]
SALES_KEYS = {"bronze/sales", "bronze/sales_quarantine", "bronze/sales_file_ledger"}
CONTRACT = {
    "title": "Store sales: one receipt line",
    "type": "object",
    "required": ["sold_on", "store", "receipt"],
    "x-natural-key": ["store", "receipt"],
    "properties": {
        "sold_on": {"type": "string", "format": "date", "description": "Local day of the sale"},
        "store": {"type": "string", "pattern": "^S[0-9]{3}$"},
        "receipt": {"type": "integer", "minimum": 1},
        "amount": {"type": "number", "minimum": 0, "x-unit": "USD"},
    },
}
FEED = {
    "name": "sales",
    "format": "csv",
    "contract": "contracts/sales.json",
    "partition_column": "sale_day",
    "row_day": ["sold_on"],
    "description": "Receipt lines from the stores' till exports.",
}


STORES_CONTRACT = {
    "title": "Stores: one row per store",
    "type": "object",
    "required": ["store"],
    "properties": {
        "store": {"type": "string", "pattern": "^S[0-9]{3}$"},
        "city": {"type": "string"},
        "opened": {"type": "string", "format": "date"},
    },
}
STORES = {
    "name": "stores",
    "format": "jdbc",
    "contract": "contracts/stores.json",
    "jdbc": {"watermark_column": "version", "partition_column": "version", "num_partitions": 2},
}


def user_config(tmp_path: Path, feed: dict = FEED, contract: dict | str = CONTRACT) -> Path:
    """The shipped config/ plus one feed written here: its contract file and its feeds.json entry."""
    config = tmp_path / "config"
    shutil.copytree(config_dir(), config, ignore=shutil.ignore_patterns("__pycache__"))
    (config / "contracts").mkdir()
    (config / "contracts" / f"{feed['name']}.json").write_text(contract if isinstance(contract, str) else json.dumps(contract))
    feeds = json.loads((config / "feeds.json").read_text())
    feeds["feeds"].append(feed)
    (config / "feeds.json").write_text(json.dumps(feeds, indent=2))
    return config


def land(root: Path, day: date, name: str, lines: list[str], mtime: float | None = None) -> Path:
    path = root / "sales" / day.isoformat() / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(["sold_on,store,receipt,amount", *lines]) + "\n")
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def tick(sensor: dg.SensorDefinition, defs, instance, landing, cursor: str | None) -> tuple[list[dg.RunRequest], str]:
    context = dg.build_sensor_context(instance=instance, cursor=cursor, resources={"landing": landing}, definitions=defs)
    result = sensor.evaluate_tick(context)
    return list(result.run_requests or []), result.cursor


def test_a_csv_feed_from_config_alone_is_ingested_exactly_once(tmp_path, lakehouse_home, spark, instance) -> None:
    settings = load_settings("test", user_config(tmp_path))
    defs = build_definitions(settings)
    graph = defs.resolve_asset_graph()
    assert SALES_KEYS <= {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert dg.AssetCheckKey(dg.AssetKey(["bronze", "sales"]), "rows_conserved") in graph.asset_check_keys
    assert graph.get(dg.AssetKey(["bronze", "sales"])).description == FEED["description"]
    report_reads = {key.to_user_string() for key in graph.get(dg.AssetKey(["reports", "data_quality"])).parent_keys}
    assert SALES_KEYS <= report_reads  # the data-quality report accounts for the feed's rows too

    root = Path(settings.environment.sources.landing)
    land(root, DAYS[0], "till_1.csv", ["2013-03-01,S001,1,12.50", "2013-03-01,S001,2,3.00", "2013-03-01,S002,1,7.25"])
    land(root, DAYS[1], "till_1.csv", ["2013-03-02,S001,3,4.00", "2013-03-02,S002", "2013-03-02,S002,2,-1"])
    land(root, DAYS[2], "till_1.csv", ["2013-03-03,S001,4,9.99", "2013-03-02,S001,5,1.00"])

    sensor = defs.resolve_sensor_def(SENSOR_NAME)
    landing = build_resources(settings)["landing"]
    requests, cursor = tick(sensor, defs, instance, landing, None)
    assert [request.partition_key for request in requests] == [day.isoformat() for day in DAYS]
    assert all({key.to_user_string() for key in request.asset_selection} == SALES_KEYS for request in requests)

    # A single-run backfill of the three days, as the UI's "Materialize" of a range does.
    result = materialize_range(defs, DAYS[0], DAYS[-1], selection=dg.AssetSelection.assets(["bronze", "sales"]), instance=instance)
    assert result.success
    [days] = by_day(result).values()  # rows_conserved, per day
    assert sorted(days) == [day.isoformat() for day in DAYS] and all(check.passed for check in days.values())
    assert [days[day.isoformat()].metadata["rows_read"].value for day in DAYS] == [3, 3, 2]  # before the late file
    requests, cursor = tick(sensor, defs, instance, landing, cursor)
    assert requests == []

    # A late second file for the first day, with an mtime older than anything seen: that day, once.
    late = land(root, DAYS[0], "till_2_late.csv", ["2013-03-01,S003,1,20.00", "2013-03-01,S003,2,5.00"], mtime=1_000_000)
    requests, cursor = tick(sensor, defs, instance, landing, cursor)
    assert [request.partition_key for request in requests] == [DAYS[0].isoformat()]
    [request] = requests
    run = defs.resolve_implicit_global_asset_job_def().execute_in_process(
        instance=instance, asset_selection=list(request.asset_selection), partition_key=request.partition_key, tags=request.tags
    )
    assert run.success
    assert tick(sensor, defs, instance, landing, cursor)[0] == []

    tables = TableLocator(settings.environment.storage.warehouse)
    bronze = read_table(spark, tables.locate("bronze", "sales"))
    quarantine = read_table(spark, tables.locate("bronze", "sales_quarantine"))
    ledger = read_table(spark, tables.locate("bronze", "sales_file_ledger"))
    per_day = lambda frame, column: {row[0]: row[1] for row in frame.groupBy(column).count().collect()}  # noqa: E731
    assert per_day(bronze, "sale_day") == {DAYS[0]: 5, DAYS[1]: 2, DAYS[2]: 1}
    assert bronze.where(F.col("_source_file") == str(late)).count() == 2  # the late file once, not twice
    reasons = {row.reason for row in quarantine.collect()}
    assert len(reasons) == 2 and any("malformed CSV" in reason for reason in reasons)
    assert "sale day 2013-03-02 is outside partition 2013-03-03" in reasons
    negative = bronze.where(F.col("receipt") == 2).where(F.col("sale_day") == DAYS[1]).first()
    assert negative.amount is None and json.loads(negative._rescued_data) == {"amount": "-1"}  # misfit value kept
    read = {row.partition_date: row.rows for row in ledger.groupBy("partition_date").agg(F.sum("rows_read").alias("rows")).collect()}
    loaded, quarantined = per_day(bronze, "sale_day"), per_day(quarantine, "sale_day")
    assert {day: loaded.get(day, 0) + quarantined.get(day, 0) for day in DAYS} == read == {DAYS[0]: 5, DAYS[1]: 3, DAYS[2]: 2}


def test_a_json_lines_feed_with_checks_and_quiet_days_from_config_alone(tmp_path, lakehouse_home, spark, instance) -> None:
    checks = {"natural_key": "warning", "max_null_rate": {"amount": 0.25}, "volume": True}
    feed = {**FEED, "name": "receipts", "format": "json_lines", "contract": "contracts/receipts.json", "checks": checks,
            "missing_day": "empty"}  # fmt: skip
    settings = load_settings("test", user_config(tmp_path, feed))
    defs = build_definitions(settings)
    root = Path(settings.environment.sources.landing)
    receipt = {"sold_on": "2013-03-02", "store": "S002", "receipt": "7", "Till": "T1"}
    for day, records in [(DAYS[0], [{"sold_on": "2013-03-01", "store": "S001", "receipt": 1, "amount": 2.5}, "{broken"]),
                         (DAYS[1], [receipt, receipt])]:  # fmt: skip  # the same receipt twice, without an amount
        path = root / "receipts" / day.isoformat() / "export.jsonl"
        path.parent.mkdir(parents=True)
        path.write_text("\n".join(item if isinstance(item, str) else json.dumps(item) for item in records) + "\n")
    ignored = root / "receipts" / DAYS[1].isoformat() / "export.csv"  # not the feed's glob (*.jsonl)
    ignored.write_text("sold_on,store,receipt\n2013-03-02,S009,1\n")

    requests, _ = tick(defs.resolve_sensor_def(SENSOR_NAME), defs, instance, build_resources(settings)["landing"], None)
    assert [request.partition_key for request in requests] == [DAYS[0].isoformat(), DAYS[1].isoformat()]
    # Three days, the last without a file: with missing_day "empty" it holds no rows instead of failing the run.
    result = materialize_range(defs, DAYS[0], DAYS[2], selection=dg.AssetSelection.assets(["bronze", "receipts"]), instance=instance)
    assert result.success
    outcome = {name: days for name, days in by_day(result).items() if name != "column_schema_change"}
    first, second, quiet = (day.isoformat() for day in DAYS[:3])
    failing = {name: sorted(day for day, check in days.items() if not check.passed) for name, days in outcome.items()}
    # The repeated receipt without an amount is on the second day: only that day fails, as a warning.
    assert failing == {"rows_conserved": [], "natural_key_complete": [], "natural_key_unique": [second],
                       "null_rates_within_threshold": [second], "volume_within_recent_range": []}  # fmt: skip
    assert all(sorted(days) == [first, second, quiet] for days in outcome.values())
    assert outcome["natural_key_unique"][second].severity == dg.AssetCheckSeverity.WARN
    assert outcome["natural_key_unique"][second].metadata["repeated_keys"].value == 1
    assert outcome["null_rates_within_threshold"][second].metadata["null_rates"].value == {"amount": 1.0}
    assert outcome["null_rates_within_threshold"][first].metadata["null_rates"].value == {"amount": 0.0}
    assert outcome["rows_conserved"][quiet].passed  # no file that day, and no row

    tables = TableLocator(settings.environment.storage.warehouse)
    rows = sorted(read_table(spark, tables.locate("bronze", "receipts")).collect(), key=lambda row: row.receipt)
    assert [(row.sale_day, row.store, row.receipt, row._rescued_data) for row in rows] == [
        (DAYS[0], "S001", 1, None),
        (DAYS[1], "S002", 7, '{"Till":"T1"}'),
        (DAYS[1], "S002", 7, '{"Till":"T1"}'),
    ]
    [bad] = read_table(spark, tables.locate("bronze", "receipts_quarantine")).collect()
    assert (bad.sale_day, bad.raw_line, bad.reason) == (DAYS[0], "{broken", "malformed JSON: the record is not one JSON object")


def test_a_database_table_from_config_alone_loads_in_full_then_from_its_watermark(tmp_path, lakehouse_home, spark, instance) -> None:
    settings = load_settings("test", user_config(tmp_path, STORES, STORES_CONTRACT))
    defs = build_definitions(settings)
    keys = {dg.AssetKey(["bronze", "stores"]), dg.AssetKey(["bronze", "stores_quarantine"])}
    refresh = defs.resolve_job_def("reference_refresh").asset_layer.executable_asset_keys
    daily = defs.resolve_job_def("daily_pipeline").asset_layer.executable_asset_keys
    assert keys <= refresh and not keys & daily  # refreshed with the reference tables, not day by day
    database = Path(reference_db_path(settings.environment.sources.landing))
    database.parent.mkdir(parents=True)
    with closing(sqlite3.connect(database)) as connection, connection:
        connection.execute("CREATE TABLE stores (store TEXT, city TEXT, opened TEXT, version INTEGER)")
        connection.executemany(
            "INSERT INTO stores VALUES (?, ?, ?, ?)",
            [("S001", "Newark", "2010-04-01", 1), ("S002", "Queens", "2011-05-02", 1), ("S003", "Bronx", "soon", 2),
             ("store 4", "Harlem", "2012-01-01", 2)],
        )  # fmt: skip

    job = defs.resolve_implicit_global_asset_job_def()
    first = job.execute_in_process(instance=instance, asset_selection=sorted(keys))
    assert first.success and all(check.passed for check in first.get_asset_check_evaluations())
    with closing(sqlite3.connect(database)) as connection, connection:
        connection.execute("UPDATE stores SET city = 'Jersey City', version = 3 WHERE store = 'S001'")
        connection.execute("INSERT INTO stores VALUES ('S005', 'Yonkers', '2013-03-01', 3)")
    second = job.execute_in_process(instance=instance, asset_selection=sorted(keys))
    assert second.success and all(check.passed for check in second.get_asset_check_evaluations())
    [loaded] = [event.materialization for event in second.get_asset_materialization_events() if event.materialization.asset_key.path == ["bronze", "stores"]]
    # From the highest watermark loaded (2), inclusive: S003 and 'store 4' again, S001 changed, S005 new.
    assert loaded.metadata["load"].value == "incremental" and loaded.metadata["rows_read"].value == 4

    tables = TableLocator(settings.environment.storage.warehouse)
    stores = {row.store: row for row in read_table(spark, tables.locate("bronze", "stores")).collect()}
    assert sorted(stores) == ["S001", "S002", "S003", "S005"] and stores["S001"].city == "Jersey City"
    assert stores["S003"].opened is None and json.loads(stores["S003"]._rescued_data) == {"opened": "soon"}
    [bad] = read_table(spark, tables.locate("bronze", "stores_quarantine")).collect()
    assert "key field store does not fit the contract: store 4" in bad._quarantine_reason


@pytest.mark.parametrize(
    ("feed", "contract", "expected"),
    [
        ({**FEED, "format": "parquet"}, CONTRACT, "feeds.5.format: Input should be 'csv', 'json_lines', 'json_array', 'weather_payload' or 'jdbc'"),
        (FEED, "{not json", "feeds[5].contract (sales): "),
        ({**FEED, "row_day": ["sold_at"]}, CONTRACT, "feeds[5].row_day (sales): the contract has no column sold_at"),
        ({**FEED, "row_day": ["store"]}, CONTRACT, "feeds[5].row_day (sales): expected one date/date-time column"),
        ({**FEED, "partition_column": "sold_on"}, CONTRACT, "feeds[5].partition_column (sales): 'sold_on' is a column"),
        (FEED, {**CONTRACT, "x-natural-key": ["store", "till"]}, "required/x-natural-key name unknown properties: till"),
        ({**FEED, "name": "flights"}, CONTRACT, "feed(s) flights declared twice"),
        ({**FEED, "name": "../sales"}, CONTRACT, "feeds.5.name: '../sales' is not a safe feed name"),
        ({**FEED, "files": "../*.csv"}, CONTRACT, "feeds.5.files: '../*.csv' must be a file name glob"),
        ({**STORES, "partition_column": "day"}, STORES_CONTRACT, "feeds.5: partition_column: not a key of a jdbc feed"),
        ({**FEED, "partition_column": None}, CONTRACT, "feeds.5: a csv feed needs partition_column"),
        ({**FEED, "partition_column": "reason"}, CONTRACT, "feeds[5].partition_column (sales): 'reason' is a column of"),
        (FEED, {**CONTRACT, "properties": {**CONTRACT["properties"], "_Source_File": {}}}, "feeds[5].contract (sales): column(s) _Source_File clash"),
        ({**FEED, "name": "flights_quarantine"}, CONTRACT, "feeds flights and flights_quarantine would both write bronze/flights_quarantine"),
        ({**FEED, "name": "reference"}, CONTRACT, "feeds.5.name: 'reference' is reserved"),
        ({**FEED, "format": "weather_payload", "row_day": []}, CONTRACT, "feeds[5].format (sales): weather_payload is the weather feed's own reader"),
        ({**STORES, "drift_policy": "fail"}, STORES_CONTRACT, "feeds[5].drift_policy (stores): not read from feeds.json for this feed; set sources.reference"),
        ({**FEED, "checks": {"natural_key": "blocking"}}, {**CONTRACT, "x-natural-key": []}, "feeds[5].checks.natural_key (sales): "),
        ({**FEED, "checks": {"max_null_rate": {"amont": 0.1}}}, CONTRACT, "feeds[5].checks.max_null_rate (sales): the contract has no column amont"),
        ({**FEED, "checks": {"max_null_rate": {"amount": 5}}}, CONTRACT, "feeds.5.checks.max_null_rate: a null rate is a share between 0 and 1 (amount: 5"),
        ({**FEED, "checks": {"natural_key": "always"}}, CONTRACT, "feeds.5.checks.natural_key: Input should be 'blocking' or 'warning'"),
        ({**STORES, "checks": {"volume": True}}, STORES_CONTRACT, "feeds.5: checks: not a key of a jdbc feed"),
        ({**STORES, "missing_day": "empty"}, STORES_CONTRACT, "feeds.5: missing_day: not a key of a jdbc feed"),
    ],
)
def test_a_wrong_feed_is_refused_at_load_naming_file_and_key(tmp_path, lakehouse_home, feed, contract, expected) -> None:
    config = user_config(tmp_path, feed, contract)
    with pytest.raises(ConfigError) as error:
        load_settings("test", config)
    message = str(error.value)
    assert str(config / "feeds.json") in message and expected in message and "\n" not in message


@pytest.mark.parametrize(
    ("name", "change", "expected"),
    [
        ("flights", {"partition_column": "day_of_flight"}, "feeds[0].partition_column (flights): the shipped graph reads this feed with partition_column 'flight_date'"),
        ("flights", {"drift_policy": "fail"}, "feeds[0].drift_policy (flights): not read from feeds.json for this feed; set sources.flights"),
        ("planes", {"contract": "contracts/sales.json"}, "feeds[4].contract (planes): the shipped graph reads this feed with contract 'planes'"),
    ],
)
def test_what_the_shipped_graph_reads_of_its_feeds_cannot_be_changed(tmp_path, lakehouse_home, name, change, expected) -> None:
    config = user_config(tmp_path)
    feeds = json.loads((config / "feeds.json").read_text())
    feeds["feeds"] = [{**feed, **change} if feed["name"] == name else feed for feed in feeds["feeds"]]
    (config / "feeds.json").write_text(json.dumps(feeds))
    with pytest.raises(ConfigError) as error:
        load_settings("test", config)
    assert str(config / "feeds.json") in str(error.value) and expected in str(error.value)


@pytest.mark.parametrize(
    ("silver", "expected"),
    [("silver/sales", "'silver/sales' is not an asset of the graph"), ("silver/airlines", "'silver/airlines' is not daily-partitioned")],
)
def test_a_feeds_silver_table_must_be_a_daily_table_of_the_graph(tmp_path, lakehouse_home, silver, expected) -> None:
    config = user_config(tmp_path, {**FEED, "silver": silver})
    with pytest.raises(ConfigError) as error:
        build_definitions(load_settings("test", config))
    assert f"{config / 'feeds.json'}: feeds[5].silver (sales): {expected}" in str(error.value)

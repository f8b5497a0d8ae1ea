"""Bad input of every source kind: landing files, API pages, database rows and configuration.

Each kind ends as loaded rows (misfit values rescued, never silently null), quarantined rows with a reason,
a rejected file recorded in the ledger, or a clear error naming what, where and how to fix it; rows in =
rows loaded + rows quarantined. The 23 malformed flights files of `flight_corpus` (delimiters, encodings,
NUL bytes, a 10 MB line, 2013-02-30, ...) are run by unit/test_flight_files.py; the kinds here add to them.
"""

import json
import os
import shutil
import sqlite3
from contextlib import closing
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import yaml

from lakehouse_assets.ingestion.conformance import loaded_rows, quarantined_rows, tally
from lakehouse_assets.ingestion.contracts import RESCUED
from lakehouse_assets.ingestion.file_feed import ingest_feed_files
from lakehouse_assets.ingestion.file_ledger import partition_figures
from lakehouse_assets.ingestion.http_pages import HttpPageClient, HttpSourceError
from lakehouse_assets.ingestion.jdbc import JdbcSource
from lakehouse_assets.ingestion.reference import load_reference_table
from lakehouse_assets.ingestion.weather import PROVENANCE, weather_rows
from lakehouse_assets.ingestion.weather_payload import PayloadError, parse_weather_page
from lakehouse_assets.landing.layout import list_landed
from lakehouse_assets.seed import write_reference_db
from lakehouse_assets.settings.loader import ConfigError, config_dir, load_settings
from lakehouse_assets.settings.models import JdbcTableSettings
from lakehouse_assets_tests.feeds import FLIGHTS_FEED, FLIGHTS_GLOB
from lakehouse_assets_tests.feeds import WEATHER_CONTRACT as WEATHER
from lakehouse_assets_tests.flight_corpus import real_rows
from lakehouse_assets_tests.http_servers import Reply, scripted_server, serving

DAY = date(2013, 1, 30)
AT = datetime(2024, 5, 1, tzinfo=UTC)


def column(header: bytes, name: str) -> int:
    return header.split(b",").index(name.encode())


def with_values(header: bytes, line: bytes, **values: str) -> bytes:
    fields = line.split(b",")
    for name, value in values.items():
        fields[column(header, name)] = value.encode()
    return b",".join(fields)


# name -> (build(header, rows) -> bytes, expected (loaded, quarantined) or ("rejected", reason fragment))
FILE_KINDS = {
    "negative_distance.csv": (lambda h, r: b"\n".join([h, with_values(h, r[0], distance="-284"), r[1]]), (2, 0)),
    "clock_2460.csv": (lambda h, r: b"\n".join([h, with_values(h, r[0], dep_time="2460"), with_values(h, r[1], sched_dep_time="1275")]), (1, 1)),
    "clock_2400_is_midnight.csv": (lambda h, r: b"\n".join([h, with_values(h, r[0], arr_time="2400"), r[1]]), (2, 0)),
    "unknown_origin.csv": (lambda h, r: b"\n".join([h, with_values(h, r[0], origin="XYZ"), r[1]]), (1, 1)),
    "dots..in..name.csv": (lambda h, r: b"\n".join([h, r[0]]), (1, 0)),
}


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    root = tmp_path / "landing"
    folder = root / "flights" / DAY.isoformat()
    folder.mkdir(parents=True)
    header, rows = real_rows(DAY, 3)
    for name, (build, _) in FILE_KINDS.items():
        (folder / name).write_bytes(build(header, rows) + b"\n")
    outside = tmp_path / "outside.csv"
    outside.write_bytes(b"\n".join([header, *rows]) + b"\n")
    (folder / "link_out_of_root.csv").symlink_to(outside)
    (folder / "broken_link.csv").symlink_to(folder / "gone.csv")  # inside the root, but nothing there
    os.mkfifo(folder / "fifo.csv")  # reading it would block the run forever
    return root


def test_landing_file_kinds(spark, landing: Path) -> None:
    ingestion = ingest_feed_files(spark, FLIGHTS_FEED, list_landed(str(landing), "flights", DAY, FLIGHTS_GLOB), ingested_at=AT)
    entries = {Path(entry.path).name: entry for entry in ingestion.entries}
    for name, (_, expected) in FILE_KINDS.items():
        assert (entries[name].rows_loaded, entries[name].rows_quarantined) == expected, name
    refused = {name: entries[name].reason for name in ("link_out_of_root.csv", "broken_link.csv", "fifo.csv")}
    assert all(entries[name].status == "rejected" for name in refused)
    assert "outside the landing root" in refused["link_out_of_root.csv"]
    assert "does not resolve" in refused["broken_link.csv"] and "not a regular file" in refused["fifo.csv"]

    figures = partition_figures(ingestion.entries)[DAY]
    assert figures["rows_read"] == figures["rows_loaded"] + figures["rows_quarantined"] == 9
    rescued = {json.loads(row[RESCUED]).popitem() for row in ingestion.bronze.where(f"{RESCUED} is not null").collect()}
    assert rescued == {("distance", "-284"), ("dep_time", "2460")}  # kept verbatim, not nulled
    reasons = sorted(row.reason for row in ingestion.quarantine.collect())
    assert any("sched_dep_time" in reason and "1275" in reason for reason in reasons), reasons
    assert any("origin" in reason and "XYZ" in reason for reason in reasons), reasons


def test_a_linked_day_folder_outside_the_root_is_refused(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "flights.csv").write_bytes(b"year\n")
    (tmp_path / "landing" / "flights").mkdir(parents=True)
    (tmp_path / "landing" / "flights" / DAY.isoformat()).symlink_to(elsewhere, target_is_directory=True)
    [landed] = list_landed(str(tmp_path / "landing"), "flights", DAY, FLIGHTS_GLOB)
    assert landed.refused and "outside the landing root" in landed.refused


def observation(**changes) -> dict:
    base = {"origin": "EWR", "year": 2013, "month": 1, "day": 30, "hour": 5, "temp": 39.02, "time_hour": "2013-01-30T10:00:00Z"}
    return {**base, **changes}


def page(observations: list, **document) -> bytes:
    return json.dumps({"date": DAY.isoformat(), "observations": observations, **document}).encode()


PAGE_ERRORS = {
    "nested_too_deeply": (b'{"date": "2013-01-30", "observations": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "nested too deeply"),
    "truncated": (page([observation()])[:-7], "not valid JSON"),
    "not_an_object": (b"[1, 2, 3]", "expected a JSON object"),
    "another_day": (json.dumps({"date": "2013-01-31", "observations": []}).encode(), "payload is for 2013-01-31"),
    "impossible_date": (json.dumps({"date": "2013-02-30", "observations": []}).encode(), "not a YYYY-MM-DD date"),
    "observations_not_a_list": (json.dumps({"date": DAY.isoformat(), "observations": {"a": 1}}).encode(), "must be a list"),
    "utf16": (page([observation()]).decode().encode("utf-16"), "not UTF-8 text"),
}


@pytest.mark.parametrize("kind", sorted(PAGE_ERRORS))
def test_api_page_kinds_that_are_clear_errors(kind: str) -> None:
    body, message = PAGE_ERRORS[kind]
    with pytest.raises(PayloadError, match=message) as error:
        parse_weather_page(body, "http://127.0.0.1/v1/weather?date=2013-01-30", DAY)
    assert "http://127.0.0.1/v1/weather" in str(error.value) and len(str(error.value)) < 2000


def test_api_page_rows_that_are_rescued_or_quarantined(spark) -> None:
    nested = {"level": 0}
    for level in range(1, 200):
        nested = {"level": level, "inner": nested}
    observations = [
        observation(),
        observation(temp=nested),  # deep but legal nesting in a value: rescued as JSON text
        observation(origin="EWR\u0000"),  # NUL byte in a key
        observation(day=31),  # impossible for 2013-01-30's page
        observation(hour="2460"),
        "not an object",
    ]
    parsed = parse_weather_page(page(observations), "http://127.0.0.1/v1/weather", DAY)
    typed = weather_rows(spark, [parsed], WEATHER)
    counts = tally(typed)
    assert (counts.read, counts.loaded, counts.quarantined) == (6, 2, 4)
    rescued = loaded_rows(typed).where(f"{RESCUED} is not null").first()
    assert json.loads(json.loads(rescued[RESCUED])["temp"])["level"] == 199
    assert quarantined_rows(typed, PROVENANCE).where("_quarantine_reason is null").count() == 0


def test_an_oversized_api_page_is_refused_without_reading_it_whole() -> None:
    server, _ = scripted_server([Reply(body=b" " * 300_000 + page([observation()]))])
    with serving(server) as url:
        client = HttpPageClient(max_page_bytes=100_000)
        with pytest.raises(HttpSourceError, match="over 100,000 bytes, too large to be a page"):
            client.get(f"{url}/v1/weather")


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Path:
    path = tmp_path / "reference.sqlite"
    write_reference_db(path)
    return path


def test_database_row_kinds(spark, sqlite_db: Path) -> None:
    with closing(sqlite3.connect(sqlite_db)) as db:
        db.execute("ALTER TABLE airlines ADD COLUMN [odd`, name STRING] TEXT")  # a column name that is SQL text
        db.execute("UPDATE airlines SET [odd`, name STRING] = 'x' WHERE carrier = 'UA'")
        db.execute("INSERT INTO airlines (carrier, name) VALUES (?, 'NUL in the key')", ("Z\u00002",))
        db.execute("INSERT INTO airlines (carrier, name) VALUES ('ZZ', 'Caf\u00e9 \u2708 Airways')")  # unicode: loads
        db.execute("INSERT INTO airlines (carrier, name) VALUES ('', 'empty key')")
        db.commit()
    source = JdbcSource(url=f"jdbc:sqlite:{sqlite_db}", driver="org.sqlite.JDBC")
    load = load_reference_table(spark, source, "airlines", JdbcTableSettings())
    assert load.tally.read == load.tally.loaded + load.tally.quarantined == 16 + 3
    assert load.tally.quarantined == 2
    united = load.loaded.where("carrier = 'UA'").first()
    assert json.loads(united[RESCUED]) == {"odd`, name STRING": "x"}
    assert load.loaded.where("carrier = 'ZZ'").first().name == "Caf\u00e9 \u2708 Airways"


CONFIG_ERRORS = {
    "unknown_key": (("storage", "warehous"), "/tmp/x", "storage.warehous: unknown key"),
    "drift_policy": (("sources", "flights", "drift_policy"), "ignore", "sources.flights.drift_policy"),
    "jdbc_bound_sql": (("sources", "reference", "tables", "planes", "lower_bound"), "0; DROP TABLE planes", "not a number, date or timestamp"),
    "jdbc_table_sql": (("sources", "reference", "tables", "planes", "source"), "planes; DROP TABLE x", "is not a table name"),
    "jdbc_url_password": (("sources", "reference", "jdbc_url"), "jdbc:postgresql://h/db?password=hunter2", "sources.reference.jdbc_url"),
    "impossible_partition_start": (("partitions", "start"), "2013-02-30", "partitions.start"),
    "catalog_sql": (("storage", "catalog"), "main`; DROP", "storage.catalog"),
    "api_url_scheme": (("sources", "weather", "api", "url"), "file:///etc/passwd", "sources.weather.api.url"),
}


@pytest.mark.parametrize("kind", sorted(CONFIG_ERRORS))
def test_config_kinds_are_errors_naming_file_and_key(kind: str, tmp_path: Path) -> None:
    path, value, message = CONFIG_ERRORS[kind]
    directory = tmp_path / "config"
    shutil.copytree(config_dir(), directory)
    env_file = directory / "env" / "test.yaml"
    document = yaml.safe_load(env_file.read_text())
    node = document
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node[path[-1]] = value
    env_file.write_text(yaml.safe_dump(document))
    with pytest.raises(ConfigError) as error:
        load_settings("test", directory)
    assert str(env_file) in str(error.value) and message in str(error.value)
    assert "hunter2" not in str(error.value)

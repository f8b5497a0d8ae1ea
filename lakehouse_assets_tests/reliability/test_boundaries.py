"""Nothing from config, a table name or a landing path reaches SQL text or the file system unchecked, and
whatever the project serves listens on 127.0.0.1 unless told otherwise."""

import re
from datetime import date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from lakehouse_assets.cli import main, serve_weather_api
from lakehouse_assets.landing.layout import list_landed
from lakehouse_assets.landing.weather_api import make_server
from lakehouse_assets.reporting.store import ReportNameError, report_path
from lakehouse_assets.resources.spark import LOCAL_DEFAULT_CONF
from lakehouse_assets.table_versions import parse_table_name
from lakehouse_assets.tables import TableError, TableLocator, check_identifier, date_range_predicate
from lakehouse_assets_tests.feeds import FLIGHTS_GLOB

REPO = Path(__file__).resolve().parents[2]
LOCATOR = TableLocator("/warehouse")


@pytest.mark.parametrize("name", ["flights; DROP TABLE x", "flights`", "../flights", "fl ights", ""])
def test_table_names_that_are_not_identifiers_never_make_a_path_or_sql(name: str) -> None:
    with pytest.raises(TableError, match="not a plain identifier"):
        LOCATOR.locate("bronze", name)
    with pytest.raises(TableError):
        parse_table_name(f"bronze/{name}", LOCATOR)


@pytest.mark.parametrize("layer", ["../../etc", "Bronze", "bronze/../gold"])
def test_unknown_layers_are_refused(layer: str) -> None:
    with pytest.raises(TableError, match="unknown layer"):
        LOCATOR.locate(layer, "flights")


def test_catalog_and_column_names_are_identifiers() -> None:
    with pytest.raises(TableError):
        TableLocator("/w", catalog="main; DROP").locate("bronze", "flights")
    with pytest.raises(TableError):
        check_identifier("flight_date) OR (1=1", "partition column")


@pytest.mark.parametrize("bound", ["2013-01-01' OR '1'='1", datetime(2013, 1, 1, 12), 20130101])
def test_partition_windows_take_only_real_dates(bound) -> None:
    with pytest.raises(TableError, match="must be dates"):
        date_range_predicate("flight_date", bound, date(2013, 1, 2))
    assert date_range_predicate("flight_date", date(2013, 1, 1), date(2013, 1, 2)) == (
        "flight_date >= DATE'2013-01-01' AND flight_date < DATE'2013-01-02'"
    )


@pytest.mark.parametrize("name", ["../escape", "a/b", "..", "x/../../y", " space", ""])
def test_report_names_stay_one_segment_under_the_reports_root(name: str) -> None:
    with pytest.raises(ReportNameError):
        report_path("/reports", name, "2013-01-01")
    with pytest.raises(ReportNameError):
        report_path("/reports", "data_quality", name)


def test_landing_files_reached_through_links_out_of_the_root_are_never_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.csv"
    secret.write_text("year,month\n")
    day = tmp_path / "landing" / "flights" / "2013-01-30"
    day.mkdir(parents=True)
    (day / "a.csv").symlink_to(secret)
    (day / "b.csv").symlink_to(Path("..") / ".." / ".." / "secret.csv")  # relative, with ..
    (day / "c.csv").write_text("year,month\n")
    refused = {Path(f.path).name: f.refused for f in list_landed(str(tmp_path / "landing"), "flights", date(2013, 1, 30), FLIGHTS_GLOB)}
    assert refused["c.csv"] is None
    assert all(refused[name] and "outside the landing root" in refused[name] for name in ("a.csv", "b.csv"))


def test_servers_bind_loopback_by_default() -> None:
    server = make_server()
    try:
        assert server.server_address[0] == "127.0.0.1"
    finally:
        server.server_close()
    host = next(param for param in serve_weather_api.params if param.name == "host")
    assert host.default == "127.0.0.1"
    assert LOCAL_DEFAULT_CONF["spark.driver.bindAddress"] == "127.0.0.1"
    assert "127.0.0.1" in CliRunner().invoke(main, ["serve-weather-api", "--help"]).output


def test_every_dagster_dev_instruction_binds_loopback() -> None:
    commands = []
    for path in [REPO / "Makefile", REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]:
        commands += [(path.name, line) for line in path.read_text().splitlines() if re.search(r"\bdagster dev\b.*-[hp]\b|\bdagster dev\s*$", line)]
    assert commands, "no `dagster dev` command found in the docs"
    for where, line in commands:
        assert re.search(r"(-h|--host) 127\.0\.0\.1", line), f"{where}: {line.strip()}"

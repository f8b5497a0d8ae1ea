"""The landing sensor: every version of every file leads to exactly one run of its day."""

import os
import shutil
import time
from datetime import date
from pathlib import Path

import dagster as dg
import pytest

from lakehouse_assets.definitions import build_definitions
from lakehouse_assets.partitions import daily_partitions
from lakehouse_assets.seed import seed_landing_zone
from lakehouse_assets.sensors.landing import build_landing_sensor
from lakehouse_assets.settings import load_settings
from lakehouse_assets_tests.feeds import FEEDS, landing_zone


@pytest.fixture(scope="module")
def defs() -> dg.Definitions:
    return build_definitions(load_settings("test"))


class Ticks:
    """Evaluates the sensor tick after tick, carrying the cursor and the run keys already used (as Dagster does)."""

    def __init__(self, defs: dg.Definitions, root: Path, instance=None, max_days_per_tick: int = 31) -> None:
        daily = daily_partitions(load_settings("test").environment.partitions)
        self.sensor = build_landing_sensor(daily, FEEDS.file_feeds, max_days_per_tick=max_days_per_tick)
        self.defs = defs
        self.instance = instance
        self.landing = landing_zone(str(root))
        self.cursor: str | None = None
        self.run_keys: set[str] = set()

    def tick(self) -> list[dg.RunRequest]:
        context = dg.build_sensor_context(
            instance=self.instance, cursor=self.cursor, resources={"landing": self.landing}, definitions=self.defs
        )
        result = self.sensor.evaluate_tick(context)
        self.cursor = result.cursor
        fresh = [request for request in result.run_requests if request.run_key not in self.run_keys]
        self.run_keys |= {request.run_key for request in fresh}
        return fresh


def days_of(requests: list[dg.RunRequest]) -> list[str]:
    return [request.partition_key for request in requests]


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    seed_landing_zone(tmp_path, date(2013, 3, 1), date(2013, 3, 3))
    return tmp_path


def add_file(landing: Path, feed: str, day: str, name: str, content: bytes, mtime: float | None = None) -> Path:
    path = landing / feed / day / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def test_first_tick_runs_each_landed_day_once_with_both_feeds(defs, instance, landing: Path) -> None:
    ticks = Ticks(defs, landing, instance)
    requests = ticks.tick()
    assert days_of(requests) == ["2013-03-01", "2013-03-02", "2013-03-03"]
    assert {key.to_user_string() for key in requests[0].asset_selection} == {
        "bronze/flights", "bronze/flights_quarantine", "bronze/flights_file_ledger", "silver/flights",
        "bronze/weather", "bronze/weather_quarantine", "silver/weather",
    }  # fmt: skip
    assert ticks.tick() == []  # the same files seen again start nothing


def test_a_late_file_with_an_old_mtime_is_not_skipped(defs, instance, landing: Path) -> None:
    ticks = Ticks(defs, landing, instance)
    ticks.tick()
    old = time.time() - 400 * 86400  # older than every file already seen
    add_file(landing, "flights", "2013-03-02", "flights_2013-03-02_late.csv", b"year,month,day\n", mtime=old)
    requests = ticks.tick()
    assert days_of(requests) == ["2013-03-02"]
    assert [key.to_user_string() for key in requests[0].asset_selection][0] == "bronze/flights"
    assert all("weather" not in key.to_user_string() for key in requests[0].asset_selection)


def test_out_of_order_days_and_bursts_coalesce_to_one_run_per_day(defs, instance, landing: Path) -> None:
    ticks = Ticks(defs, landing, instance)
    ticks.tick()
    for day in ("2013-06-20", "2013-04-02", "2013-05-11"):
        for part in range(5):  # a burst: five files for each day
            add_file(landing, "flights", day, f"flights_{day}_{part}.csv", f"part {part}".encode())
    assert days_of(ticks.tick()) == ["2013-04-02", "2013-05-11", "2013-06-20"]


def test_a_rewritten_file_reruns_its_day_and_an_identical_rewrite_does_not(defs, instance, landing: Path) -> None:
    ticks = Ticks(defs, landing, instance)
    ticks.tick()
    path = landing / "weather/2013-03-01/weather_2013-03-01.json"
    stat = path.stat()
    path.write_bytes(path.read_bytes())  # same bytes, but a new modification time: a new delivery
    os.utime(path, (stat.st_atime, stat.st_mtime))  # ...undone: the same version again
    assert ticks.tick() == []
    path.write_bytes(path.read_bytes().replace(b'"temp":', b'"temp": ', 1))
    assert days_of(ticks.tick()) == ["2013-03-01"]


def test_restart_with_the_same_cursor_and_a_lost_cursor_start_no_duplicate(defs, instance, landing: Path) -> None:
    ticks = Ticks(defs, landing, instance)
    first = ticks.tick()
    restarted = Ticks(defs, landing, instance)
    restarted.cursor = ticks.cursor
    assert restarted.tick() == []
    forgetful = Ticks(defs, landing, instance)  # cursor lost: requests again, with the very same run keys
    again = forgetful.tick()
    assert {request.run_key for request in again} == {request.run_key for request in first}


def test_a_burst_over_many_days_is_spread_over_ticks(defs, instance, landing: Path) -> None:
    ticks = Ticks(defs, landing, instance, max_days_per_tick=2)
    assert days_of(ticks.tick()) == ["2013-03-01", "2013-03-02"]
    assert days_of(ticks.tick()) == ["2013-03-03"]
    assert ticks.tick() == []


def test_files_outside_the_partitions_or_day_folders_are_ignored(defs, instance, landing: Path) -> None:
    ticks = Ticks(defs, landing, instance)
    ticks.tick()
    add_file(landing, "flights", "2014-01-01", "flights_2014-01-01.csv", b"x")
    add_file(landing, "flights", "latest", "flights.csv", b"x")
    assert ticks.tick() == []


def test_a_removed_day_folder_is_not_a_run(defs, instance, landing: Path) -> None:
    ticks = Ticks(defs, landing, instance)
    ticks.tick()
    shutil.rmtree(landing / "flights/2013-03-03")
    assert ticks.tick() == []


def test_days_bronze_already_holds_are_not_run_again(defs, instance, landing: Path) -> None:
    """A backfill ingested 2013-03-01's files before the sensor was turned on: only the rest is requested."""
    from lakehouse_assets.landing.changes import LANDING_DIGEST, day_digests
    from lakehouse_assets.landing.layout import list_feed

    for feed in ("flights", "weather"):
        files, _ = list_feed(str(landing), feed, FEEDS[feed].file_glob)
        digest = day_digests(files)[date(2013, 3, 1)]
        instance.report_runless_asset_event(
            dg.AssetMaterialization(asset_key=["bronze", feed], partition="2013-03-01", metadata={LANDING_DIGEST: digest})
        )
    ticks = Ticks(defs, landing, instance)
    assert days_of(ticks.tick()) == ["2013-03-02", "2013-03-03"]
    add_file(landing, "flights", "2013-03-01", "flights_2013-03-01_fix.csv", b"a correction")
    [request] = ticks.tick()
    assert request.partition_key == "2013-03-01"
    assert {key.path[-1] for key in request.asset_selection} == {"flights", "flights_quarantine", "flights_file_ledger"}

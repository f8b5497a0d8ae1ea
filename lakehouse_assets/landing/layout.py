"""Where sources land: one folder per day for the file feeds, one SQLite file for reference data.

    <landing>/flights/2013-01-01/flights_2013-01-01.csv    airline ops feed, one or more CSV files a day
    <landing>/weather/2013-01-01/weather_2013-01-01.json   hourly observations, the weather API's payload shape
                                                            (every day; a day without observations has an empty list)
    <landing>/reference/nycflights13.sqlite                 airlines, airports, planes
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import fsspec

FEEDS = {"flights": "*.csv", "weather": "*.json"}
DAY_FOLDER = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class LandedFile:
    path: str
    size: int
    modified: datetime
    day: date


def day_dir(root: str, feed: str, day: date) -> str:
    return f"{root.rstrip('/')}/{feed}/{day.isoformat()}"


def reference_db_path(root: str) -> str:
    return f"{root.rstrip('/')}/reference/nycflights13.sqlite"


def days(start: date, end_exclusive: date) -> list[date]:
    return [start + timedelta(days=offset) for offset in range((end_exclusive - start).days)]


def list_landed(root: str, feed: str, day: date) -> list[LandedFile]:
    """The feed's files for one day, sorted by path; an absent day folder is an empty list."""
    if feed not in FEEDS:
        raise ValueError(f"unknown feed {feed!r}; expected one of {', '.join(FEEDS)}")
    fs, folder = fsspec.core.url_to_fs(day_dir(root, feed, day))
    if not fs.isdir(folder):
        return []
    pattern = FEEDS[feed]
    found = []
    for info in fs.glob(f"{folder}/{pattern}", detail=True).values():
        if info.get("type") != "file":
            continue
        found.append(LandedFile(path=_uri(fs, root, info["name"]), size=int(info["size"]), modified=_mtime(info), day=day))
    return sorted(found, key=lambda landed: landed.path)


def list_feed(root: str, feed: str) -> tuple[list[LandedFile], list[str]]:
    """Every file of the feed across all day folders in one listing, and the paths not in a YYYY-MM-DD folder."""
    if feed not in FEEDS:
        raise ValueError(f"unknown feed {feed!r}; expected one of {', '.join(FEEDS)}")
    fs, folder = fsspec.core.url_to_fs(f"{root.rstrip('/')}/{feed}")
    if not fs.isdir(folder):
        return [], []
    found, strays = [], []
    for path, info in fs.glob(f"{folder}/*/{FEEDS[feed]}", detail=True).items():
        if info.get("type") != "file":
            continue
        day_name = path.rstrip("/").split("/")[-2]
        day = _parse_day(day_name) if DAY_FOLDER.match(day_name) else None
        if day is None:
            strays.append(_uri(fs, root, info["name"]))
            continue
        found.append(LandedFile(path=_uri(fs, root, info["name"]), size=int(info["size"]), modified=_mtime(info), day=day))
    return sorted(found, key=lambda landed: landed.path), sorted(strays)


def _parse_day(name: str) -> date | None:
    try:
        return date.fromisoformat(name)
    except ValueError:
        return None


def _uri(fs: fsspec.AbstractFileSystem, root: str, path: str) -> str:
    """A path Spark can open: local paths stay plain; remote ones keep the root's scheme (s3a://, not s3://)."""
    protocol = fs.protocol if isinstance(fs.protocol, str) else fs.protocol[0]
    if protocol in ("file", "local"):
        return path
    scheme = root.split("://", 1)[0] if "://" in root else protocol
    return f"{scheme}://{path}"


def _mtime(info: dict) -> datetime:
    value = info.get("mtime") or info.get("LastModified") or info.get("updated") or 0
    return value if isinstance(value, datetime) else datetime.fromtimestamp(float(value)).astimezone()

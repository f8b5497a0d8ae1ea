"""Where sources land: one folder per day for each file feed of config/feeds.json, one SQLite file for reference data.

    <landing>/<feed>/2013-01-01/<files matching the feed's glob>   e.g. flights/2013-01-01/flights_2013-01-01.csv
    <landing>/reference/nycflights13.sqlite                        airlines, airports, planes

Only regular files inside the landing root are ever read. A listed entry that is a symbolic link leading out of
the root (itself or through a linked day folder), a broken or looping link, or not a regular file (a FIFO
would block its reader) is still listed, with `refused` saying why, so ingestion can record it instead of
silently skipping it; it is never opened. Callers report refused files (flights: the file ledger).
"""

from __future__ import annotations

import os
import posixpath
import re
import stat
from dataclasses import dataclass
from datetime import date, datetime

import fsspec

DAY_FOLDER = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class LandedFile:
    path: str
    size: int
    modified: datetime
    day: date
    refused: str | None = None  # why the file must not be read (see the module docstring); None: read it


def day_dir(root: str, feed: str, day: date) -> str:
    return f"{root.rstrip('/')}/{feed}/{day.isoformat()}"


def reference_db_path(root: str) -> str:
    return f"{root.rstrip('/')}/reference/nycflights13.sqlite"


def list_landed(root: str, feed: str, day: date, pattern: str) -> list[LandedFile]:
    """The feed's files (matching `pattern`) for one day, sorted by path; an absent day folder is an empty list."""
    fs, folder = fsspec.core.url_to_fs(day_dir(root, feed, day))
    if not fs.isdir(folder):
        return []
    found = []
    for info in fs.glob(f"{folder}/{pattern}", detail=True).values():
        if info.get("type") == "directory":
            continue
        found.append(_landed(fs, root, info, day))
    return sorted(found, key=lambda landed: landed.path)


def list_feed(root: str, feed: str, pattern: str) -> tuple[list[LandedFile], list[str]]:
    """Every file of the feed across all day folders in one listing, and the paths not in a YYYY-MM-DD folder."""
    fs, folder = fsspec.core.url_to_fs(f"{root.rstrip('/')}/{feed}")
    if not fs.isdir(folder):
        return [], []
    found, strays = [], []
    for path, info in fs.glob(f"{folder}/*/{pattern}", detail=True).items():
        if info.get("type") == "directory":
            continue
        day_name = path.rstrip("/").split("/")[-2]
        day = _parse_day(day_name) if DAY_FOLDER.match(day_name) else None
        if day is None:
            strays.append(_uri(fs, root, info["name"]))
            continue
        found.append(_landed(fs, root, info, day))
    return sorted(found, key=lambda landed: landed.path), sorted(strays)


def _landed(fs: fsspec.AbstractFileSystem, root: str, info: dict, day: date) -> LandedFile:
    path, refused = _uri(fs, root, info["name"]), _refusal(fs, root, info)
    return LandedFile(path=path, size=int(info.get("size") or 0), modified=_mtime(info), day=day, refused=refused)


def _refusal(fs: fsspec.AbstractFileSystem, root: str, info: dict) -> str | None:
    """Why a listed entry must not be read, or None for a regular file inside the landing root."""
    name = info["name"]
    if not _is_local(fs):  # object stores have no links: a key is inside when its normal form is under the root
        _, root_path = fsspec.core.url_to_fs(root)
        inside = posixpath.normpath(name).startswith(posixpath.normpath(root_path).rstrip("/") + "/")
        return None if inside else "the path leaves the landing root; files are read only from inside it"
    root_real = os.path.realpath(fs._strip_protocol(root))
    real = os.path.realpath(name)
    if os.path.commonpath([real, root_real]) != root_real:
        return f"resolves (through a symbolic link) to {real}, outside the landing root {root_real}; files are read only from inside it"
    try:
        mode = os.stat(name).st_mode
    except OSError as error:
        return f"a symbolic link that does not resolve ({error.strerror}); deliver the file itself"
    if not stat.S_ISREG(mode):
        return "not a regular file (a FIFO, socket or device); deliver a plain file"
    return None


def _is_local(fs: fsspec.AbstractFileSystem) -> bool:
    protocol = fs.protocol if isinstance(fs.protocol, str) else fs.protocol[0]
    return protocol in ("file", "local")


def _parse_day(name: str) -> date | None:
    try:
        return date.fromisoformat(name)
    except ValueError:
        return None


def _uri(fs: fsspec.AbstractFileSystem, root: str, path: str) -> str:
    """A path Spark can open: local paths stay plain; remote ones keep the root's scheme (s3a://, not s3://)."""
    if _is_local(fs):
        return path
    protocol = fs.protocol if isinstance(fs.protocol, str) else fs.protocol[0]
    scheme = root.split("://", 1)[0] if "://" in root else protocol
    return f"{scheme}://{path}"


def _mtime(info: dict) -> datetime:
    value = info.get("mtime") or info.get("LastModified") or info.get("updated") or 0
    return value if isinstance(value, datetime) else datetime.fromtimestamp(float(value)).astimezone()

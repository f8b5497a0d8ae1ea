"""Where report files live: <reports>/<report>/<YYYY-MM-DD>.html (or <report>/<name>.html), written atomically."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime

import fsspec

_SEGMENT = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class StoredReport:
    report: str
    path: str
    modified: datetime

    @property
    def name(self) -> str:
        """The document's name within its report: a day (YYYY-MM-DD) or, e.g., a model version."""
        return self.path.rstrip("/").rsplit("/", 1)[-1].removesuffix(".html")

    @property
    def dated(self) -> bool:
        try:
            date.fromisoformat(self.name)
        except ValueError:
            return False
        return True


class ReportNameError(ValueError):
    """A report or document name that would not stay one path segment under the reports root."""


def report_path(root: str, report: str, name: str) -> str:
    for part in (report, name):
        if not _SEGMENT.match(part) or ".." in part:
            raise ReportNameError(f"{part!r} is not a report or document name (letters, digits, '_', '-', '.')")
    return f"{root.rstrip('/')}/{report}/{name}.html"


def write_report(root: str, report: str, name: str, html: str) -> str:
    """Write the document under a temporary name and move it into place, so readers never see half a file."""
    target = report_path(root, report, name)
    fs, path = fsspec.core.url_to_fs(target)
    fs.makedirs(path.rsplit("/", 1)[0], exist_ok=True)
    temporary = f"{path}.{uuid.uuid4().hex}.tmp"
    with fs.open(temporary, "w", encoding="utf-8") as handle:
        handle.write(html)
    fs.mv(temporary, path)
    return target


def list_reports(root: str, name: str | None = None) -> list[StoredReport]:
    """Every stored report (optionally only those called `name`, e.g. a date), newest first."""
    fs, path = fsspec.core.url_to_fs(root)
    if not fs.isdir(path):
        return []
    pattern = f"{path.rstrip('/')}/*/{name or '*'}.html"
    found = []
    for file, info in fs.glob(pattern, detail=True).items():
        modified = info.get("mtime") or info.get("LastModified") or 0
        when = modified if isinstance(modified, datetime) else datetime.fromtimestamp(float(modified))
        found.append(StoredReport(report=file.rstrip("/").split("/")[-2], path=file, modified=when))
    return sorted(found, key=lambda stored: (stored.modified, stored.path), reverse=True)


def latest_per_report(stored: list[StoredReport]) -> list[StoredReport]:
    """The latest document of each report, by report name: the latest day of a daily report (rewriting an old day
    does not make it the latest), the newest file otherwise."""
    latest: dict[str, StoredReport] = {}
    for found in stored:
        current = latest.get(found.report)
        if current is None or _later(found, current):
            latest[found.report] = found
    return sorted(latest.values(), key=lambda found: found.report)


def _later(one: StoredReport, other: StoredReport) -> bool:
    if one.dated and other.dated:
        return (one.name, one.modified) > (other.name, other.modified)
    return (one.modified, one.path) > (other.modified, other.path)

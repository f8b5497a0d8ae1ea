"""What changed in the landing zone since the last look, per day: the pure part of the landing sensor.

A day's state is a digest of its files' versions (path, size, modification time). A day whose digest differs
from the one last acted on has new, rewritten or removed files and is ingested again as a whole: bronze
replaces the day, so nothing is counted twice, and a later delivery of a row wins in silver.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from .layout import LandedFile

# Materialisation metadata of a bronze partition: the digest of the file versions it was built from.
LANDING_DIGEST = "landing_digest"


def file_version(landed: LandedFile) -> str:
    return f"{landed.path}|{landed.size}|{landed.modified.timestamp():.6f}"


def day_digests(files: Iterable[LandedFile]) -> dict[date, str]:
    """Per day, a digest of the versions of all its files (any new, changed or removed file changes it)."""
    versions: dict[date, list[str]] = {}
    for landed in files:
        versions.setdefault(landed.day, []).append(file_version(landed))
    return {day: hashlib.sha256("\n".join(sorted(found)).encode()).hexdigest()[:24] for day, found in versions.items()}


@dataclass
class LandingCursor:
    """Digest of each (feed, day) as last requested; a missing day was never requested."""

    digests: dict[str, dict[str, str]] = field(default_factory=dict)

    @classmethod
    def parse(cls, text: str | None) -> LandingCursor:
        if not text:
            return cls()
        return cls(digests={feed: dict(days) for feed, days in json.loads(text).get("digests", {}).items()})

    def serialize(self) -> str:
        return json.dumps({"digests": self.digests}, sort_keys=True, separators=(",", ":"))


@dataclass(frozen=True)
class DayChange:
    day: date
    feeds: tuple[str, ...]
    digests: tuple[str, ...]

    @property
    def run_key(self) -> str:
        """Stable for the same file versions: asking again (restart, lost cursor) is a duplicate Dagster drops."""
        versions = ",".join(f"{feed}={digest}" for feed, digest in zip(self.feeds, self.digests, strict=True))
        return f"landing:{self.day.isoformat()}:{versions}"


def changed_days(
    current: Mapping[str, Mapping[date, str]], cursor: LandingCursor, first: date, last: date
) -> tuple[list[DayChange], list[date]]:
    """Days in [first, last] whose files differ from the cursor (oldest first), and days outside that range."""
    by_day: dict[date, list[tuple[str, str]]] = {}
    outside: set[date] = set()
    for feed, digests in sorted(current.items()):
        seen = cursor.digests.get(feed, {})
        for day, digest in digests.items():
            if not first <= day <= last:
                outside.add(day)
            elif seen.get(day.isoformat()) != digest:
                by_day.setdefault(day, []).append((feed, digest))
    changes = [
        DayChange(day=day, feeds=tuple(feed for feed, _ in found), digests=tuple(digest for _, digest in found))
        for day, found in sorted(by_day.items())
    ]
    return changes, sorted(outside)


def not_yet_ingested(change: DayChange, ingested: Mapping[str, Mapping[date, str]]) -> DayChange | None:
    """The part of `change` whose files bronze has not already ingested (e.g. by a backfill), if any."""
    kept = [
        (feed, digest)
        for feed, digest in zip(change.feeds, change.digests, strict=True)
        if ingested.get(feed, {}).get(change.day) != digest
    ]
    if not kept:
        return None
    return DayChange(change.day, tuple(feed for feed, _ in kept), tuple(digest for _, digest in kept))


def advance(cursor: LandingCursor, requested: Iterable[DayChange]) -> LandingCursor:
    digests = {feed: dict(days) for feed, days in cursor.digests.items()}
    for change in requested:
        for feed, digest in zip(change.feeds, change.digests, strict=True):
            digests.setdefault(feed, {})[change.day.isoformat()] = digest
    return LandingCursor(digests=digests)

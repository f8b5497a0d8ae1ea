"""The landing zone the source feeds drop files into (a local folder, or any fsspec URI)."""

from datetime import date

import dagster as dg
from pydantic import Field

from ..days import days_in
from ..landing.layout import LandedFile, list_landed, reference_db_path


class LandingZone(dg.ConfigurableResource):
    root: str = Field(description="Folder or URI holding <feed>/<YYYY-MM-DD>/ files and reference/.")
    file_globs: dict[str, str] = Field(
        default_factory=dict, description="Per feed: the glob of a day folder's files, from config/feeds.json."
    )
    drift_policies: dict[str, str] = Field(
        default_factory=dict, description="Per feed: rescue (default) | fail | add, from feeds.json (flights: sources.flights.drift_policy)."
    )

    def drift_policy(self, feed: str) -> str:
        return self.drift_policies.get(feed, "rescue")

    def file_glob(self, feed: str) -> str:
        if feed not in self.file_globs:
            raise ValueError(f"unknown feed {feed!r}; config/feeds.json declares {', '.join(self.file_globs) or 'none'}")
        return self.file_globs[feed]

    def files(self, feed: str, start: date, end_exclusive: date) -> list[LandedFile]:
        glob = self.file_glob(feed)
        return [landed for day in days_in((start, end_exclusive)) for landed in list_landed(self.root, feed, day, glob)]

    def missing_days(self, feed: str, start: date, end_exclusive: date) -> list[date]:
        glob = self.file_glob(feed)
        return [day for day in days_in((start, end_exclusive)) if not list_landed(self.root, feed, day, glob)]

    @property
    def reference_db(self) -> str:
        return reference_db_path(self.root)

"""The landing zone the source feeds drop files into (a local folder, or any fsspec URI)."""

from datetime import date

import dagster as dg
from pydantic import Field

from ..days import days_in
from ..landing.layout import LandedFile, list_landed, reference_db_path


class LandingZone(dg.ConfigurableResource):
    root: str = Field(description="Folder or URI holding <feed>/<YYYY-MM-DD>/ files and reference/.")
    drift_policies: dict[str, str] = Field(
        default_factory=dict, description="Per feed: rescue (default) | fail | add, from sources.<feed>.drift_policy."
    )

    def drift_policy(self, feed: str) -> str:
        return self.drift_policies.get(feed, "rescue")

    def files(self, feed: str, start: date, end_exclusive: date) -> list[LandedFile]:
        return [landed for day in days_in((start, end_exclusive)) for landed in list_landed(self.root, feed, day)]

    def missing_days(self, feed: str, start: date, end_exclusive: date) -> list[date]:
        return [day for day in days_in((start, end_exclusive)) if not list_landed(self.root, feed, day)]

    @property
    def reference_db(self) -> str:
        return reference_db_path(self.root)

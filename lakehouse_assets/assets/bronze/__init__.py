"""bronze/: sources as delivered, with ingestion metadata."""

from collections.abc import Sequence

import dagster as dg

from ...ingestion.csv_feed import CsvFeed
from . import airlines, airports, planes, weather
from .file_feeds import build_csv_feed


def build(daily: dg.DailyPartitionsDefinition, csv_feeds: Sequence[CsvFeed]) -> list[dg.AssetsDefinition]:
    """Every CSV feed of config/feeds.json the same way, then the sources with their own readers."""
    feeds = [build_csv_feed(daily, feed) for feed in csv_feeds]
    modules = (weather, airlines, airports, planes)
    return [*feeds, *[asset for module in modules for asset in module.build(daily)]]

"""bronze/: sources as delivered, with ingestion metadata. Every source is an entry of config/feeds.json."""

from collections.abc import Sequence

import dagster as dg

from ...ingestion.contracts import Contract
from ...ingestion.file_feed import FileFeed
from ...ingestion.reference import TableFeed
from ...settings.models import QualitySettings
from . import weather
from .file_feeds import build_file_feed
from .reference_tables import reference_table_asset


def build(
    daily: dg.DailyPartitionsDefinition,
    file_feeds: Sequence[FileFeed],
    table_feeds: Sequence[TableFeed],
    weather_contract: Contract,
    quality: QualitySettings,
) -> list[dg.AssetsDefinition]:
    """Every file feed (CSV, JSON lines, JSON array) the same way, every database table the same way, and the weather feed's own reader."""
    return [
        *[build_file_feed(daily, feed, quality) for feed in file_feeds],
        *[reference_table_asset(feed) for feed in table_feeds],
        *weather.build(daily, weather_contract),
    ]

"""reports/: self-contained HTML documents, with their summary and a plot preview in the materialisation."""

from collections.abc import Sequence

import dagster as dg

from ...settings.feeds import Feed
from . import daily_operations, data_quality, model_performance


def build_reports(
    daily: dg.DailyPartitionsDefinition, check_keys: list[dg.AssetCheckKey], landing_feeds: Sequence[Feed]
) -> list[dg.AssetsDefinition]:
    """Report assets; `check_keys` are the graph's data-quality checks the reports show results of, and
    `landing_feeds` the daily feeds of config/feeds.json whose rows the data-quality report accounts for (every
    file feed, weather included whether it comes from files or its API)."""
    return [*data_quality.build(daily, check_keys, landing_feeds), *daily_operations.build(daily), *model_performance.build()]

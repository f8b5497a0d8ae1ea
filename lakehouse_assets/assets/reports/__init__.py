"""reports/: self-contained HTML documents, with their summary and a plot preview in the materialisation."""

import dagster as dg

from . import daily_operations, data_quality, model_performance


def build_reports(daily: dg.DailyPartitionsDefinition, check_keys: list[dg.AssetCheckKey]) -> list[dg.AssetsDefinition]:
    """Report assets; `check_keys` are the graph's data-quality checks the reports show results of."""
    return [*data_quality.build(daily, check_keys), *daily_operations.build(daily), *model_performance.build()]

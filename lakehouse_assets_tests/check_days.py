"""A run's check results by day: a check of a daily table reports once per day of the run."""

from collections import defaultdict

import dagster as dg


def by_day(result: dg.ExecuteInProcessResult, asset: dg.AssetKey | None = None) -> dict[str, dict[str, dg.AssetCheckEvaluation]]:
    """check name -> day (partition key; None for an unpartitioned check) -> its result in `result`'s run; of
    `asset`'s checks when given. Each day is judged once per run."""
    days: dict[str, dict[str, dg.AssetCheckEvaluation]] = defaultdict(dict)
    for evaluation in result.get_asset_check_evaluations():
        if asset is None or evaluation.asset_key == asset:
            assert evaluation.partition not in days[evaluation.check_name], "a day judged twice in one run"
            days[evaluation.check_name][evaluation.partition] = evaluation
    return dict(days)

"""The data-quality report's check results judge the data an asset holds now: an evaluation made before the
day's partition was written again describes data that is gone, and shows as 'not run'; one that judged other
days does not describe this one."""

from datetime import date

import dagster as dg

from lakehouse_assets.assets.reports.evidence import check_results
from lakehouse_assets.partitions import day_window, window_text

DAY = date(2013, 1, 30)
DAILY = dg.DailyPartitionsDefinition(start_date="2013-01-01")
CHECK = dg.AssetCheckKey(dg.AssetKey(["silver", "rows"]), "rows_present")


@dg.multi_asset(
    specs=[dg.AssetSpec(CHECK.asset_key)],
    check_specs=[dg.AssetCheckSpec(CHECK.name, asset=CHECK.asset_key)],
    partitions_def=DAILY,
    can_subset=True,
)
def rows(context: dg.AssetExecutionContext):
    """A day's rows (nothing stored: only the instance's records matter here), checked in its step as the
    project's checks are, naming the days judged."""
    yield dg.MaterializeResult(asset_key=CHECK.asset_key)
    if CHECK in context.selected_asset_check_keys:
        days = window_text(day_window(context))
        yield dg.AssetCheckResult(passed=False, severity=dg.AssetCheckSeverity.WARN, metadata={"days": days, "rows": 0})


def results(instance: dg.DagsterInstance, day: date = DAY) -> dict:
    [row] = check_results(instance, [CHECK], day)
    return row


def test_a_check_shows_its_latest_evaluation_until_the_partition_is_written_again() -> None:
    with dg.instance_for_test() as instance:
        assert results(instance)["result"] == "not run"
        dg.materialize([rows], instance=instance, partition_key=DAY.isoformat())
        judged = results(instance)
        assert (judged["result"], judged["details"]) == ("warning", "rows=0")
        assert results(instance, date(2013, 1, 31))["result"] == "not run"  # that run did not cover the 31st

        # The day written again without its check: the warning judged the replaced data.
        dg.materialize(
            [rows], instance=instance, partition_key=DAY.isoformat(),
            selection=dg.AssetSelection.assets(rows).without_checks(),
        )  # fmt: skip
        assert results(instance)["result"] == "not run"

        dg.materialize([rows], instance=instance, partition_key=DAY.isoformat())
        assert results(instance)["result"] == "warning"

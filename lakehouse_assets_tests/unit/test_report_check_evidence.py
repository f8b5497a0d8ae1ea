"""The data-quality report's check results judge the data an asset holds now: an evaluation made before the
day's partition was written again describes data that is gone, and shows as 'not run'."""

from datetime import date

import dagster as dg

from lakehouse_assets.assets.reports.evidence import check_results

DAY = date(2013, 1, 30)
DAILY = dg.DailyPartitionsDefinition(start_date="2013-01-01")


@dg.asset(key=["silver", "rows"], partitions_def=DAILY)
def rows() -> None:
    """A day's rows (nothing stored: only the instance's records matter here)."""


@dg.asset_check(asset=rows)
def rows_present() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=False, severity=dg.AssetCheckSeverity.WARN, metadata={"rows": 0})


CHECK = dg.AssetCheckKey(dg.AssetKey(["silver", "rows"]), "rows_present")


def results(instance: dg.DagsterInstance, day: date = DAY) -> dict:
    [row] = check_results(instance, [CHECK], day)
    return row


def test_a_check_shows_its_latest_evaluation_until_the_partition_is_written_again() -> None:
    with dg.instance_for_test() as instance:
        assert results(instance)["result"] == "not run"
        dg.materialize([rows, rows_present], instance=instance, partition_key=DAY.isoformat())
        judged = results(instance)
        assert (judged["result"], judged["details"]) == ("warning", "rows=0")
        assert results(instance, date(2013, 1, 31))["result"] == "not run"  # that run did not cover the 31st

        # The day written again without its check: the warning judged the replaced data.
        dg.materialize(
            [rows, rows_present], instance=instance, partition_key=DAY.isoformat(),
            selection=dg.AssetSelection.assets(rows).without_checks(),
        )  # fmt: skip
        assert results(instance)["result"] == "not run"

        dg.materialize([rows, rows_present], instance=instance, partition_key=DAY.isoformat())
        assert results(instance)["result"] == "warning"

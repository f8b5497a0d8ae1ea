"""A range run's checks report per day: with one bad day in a single-run backfill of ten, the UI (its GraphQL
API, on the run's instance) and the data-quality report's check table show the failing check on that day only."""

from datetime import timedelta
from pathlib import Path

import dagster as dg
from dagster_graphql.test.utils import define_out_of_process_context, execute_dagster_graphql

from lakehouse_assets.assets.reports.evidence import check_results
from lakehouse_assets.checks.names import ROWS_CONSERVED
from lakehouse_assets.days import days_in
from lakehouse_assets.definitions import build_definitions
from lakehouse_assets.runs import materialize_range
from lakehouse_assets.seed import seed_landing_zone
from lakehouse_assets_tests.check_days import by_day

from .conftest import FIRST_DAY
from .test_bronze_flights_bad_input import lose_rows_after_commit

FLIGHTS = dg.AssetKey(["bronze", "flights"])
LAST = FIRST_DAY + timedelta(days=9)
BAD_DAY = FIRST_DAY + timedelta(days=6)

CHECK_STATUSES = """
query CheckStatuses($assetKey: AssetKeyInput!) {
  assetNodeOrError(assetKey: $assetKey) {
    ... on AssetNode {
      assetChecksOrError {
        ... on AssetChecks {
          checks {
            name
            partitionStatuses {
              ... on AssetCheckTimePartitionStatuses { ranges { startKey endKey status } }
            }
          }
        }
      }
    }
  }
}
"""


def test_a_bad_day_in_a_ten_day_backfill_fails_its_check_on_that_day_only(
    spark, settings, instance, monkeypatch, tmp_path: Path
) -> None:
    seed_landing_zone(settings.environment.sources.landing, FIRST_DAY, LAST)
    lose_rows_after_commit(monkeypatch, spark, settings, f"flight_date = DATE'{BAD_DAY}' AND _source_line = 2")
    result = materialize_range(
        build_definitions(settings), FIRST_DAY, LAST, dg.AssetSelection.assets(FLIGHTS), instance=instance,
        raise_on_error=False,
    )  # fmt: skip
    assert not result.success  # the check is blocking: the step fails after reporting every day
    days = [day.isoformat() for day in days_in((FIRST_DAY, LAST + timedelta(days=1)))]
    conserved = by_day(result, FLIGHTS)[ROWS_CONSERVED]
    assert sorted(conserved) == days
    assert [day for day in days if not conserved[day].passed] == [BAD_DAY.isoformat()]
    assert conserved[BAD_DAY.isoformat()].metadata["balance"].value.startswith(f"{BAD_DAY}: ")

    # What the asset's page in the UI shows for the check's partitions.
    monkeypatch.setenv("LAKEHOUSE_ENV", "test")
    location = tmp_path / "location.py"
    location.write_text("from lakehouse_assets.definitions import defs\n")
    with define_out_of_process_context(str(location), "defs", instance) as context:
        response = execute_dagster_graphql(context, CHECK_STATUSES, {"assetKey": {"path": FLIGHTS.path}})
    assert response.errors is None, response.errors
    checks = response.data["assetNodeOrError"]["assetChecksOrError"]["checks"]
    [ranges] = [check["partitionStatuses"]["ranges"] for check in checks if check["name"] == ROWS_CONSERVED]
    before, after = BAD_DAY - timedelta(days=1), BAD_DAY + timedelta(days=1)
    assert [(r["startKey"], r["endKey"], r["status"]) for r in ranges] == [
        (FIRST_DAY.isoformat(), before.isoformat(), "SUCCEEDED"),
        (BAD_DAY.isoformat(), BAD_DAY.isoformat(), "FAILED"),
        (after.isoformat(), LAST.isoformat(), "SUCCEEDED"),
    ]

    # The data-quality report's check table of each day.
    key = dg.AssetCheckKey(FLIGHTS, ROWS_CONSERVED)
    [bad] = check_results(instance, [key], BAD_DAY)
    [good] = check_results(instance, [key], after)
    assert (bad["result"], good["result"]) == ("failed", "passed")
    assert "rows_read=" in good["details"] and f"{BAD_DAY}:" in bad["details"]

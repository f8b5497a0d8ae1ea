"""The real thing: `dagster dev` (webserver + daemon) on 127.0.0.1, driven through GraphQL and a browser.

A partition-range backfill launched through the API runs as one run; the landing sensor, turned on through the
API, ingests a day whose files are dropped into the landing zone; the asset graph page renders in headless
Chromium. Everything started here is stopped, and the test checks nothing is left listening.
"""

import shutil
import socket
import time
from datetime import date
from pathlib import Path

import pytest
from pyspark.sql import functions as F

from lakehouse_assets.seed import seed_landing_zone
from lakehouse_assets.sensors.landing import SENSOR_NAME
from lakehouse_assets.tables import TableLocator, read_table

from ..browser import artifacts_dir, chromium_page
from .dagster_dev import LOCATION, REPOSITORY, DagsterDev

pytestmark = [pytest.mark.slow, pytest.mark.live]

BACKFILLED = ["2013-01-30", "2013-01-31"]
DROPPED = date(2013, 2, 1)
REFERENCE = [
    ["bronze", name] for table in ("airlines", "airports", "planes") for name in (table, f"{table}_quarantine")
] + [["silver", "airlines"], ["silver", "airports"], ["silver", "planes"]]
DAILY = [
    ["bronze", "flights"], ["bronze", "flights_quarantine"], ["bronze", "flights_file_ledger"],
    ["bronze", "weather"], ["bronze", "weather_quarantine"], ["silver", "flights"], ["silver", "weather"],
]  # fmt: skip
# Dagster's automation would also materialise gold and features as silver lands; this test is about the
# backfill and the sensor, so the instance keeps automation off and runs one run at a time (2 cores).
INSTANCE_SETTINGS = {"auto_materialize": {"enabled": False}, "concurrency": {"runs": {"max_concurrent_runs": 1}}}
INSTANCE = "{ instance { runQueueConfig { maxConcurrentRuns } } }"

LAUNCH_BACKFILL = """
mutation Launch($params: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $params) {
    __typename
    ... on LaunchBackfillSuccess { backfillId }
    ... on Error { message }
  }
}"""
BACKFILL = """
query Backfill($id: String!) {
  partitionBackfillOrError(backfillId: $id) {
    __typename
    ... on PartitionBackfill { status runs(limit: 50) { runId status tags { key value } } }
    ... on Error { message }
  }
}"""
START_SENSOR = """
mutation Start($selector: SensorSelector!) {
  startSensor(sensorSelector: $selector) {
    __typename
    ... on Sensor { sensorState { status } }
    ... on Error { message }
  }
}"""
SENSOR_TICKS = """
query Ticks($selector: SensorSelector!) {
  sensorOrError(sensorSelector: $selector) {
    __typename
    ... on Sensor { sensorState { ticks(limit: 20) { status timestamp runIds skipReason error { message } } } }
    ... on Error { message }
  }
}"""
ALL_RUNS = "{ runsOrError { ... on Runs { results { runId status tags { key value } } } } }"
SENSOR_RUNS = """
query Runs($sensor: String!) {
  runsOrError(filter: {tags: [{key: "dagster/sensor_name", value: $sensor}]}) {
    ... on Runs { results { runId status tags { key value } } }
  }
}"""


def wait_for(what: str, probe, timeout: float, every: float = 3.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(every)
    raise TimeoutError(f"timed out after {timeout}s waiting for {what}")


def tags(run: dict) -> dict[str, str]:
    return {tag["key"]: tag["value"] for tag in run["tags"]}


@pytest.fixture
def live(tmp_path: Path):
    home = tmp_path / "lakehouse"
    seed_landing_zone(home / "landing", date.fromisoformat(BACKFILLED[0]), date.fromisoformat(BACKFILLED[-1]))
    env = {"LAKEHOUSE_ENV": "test", "LAKEHOUSE_HOME": str(home)}
    log = artifacts_dir() / "dagster-dev.log"
    with DagsterDev(tmp_path / "dagster", env, log_path=log, instance_settings=INSTANCE_SETTINGS) as server:
        yield server, home
    with socket.socket() as probe:  # nothing is left serving on the port
        assert probe.connect_ex(("127.0.0.1", server.port)) != 0


def finished_ticks(server: DagsterDev, selector: dict) -> list[dict]:
    """The sensor's completed ticks, newest first (a tick is STARTED while it evaluates)."""
    sensor = server.graphql(SENSOR_TICKS, {"selector": selector})["sensorOrError"]
    assert sensor["__typename"] == "Sensor", sensor
    return [tick for tick in sensor["sensorState"]["ticks"] if tick["status"] != "STARTED"]


def test_backfill_sensor_and_asset_graph_on_a_live_dagster(live, spark) -> None:
    server, home = live
    # The instance runs with the settings this test asked for (not dagster dev's defaults).
    assert server.graphql(INSTANCE)["instance"]["runQueueConfig"]["maxConcurrentRuns"] == 1

    # 1. A two-day backfill of the ingestion graph through the API: partitioned assets run the whole range in
    #    a run (the daemon starts a run per dependency wave), never a run per day.
    params = {"assetSelection": [{"path": key} for key in REFERENCE + DAILY], "partitionNames": BACKFILLED}
    launched = server.graphql(LAUNCH_BACKFILL, {"params": params})["launchPartitionBackfill"]
    assert launched["__typename"] == "LaunchBackfillSuccess", launched
    backfill_id = launched["backfillId"]

    def finished_backfill():
        backfill = server.graphql(BACKFILL, {"id": backfill_id})["partitionBackfillOrError"]
        return backfill if backfill["status"] in {"COMPLETED", "COMPLETED_SUCCESS", "COMPLETED_FAILED", "FAILED"} else None

    backfill = wait_for("the backfill", finished_backfill, timeout=900)
    assert backfill["status"] in {"COMPLETED", "COMPLETED_SUCCESS"}, backfill
    assert all(run["status"] == "SUCCESS" for run in backfill["runs"]), backfill["runs"]
    ranged = [tags(run) for run in backfill["runs"] if "dagster/asset_partition_range_start" in tags(run)]
    assert ranged, backfill["runs"]
    assert {(run["dagster/asset_partition_range_start"], run["dagster/asset_partition_range_end"]) for run in ranged} == {
        (BACKFILLED[0], BACKFILLED[-1])
    }
    assert not [run for run in backfill["runs"] if "dagster/partition" in tags(run)]  # no run of a single day

    # 2. The sensor, turned on, leaves the backfilled days alone and runs a day whose files land.
    selector = {"repositoryLocationName": LOCATION, "repositoryName": REPOSITORY, "sensorName": SENSOR_NAME}
    started = server.graphql(START_SENSOR, {"selector": selector})["startSensor"]
    assert started["__typename"] == "Sensor" and started["sensorState"]["status"] == "RUNNING", started
    # Its first tick sees the backfilled days' files, all in bronze already: it skips, and says why.
    [first_tick] = wait_for("the sensor's first tick", lambda: finished_ticks(server, selector), timeout=120, every=1)
    assert first_tick["status"] == "SKIPPED" and first_tick["runIds"] == [], first_tick
    assert "all already in bronze" in first_tick["skipReason"], first_tick
    assert server.graphql(SENSOR_RUNS, {"sensor": SENSOR_NAME})["runsOrError"]["results"] == []
    dropped = home / "incoming"
    seed_landing_zone(dropped, DROPPED, DROPPED)
    for feed in ("flights", "weather"):
        shutil.copytree(dropped / feed / DROPPED.isoformat(), home / "landing" / feed / DROPPED.isoformat())

    def sensor_run_done():
        runs = server.graphql(SENSOR_RUNS, {"sensor": SENSOR_NAME})["runsOrError"]["results"]
        return runs if runs and all(run["status"] in {"SUCCESS", "FAILURE", "CANCELED"} for run in runs) else None

    runs = wait_for("the sensor's run", sensor_run_done, timeout=600)
    assert [(tags(run)["dagster/partition"], run["status"]) for run in runs] == [(DROPPED.isoformat(), "SUCCESS")]
    requesting = [tick for tick in finished_ticks(server, selector) if tick["runIds"]]
    assert [tick["runIds"] for tick in requesting] == [[runs[0]["runId"]]], requesting
    # Automation stayed off: every run the instance holds is the backfill's or the sensor's.
    every_run = server.graphql(ALL_RUNS)["runsOrError"]["results"]
    assert {run["runId"] for run in every_run} == {run["runId"] for run in backfill["runs"] + runs}, every_run
    silver = read_table(spark, TableLocator(str(home / "warehouse")).locate("silver", "flights"))
    days = {row.flight_date.isoformat() for row in silver.select("flight_date").distinct().collect()}
    assert days == {*BACKFILLED, DROPPED.isoformat()}
    assert silver.where(F.col("flight_date") == F.lit(DROPPED)).count() > 0

    # 3. The asset graph renders in a browser: the lineage of the feature table, bronze to features.
    with chromium_page() as page:
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{server.url}/assets/features/flight_features?view=lineage&lineageScope=upstream&lineageDepth=4")
        page.wait_for_load_state("networkidle")
        skip = page.get_by_role("button", name="Skip")  # the UI's first-visit community dialog
        if skip.count():
            skip.first.click()
        for group in ("bronze", "silver", "features"):
            page.get_by_text(group, exact=True).first.wait_for(timeout=60_000)
        page.get_by_text("flight_features", exact=True).last.wait_for(timeout=60_000)
        screenshot = artifacts_dir() / "dagster-asset-graph.png"
        page.screenshot(path=str(screenshot))
    assert screenshot.stat().st_size > 20_000
    assert errors == []

import json
import shutil
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from lakehouse_assets.definitions import build_definitions
from lakehouse_assets.settings import ConfigError, config_dir, load_settings

NEW_YORK = ZoneInfo("America/New_York")


@pytest.fixture(scope="module")
def defs() -> dg.Definitions:
    return build_definitions(load_settings("test"))


def test_jobs_and_schedules_come_from_job_config(defs) -> None:
    configured = json.loads((config_dir() / "job_config.json").read_text())["jobs"]
    assert sorted(job.name for job in defs.jobs) == sorted(job["name"] for job in configured)
    assert sorted(schedule.name for schedule in defs.schedules) == sorted(
        f"{job['name']}_schedule" for job in configured if job["schedule"]
    )
    daily = defs.resolve_job_def("daily_pipeline")
    assert daily.tags["lakehouse/job"] == "daily_pipeline" and daily.tags["pipeline"] == "daily"
    keys = {key.to_user_string() for key in daily.asset_layer.executable_asset_keys}
    assert {"bronze/flights", "silver/flights", "gold/flights_enriched", "features/flight_features"} <= keys
    assert not {"bronze/airlines", "silver/planes"} & keys  # reference data has its own job


def test_a_daily_tick_runs_the_previous_day_in_the_schedules_time_zone(defs) -> None:
    schedule = defs.get_schedule_def("daily_pipeline_schedule")
    assert schedule.execution_timezone == "America/New_York"
    tick = datetime(2013, 5, 7, 6, 0, tzinfo=NEW_YORK)
    context = dg.build_schedule_context(scheduled_execution_time=tick, repository_def=defs.get_repository_def())
    [request] = schedule.evaluate_tick(context).run_requests
    assert (request.partition_key, request.run_key) == ("2013-05-06", "daily_pipeline:2013-05-06")


def test_a_tick_outside_the_partitions_is_skipped_with_a_reason(defs) -> None:
    schedule = defs.get_schedule_def("daily_pipeline_schedule")
    context = dg.build_schedule_context(scheduled_execution_time=datetime(2026, 11, 27, 6, 0, tzinfo=NEW_YORK))
    result = schedule.evaluate_tick(context)
    assert not result.run_requests
    assert "no partition for 2026-11-26" in result.skip_message


def test_unpartitioned_job_schedule_runs_on_its_cron(defs) -> None:
    schedule = defs.get_schedule_def("reference_refresh_schedule")
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("0 4 * * 1", "America/New_York")


@pytest.fixture
def config_copy(tmp_path: Path) -> Path:
    target = tmp_path / "config"
    shutil.copytree(config_dir(), target)
    return target


def edit_first_job(config: Path, **changes) -> None:
    path = config / "job_config.json"
    document = json.loads(path.read_text())
    document["jobs"][0].update(changes)
    path.write_text(json.dumps(document))


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"selection": 'key:"silver/flightz"'}, "jobs[0] (daily_pipeline).selection: unknown asset silver/flightz"),
        ({"selection": "group:platinum"}, "selects no asset"),
        ({"partitioned": False}, "jobs[0] (daily_pipeline).partitioned: is false but the selection has daily-partitioned"),
    ],
)
def test_a_job_config_that_does_not_fit_the_graph_fails_at_load(config_copy, lakehouse_home, changes, expected) -> None:
    edit_first_job(config_copy, **changes)
    with pytest.raises(ConfigError) as error:
        build_definitions(load_settings("test", config_copy))
    assert str(config_copy / "job_config.json") in str(error.value)
    assert expected in str(error.value)


@pytest.mark.parametrize(
    ("schedule", "expected"),
    [
        ({"cron": "0 25 * * *", "timezone": "UTC"}, "jobs.0.schedule.cron: '0 25 * * *' is not a valid cron expression"),
        ({"cron": "0 6 * * *", "timezone": "Mars/Base"}, "jobs.0.schedule.timezone: unknown time zone 'Mars/Base'"),
        ({"cron": "0 6 * * *"}, "jobs.0.schedule.timezone: missing key"),
    ],
)
def test_a_bad_schedule_fails_at_load_naming_the_key(config_copy, lakehouse_home, schedule, expected) -> None:
    edit_first_job(config_copy, schedule=schedule)
    with pytest.raises(ConfigError, match="job_config.json") as error:
        load_settings("test", config_copy)
    assert expected in str(error.value)

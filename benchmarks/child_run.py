"""One Dagster run in a fresh process, as Dagster's default run launcher starts each run: its own Python
interpreter, its own SparkSession (JVM) and its own Dagster instance connection.

`python -m benchmarks.child_run HOME ENV START END SELECTION` (SELECTION: a name in harness.SELECTIONS).

`--quick` checks the harness rather than measuring, so it uses `run_in_this_process` instead: the same run and
the same figures, without a second JVM per run.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from .harness import PeakMemory, Scratch, run_range, timed

RunProcess = Callable[[Path, str, date, date, str], tuple[float, float]]


def run_in_child(home: Path, env: str, start: date, end: date, selection: str) -> tuple[float, float]:
    """Wall-clock seconds of the whole process (start-up included) and its peak resident memory in MB."""
    command = [
        sys.executable,
        "-m",
        "benchmarks.child_run",
        str(home),
        env,
        start.isoformat(),
        end.isoformat(),
        selection,
    ]
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=Path(__file__).resolve().parents[1], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    with PeakMemory(process.pid) as memory:
        _, errors = process.communicate()
    seconds = round(time.perf_counter() - started, 3)
    if process.returncode != 0:
        raise RuntimeError(f"child run {start}..{end} ({selection}) failed:\n{errors[-4000:]}")
    return seconds, memory.peak_mb


def run_in_this_process(home: Path, env: str, start: date, end: date, selection: str) -> tuple[float, float]:
    """`run_in_child`'s figures for a run made here: its seconds (no process start-up) and the peak resident
    memory of this process and its children (the shared JVM and Python workers included)."""
    scratch = Scratch(Path(home), env)
    defs, instance = scratch.definitions(), scratch.instance()
    with PeakMemory(os.getpid()) as memory:
        seconds = timed(lambda: run_range(defs, instance, start, end, selection))
    return seconds, memory.peak_mb


def main() -> None:
    home, env, start, end, selection = sys.argv[1:6]
    scratch = Scratch(Path(home), env)
    defs = scratch.definitions()
    run_range(defs, scratch.instance(), date.fromisoformat(start), date.fromisoformat(end), selection)


if __name__ == "__main__":
    main()

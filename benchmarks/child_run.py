"""One Dagster run in a fresh process, as Dagster's default run launcher starts each run: its own Python
interpreter, its own SparkSession (JVM) and its own Dagster instance connection.

`python -m benchmarks.child_run HOME ENV START END SELECTION` (SELECTION: a name in harness.SELECTIONS).

`--quick` checks the harness rather than measuring: it takes these figures from the same runs made in the
harness's own process, without a second JVM per run.
"""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from .harness import PeakMemory, Scratch, run_range


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


def main() -> None:
    home, env, start, end, selection = sys.argv[1:6]
    scratch = Scratch(Path(home), env)
    defs = scratch.definitions()
    run_range(defs, scratch.instance(), date.fromisoformat(start), date.fromisoformat(end), selection)


if __name__ == "__main__":
    main()

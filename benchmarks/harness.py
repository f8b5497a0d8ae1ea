"""What every measurement shares: scratch homes, the selections timed, repeated timings, memory, the machine."""

from __future__ import annotations

import os
import platform
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import dagster as dg

from lakehouse_assets.dagster_internals import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG
from lakehouse_assets.definitions import build_definitions
from lakehouse_assets.instance import prepare_dagster_home
from lakehouse_assets.runs import materialize_range
from lakehouse_assets.settings import Settings, load_settings

FEATURES = dg.AssetKey(["features", "flight_features"])
SCORES = dg.AssetKey(["scores", "flight_delay_scores"])
MODEL = dg.AssetKey(["ml", "delay_model"])
SELECTIONS = {
    # Everything partitioned by day up to the features, with the reference tables they read.
    "daily": dg.AssetSelection.groups("bronze", "silver", "gold", "features"),
    "features": dg.AssetSelection.assets(FEATURES).upstream(),
    "scores": dg.AssetSelection.assets(SCORES).upstream() - dg.AssetSelection.assets(MODEL),
}


@dataclass
class Scratch:
    """One benchmark's own LAKEHOUSE_HOME: its landing zone, warehouse, MLflow store and Dagster instance."""

    home: Path
    env: str

    def activate(self) -> Settings:
        os.environ["LAKEHOUSE_HOME"] = str(self.home)
        return load_settings(self.env)

    def definitions(self) -> dg.Definitions:
        return build_definitions(self.activate())

    def instance(self) -> dg.DagsterInstance:
        # The instance `lakehouse` and `make dev` make in a new home, so runs here store events as theirs do.
        return dg.DagsterInstance.from_config(str(prepare_dagster_home(self.home / "dagster")))


def scratch(root: Path, name: str, env: str) -> Scratch:
    home = root / name
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    return Scratch(home, env)


def run_range(
    defs: dg.Definitions, instance: dg.DagsterInstance, start: date, end: date, selection: str, checks: bool = True
) -> None:
    """One Dagster run of `selection` for [start, end]: `materialize_range` itself, or the same run without the
    asset checks (to compare with a script that runs none)."""
    if checks:
        result = materialize_range(defs, start, end, selection=SELECTIONS[selection], instance=instance)
    else:
        graph = defs.resolve_asset_graph()
        keys = SELECTIONS[selection].required_multi_asset_neighbors().resolve(graph)
        # Every table's checks run in its step and can be left out of it, except bronze's row conservation: a
        # bronze step writes several tables together and always proves them.
        kept = {check for node in graph.assets_defs if node.keys & keys and not node.can_subset for check in node.check_keys}
        job = defs.resolve_implicit_global_asset_job_def().get_subset(
            asset_selection=set(keys), asset_check_selection=kept
        )
        tags = {ASSET_PARTITION_RANGE_START_TAG: start.isoformat(), ASSET_PARTITION_RANGE_END_TAG: end.isoformat()}
        result = job.execute_in_process(instance=instance, tags=tags)
    if not result.success:
        raise RuntimeError(f"the {selection} run for {start}..{end} failed")


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return round(time.perf_counter() - started, 3)


def summary(seconds: list[float]) -> dict[str, object]:
    return {"median_seconds": round(statistics.median(seconds), 3), "seconds": seconds}


def ratio(numerator: float, denominator: float) -> float:
    return round(numerator / denominator, 3)


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            tree.setdefault(parent, []).append(int(entry.name))
    return tree


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants (the JVM and Python workers of a Spark driver)."""
    tree, total, pending = _children(), 0, [pid]
    while pending:
        current = pending.pop()
        pending += tree.get(current, [])
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return round(total / 1024, 1)


class PeakMemory:
    """Samples a process tree's resident memory every `interval` seconds while the block runs."""

    def __init__(self, pid: int, interval: float = 0.25) -> None:
        self.pid, self.interval, self.peak_mb = pid, interval, 0.0
        self._stop = threading.Event()

    def __enter__(self) -> PeakMemory:
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak_mb = max(self.peak_mb, tree_rss_mb(self.pid))
            self._stop.wait(self.interval)

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def machine() -> dict[str, object]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory_kb = next(
        int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
    )
    java = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.splitlines()
    from importlib.metadata import version

    return {
        "cpu_count": os.cpu_count(),
        "cpu_model": cpu,
        "memory_gib": round(memory_kb / 1024**2, 1),
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "java": java[0] if java else None,
        "packages": {name: version(name) for name in ("pyspark", "delta-spark", "dagster", "mlflow", "scikit-learn")},
        "load_average_at_start": list(os.getloadavg()),
    }

"""Scaling with data volume (bronze -> scores at 1x and Nx), peak memory at 1x, and one landing-sensor tick
over many files."""

from __future__ import annotations

import os
from contextlib import nullcontext
from datetime import date
from pathlib import Path

import dagster as dg

from lakehouse_assets.ml.tracking import MlflowTarget
from lakehouse_assets.sensors.landing import SENSOR_NAME

from .child_run import run_in_child
from .harness import PeakMemory, Scratch, ratio, run_range, scratch, summary, timed
from .scale_data import seed_many_files, seed_scaled
from .scoring import register_synthetic_model, synthetic_rows


def _scaled_home(root: Path, env: str, start: date, end: date, factor: int, model_rows) -> tuple[Scratch, int]:
    home = scratch(root, f"scale-{factor}x", env)
    settings = home.activate()
    rows = seed_scaled(settings.environment.sources.landing, start, end, factor)
    # Scoring needs a champion; the same synthetic model in both homes keeps the comparison about volume.
    register_synthetic_model(MlflowTarget.from_settings(settings.environment.mlflow), model_rows, max_iter=50)
    return home, rows


def _runner(home: Scratch, start: date, end: date):
    defs, instance = home.definitions(), home.instance()
    return lambda: run_range(defs, instance, start, end, "scores")


def scaling(root: Path, env: str, start: date, end: date, factor: int, repeats: int, in_child: bool = True) -> dict:
    """bronze -> scores for [start, end] as one Dagster run: time at `factor` x the data ÷ at 1x; and the peak
    resident memory of a run at 1x in its own process (Python, the JVM and Spark's Python workers together).
    `--quick` (`in_child=False`) takes that figure from the 1x runs made here, this process's tree sampled."""
    model_rows = synthetic_rows(20_000)
    measured, here = {}, PeakMemory(os.getpid())
    for scale in (1, factor):
        home, rows = _scaled_home(root, env, start, end, scale, model_rows)
        run = _runner(home, start, end)
        with here if scale == 1 and not in_child else nullcontext():
            seconds = summary([timed(run) for _ in range(repeats)])
        measured[scale] = (home, {**seconds, "flight_rows": rows})
    if in_child:
        child_seconds, peak_mb = run_in_child(measured[1][0].home, env, start, end, "scores")
    else:
        child_seconds, peak_mb = measured[1][1]["median_seconds"], here.peak_mb
    one, many = measured[1][1], measured[factor][1]
    return {
        "days": (end - start).days + 1,
        "factor": factor,
        "1x": one,
        f"{factor}x": many,
        "ratio": ratio(many["median_seconds"], one["median_seconds"]),
        "peak_rss_1x_run_process": {
            "peak_rss_mb": peak_mb,
            "process_seconds": child_seconds,
            "runs_in": "its own process" if in_child else "the harness process (--quick)",
        },
    }


def sensor_tick(root: Path, env: str, files: int, repeats: int) -> dict:
    """One evaluation of the landing sensor over `files` landing files of 2013 with no cursor (every day is
    new), against a Dagster instance with no materialisations yet."""
    home = scratch(root, "sensor", env)
    settings = home.activate()
    written = seed_many_files(settings.environment.sources.landing, 2013, files)
    defs, instance = home.definitions(), home.instance()
    sensor = defs.get_sensor_def(SENSOR_NAME)
    requests = []

    def tick() -> None:
        context = dg.build_sensor_context(
            instance=instance, definitions=defs, resources={"landing": defs.resources["landing"]}
        )
        requests.append(len(sensor.evaluate_tick(context).run_requests or []))

    seconds = summary([timed(tick) for _ in range(repeats)])
    return {"files": written, "run_requests_per_tick": requests[-1], **seconds}

"""Rendering many days' documents on every core: a year's backfill of a daily report is 365 documents of a few
charts each, nearly all of it matplotlib drawing in one Python thread while the other cores wait."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

Evidence = TypeVar("Evidence")
Rendered = TypeVar("Rendered")

# A worker process starts by importing pandas and matplotlib (a few seconds), so a window of a few days renders
# faster in the step's own process; a month and more pays for the workers' start many times over.
MIN_DAYS_FOR_WORKERS = 28
MAX_WORKERS = 4


@dataclass(frozen=True)
class RenderedDay:
    html: str
    numbers: dict
    preview: str  # a small PNG of the day's main chart as a data URI for the UI's metadata, or "" when there is none


def render_days(
    render: Callable[[Evidence], Rendered], evidence: Sequence[Evidence], min_days_for_workers: int = MIN_DAYS_FOR_WORKERS
) -> Iterator[Rendered]:
    """`render(item)` for every item, in order. With enough items and more than one core, in worker processes
    (started fresh, not forked from a process that drives a JVM); `render` must then be a module-level function.
    A failure in a worker is raised here; days not yet handed to a worker are not started."""
    workers = min(usable_cores(), MAX_WORKERS, len(evidence))
    if workers < 2 or len(evidence) < min_days_for_workers:
        yield from map(render, evidence)
        return
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
    try:
        yield from pool.map(render, evidence, chunksize=4)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def usable_cores() -> int:
    """The cores this process may run on (a container's or taskset's limit, not the machine's count)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1

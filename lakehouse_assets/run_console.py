"""What a long CLI command shows while its Dagster run works: progress, not logs.

Dagster's event stream, Spark's console output and library warnings go to a log file: the process's stdout and
stderr are pointed at it at the file-descriptor level, so the JVM that Spark starts during the run writes there
too. The terminal gets a progress view (steps done of total, the current step and the days it covers, elapsed
time and an estimate of what is left), drawn from the run's step events in the Dagster instance, and at the end
a summary or the failing step with its error.
"""

from __future__ import annotations

import os
import sys
import threading
import traceback
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import datetime
from pathlib import Path
from typing import TextIO

import dagster as dg
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from .freshness import DATA_LAYERS

STEP_EVENTS = {
    dg.DagsterEventType.STEP_START,
    dg.DagsterEventType.STEP_SUCCESS,
    dg.DagsterEventType.STEP_FAILURE,
    dg.DagsterEventType.STEP_SKIPPED,
}
# What a step's time counts towards in the summary, by the layer its asset key starts with.
PHASES = {"ml__delay_model": "training", "ml__feature_drift": "scoring", "scores": "scoring", "reports": "reports"}


def log_path(home: Path, command: str) -> Path:
    folder = home / "logs"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{command}-{datetime.now():%Y%m%d-%H%M%S}.log"


@contextmanager
def output_to_log(path: Path) -> Iterator[TextIO]:
    """Send this process's stdout and stderr (and those of any process it starts meanwhile) to `path`; yield a
    stream that still reaches the terminal. The descriptors are given back however the block ends."""
    with ExitStack() as undo:
        log = undo.enter_context(path.open("ab"))
        terminal = undo.enter_context(os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8", errors="replace"))
        _flush_quietly()
        for fd in (1, 2):
            saved = os.dup(fd)
            undo.callback(os.close, saved)
            undo.callback(os.dup2, saved, fd)
            undo.callback(_flush_quietly)  # before the restore: what Python buffered belongs to the log
            os.dup2(log.fileno(), fd)
        yield terminal


def _flush_quietly() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a full disk or a closed stream must not keep the descriptors redirected
            pass


def phase_of(step_key: str) -> str:
    return next((phase for prefix, phase in PHASES.items() if step_key.startswith(prefix)), "data")


def phase_seconds(events: Iterable[dg.DagsterEvent | None]) -> dict[str, float]:
    """Time spent in each phase of a run (its events: a result's, or the instance's): its successful steps'
    durations, by the layer they write."""
    phases: dict[str, float] = {}
    for event in events:
        if event is not None and event.event_type == dg.DagsterEventType.STEP_SUCCESS and event.step_key:
            phase = phase_of(event.step_key)
            phases[phase] = phases.get(phase, 0.0) + event.event_specific_data.duration_ms / 1000
    return phases


def failed_steps(result: dg.ExecuteInProcessResult) -> list[tuple[str, str]]:
    """(step, reason) of each step that failed."""
    return [
        (_asset(event.step_key or "?"), reason(event.step_failure_data.error))
        for event in result.all_events
        if event.event_type == dg.DagsterEventType.STEP_FAILURE
    ]


class RunProgress:
    """Follows one run's step events in `instance` from a thread and draws them on `console`."""

    def __init__(self, instance: dg.DagsterInstance, run_id: str, total_steps: int, days: str, console: Console):
        self.instance, self.run_id, self.days, self.console = instance, run_id, days, console
        self._cursor: str | None = None
        self._running: dict[str, float] = {}
        self._done = threading.Event()
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(bar_width=24),
            MofNCompleteColumn(),
            TextColumn("steps"),
            TimeElapsedColumn(),
            TextColumn("left"),
            TimeRemainingColumn(),
            console=console,
            transient=True,
            # Dagster's logger and warnings write to sys.stderr, which must stay the log: rich would otherwise
            # route it to the terminal it draws on.
            redirect_stdout=False,
            redirect_stderr=False,
        )
        self._task = self._progress.add_task("starting", total=total_steps)
        self._thread = threading.Thread(target=self._follow, name="run-progress", daemon=True)

    def __enter__(self) -> RunProgress:
        self._progress.start()
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._done.set()
        self._thread.join()
        try:
            self._poll()  # the events written after the last poll
        except Exception:  # the run's outcome matters more than its last progress line
            traceback.print_exc(file=sys.__stderr__)
        finally:
            self._progress.stop()

    def _follow(self) -> None:
        while not self._done.wait(0.5):
            try:
                self._poll()
            except Exception as error:  # a busy SQLite file: the next poll reads on from the same cursor
                traceback.print_exc(file=sys.__stderr__)  # into the log
                self._progress.update(self._task, description=f"(progress unavailable: {type(error).__name__})")

    def _poll(self) -> None:
        page = self.instance.get_records_for_run(self.run_id, cursor=self._cursor, of_type=STEP_EVENTS)
        self._cursor = page.cursor if page.records else self._cursor
        for record in page.records:
            event = record.event_log_entry.dagster_event
            if event is None or event.step_key is None:
                continue
            step = event.step_key
            if event.event_type == dg.DagsterEventType.STEP_START:
                self._running[step] = record.event_log_entry.timestamp
            else:
                started = self._running.pop(step, record.event_log_entry.timestamp)
                seconds = record.event_log_entry.timestamp - started
                mark = {dg.DagsterEventType.STEP_SUCCESS: "done", dg.DagsterEventType.STEP_SKIPPED: "skipped"}
                outcome = mark.get(event.event_type, "FAILED")
                self._progress.advance(self._task)
                done = int(self._progress.tasks[0].completed)
                self.console.print(f"  [{done:>2}/{self._progress.tasks[0].total}] {outcome:7} {_asset(step):30} {seconds:6.1f} s")
        current = next(iter(self._running), None)
        if current:
            self._progress.update(self._task, description=f"{_asset(current)} ({self.days})")


def _asset(step_key: str) -> str:
    """The asset a step writes, as the UI names it (`silver__flights` is silver/flights)."""
    if step_key.startswith("asset_check_"):
        return "column schema checks"  # the one step of checks that read only the instance
    return step_key.replace("__", "/").replace("bronze_", "bronze/")


def reason(error: object | None) -> str:
    """Why a step failed, on one line: the first error in its chain that is not Dagster's own wrapper (the
    project's message, which names the table or day, rather than the library error it was raised from)."""
    while error is not None and getattr(error, "cls_name", "").startswith("Dagster") and getattr(error, "cause", None):
        error = error.cause
    message = (getattr(error, "message", None) or "no error recorded").strip()
    first = message.splitlines()[0] if message else message
    kind, _, text = first.partition(": ")
    cls_name = getattr(error, "cls_name", None) or ""
    if text and cls_name and kind.endswith(cls_name):  # "dagster._core...Failure: why" reads as "why"
        first = text if cls_name == "Failure" else f"{cls_name}: {text}"
    return first if len(first) <= 300 else first[:297] + "..."


def minutes(seconds: float) -> str:
    return f"{int(seconds // 60)} min {int(seconds % 60):02d} s" if seconds >= 60 else f"{seconds:.0f} s"




def table_lines(result: dg.ExecuteInProcessResult) -> list[str]:
    """Each data layer's tables on one line, with the rows this run wrote to them (over all its days)."""
    rows: dict[tuple[str, ...], int] = {}
    for event in result.get_asset_materialization_events():
        materialization = event.materialization
        count = materialization.metadata.get("dagster/row_count")
        key = tuple(materialization.asset_key.path)
        rows[key] = rows.get(key, 0) + (int(count.value) if count else 0)
    lines = []
    for layer in DATA_LAYERS:
        tables = sorted((key[1:], count) for key, count in rows.items() if key[0] == layer)
        if tables:
            shown = " · ".join(f"{'/'.join(name)} {count:,}" for name, count in tables)
            lines.append(f"  {layer:9}{shown}")
    return lines


def model_line(result: dg.ExecuteInProcessResult) -> str | None:
    """The model this run trained: holdout metric beside the baseline's, and what the promotion gate decided."""
    for event in result.get_asset_materialization_events():
        if event.materialization.asset_key == dg.AssetKey(["ml", "delay_model"]):
            meta = {key: value.value for key, value in event.materialization.metadata.items()}
            verdict = "promoted to champion" if meta.get("promoted_to_champion") else "not promoted"
            return (
                f"  model    v{meta.get('model_version')}: holdout ROC AUC {meta.get('holdout_roc_auc', float('nan')):.3f}"
                f" (baseline {meta.get('baseline_roc_auc', float('nan')):.3f}); gate: {verdict} ({meta.get('gate_decision')})"
            )
    return None


def report_lines(root: str) -> list[str]:
    """Where the reports are, with how many of each a local folder holds."""
    folder = Path(root)
    if not folder.is_dir():
        return [f"  reports  {root}"]
    counts = {sub.name: len(list(sub.glob("*.html"))) for sub in sorted(folder.iterdir()) if sub.is_dir()}
    listed = ", ".join(f"{name}/ ({count})" for name, count in counts.items() if count)
    return [f"  reports  {folder}/: {listed or 'none yet'}"]

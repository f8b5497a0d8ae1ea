"""A check that runs in the step writing its table, on the rows that step just committed.

The step yields its output (the IO manager commits it at once), then each selected check's result: no step,
process or Databricks run of its own. A blocking check that fails fails the step, so nothing downstream runs.

A check of a daily table is partitioned like it and reports per day, also when one run covers a range of days:
the check judges the range at once and names the days that failed (`by_day`); each day of the run then gets its
own result, the failing ones with their own figures, which the UI shows on the check's partitions.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import dagster as dg
from pyspark.sql import DataFrame

from ..dagster_internals import AssetCheckEvaluationTargetMaterializationData
from ..partitions import DayWindow, window_text
from ..resources.warehouse import Warehouse
from ..tables import cached

# Per asset, each day's latest materialisation: what a day's check result judges.
MaterializationTargets = dict[dg.AssetKey, dict[str, AssetCheckEvaluationTargetMaterializationData]]


@dataclass(frozen=True)
class Committed:
    """A table as its step just committed it: `rows()` are the step's days (the whole table if unpartitioned)."""

    key: dg.AssetKey
    warehouse: Warehouse
    window: DayWindow | None = None
    column: str | None = None

    # The rows, read once and kept cached while the step's checks run: each check then queries memory instead
    # of planning another Delta read. `release` gives the memory back (`evaluate` does, after the last check).
    _read: list[tuple[DataFrame, bool]] = field(default_factory=list, compare=False, repr=False)

    def rows(self) -> DataFrame:
        if not self._read:
            frame = self.warehouse.read(self.key, self.window, self.column)
            kept, cached_here = cached(frame)
            self._read.append((frame, False) if kept is None else (kept, cached_here))
        return self._read[0][0]

    def release(self) -> None:
        for frame, cached_here in self._read:
            if cached_here:
                frame.unpersist()
        self._read.clear()

    def table(self) -> DataFrame:
        return self.warehouse.read(self.key)

    def days(self) -> str:
        """The days judged, as check metadata shows them (and the data-quality report matches them)."""
        return window_text(self.window) if self.window else "all"


@dataclass(frozen=True)
class DayResults:
    """A check's result over a run's days, the days that failed, and each day's own figures."""

    result: dg.AssetCheckResult
    failing: frozenset[str]
    figures: Mapping[str, Mapping[str, object]]


FAILING_DAYS_SHOWN = 20


def by_day(
    result: dg.AssetCheckResult,
    failing: Mapping[str, Mapping[str, object]],
    every_day: Mapping[str, Mapping[str, object]] | None = None,
) -> DayResults:
    """`result` judged per day: it passes exactly when no day failed (its own `passed` is not used). `failing`
    maps each failing day (ISO date) to that day's figures; `every_day` gives figures of any day, failing or not."""
    days = sorted(failing)
    figures = {day: dict(values) for day, values in (every_day or {}).items()}
    for day, values in failing.items():
        figures[day] = {**figures.get(day, {}), **values}
    return DayResults(
        dg.AssetCheckResult(
            passed=not days,
            severity=result.severity,
            description=result.description,
            metadata={**result.metadata, "days_failing": len(days), "failing_days": days[:FAILING_DAYS_SHOWN]},
        ),
        frozenset(days),
        figures,
    )


@dataclass(frozen=True)
class TableCheck:
    """An asset check of one table; `evaluate` returns its result without a name (the check adds it), per day
    where it can tell which days failed."""

    name: str
    description: str
    evaluate: Callable[[Committed], dg.AssetCheckResult | DayResults]
    blocking: bool = False

    def spec(self, asset: dg.AssetKey, partitions_def: dg.PartitionsDefinition | None = None) -> dg.AssetCheckSpec:
        """`partitions_def`: the asset's, for a check that reports per partition (day)."""
        return check_spec(self.name, asset, self.description, blocking=self.blocking, partitions_def=partitions_def)


def check_spec(
    name: str, asset: dg.AssetKey, description: str, *, blocking: bool, partitions_def: dg.PartitionsDefinition | None
) -> dg.AssetCheckSpec:
    with warnings.catch_warnings():  # partitioned checks are a preview feature of Dagster 1.13
        warnings.simplefilter("ignore", dg.PreviewWarning)
        return dg.AssetCheckSpec(
            name, asset=asset, blocking=blocking, description=description, partitions_def=partitions_def
        )


def selected(context: dg.AssetExecutionContext, asset: dg.AssetKey, name: str) -> bool:
    """Whether this run evaluates the check (a run may select an asset without its checks)."""
    return dg.AssetCheckKey(asset, name) in context.selected_asset_check_keys


def evaluate(
    context: dg.AssetExecutionContext,
    checks: Sequence[TableCheck],
    committed: Committed,
    targets: MaterializationTargets | None = None,
) -> Iterator[dg.AssetCheckResult | dg.AssetCheckEvaluation | dg.Output]:
    """The results of the run's selected `checks`, each naming its asset, check and the days it judged (the
    step's, unless the check says otherwise); per day for a partitioned check. `targets`: as for `results`."""
    targets = {} if targets is None else targets
    try:
        for check in checks:
            if selected(context, committed.key, check.name):
                judged = _evaluated(context, check, committed)
                yield from results(context, committed.key, check.name, judged, committed.days(), targets)
    finally:
        committed.release()


def results(
    context: dg.AssetExecutionContext,
    asset: dg.AssetKey,
    name: str,
    judged: dg.AssetCheckResult | DayResults,
    days: str,
    targets: MaterializationTargets | None = None,
) -> Iterator[dg.AssetCheckResult | dg.AssetCheckEvaluation | dg.Output]:
    """The check's result named and dated: `days` are the days judged, as metadata shows them. A partitioned
    check gets one result per day of the run, with that day's figures; a check that cannot tell days apart
    gives every day the run's verdict. `targets` keeps each asset's materialisations per day for the step's
    other checks (the same for all of them: they run after the step's write)."""
    result = judged.result if isinstance(judged, DayResults) else judged
    key = dg.AssetCheckKey(asset, name)
    spec = next(spec for spec in context.assets_def.check_specs if spec.key == key)  # selected, so present
    if spec.partitions_def is None:
        yield dg.AssetCheckResult(
            asset_key=asset,
            check_name=name,
            passed=result.passed,
            severity=result.severity,
            description=result.description,
            metadata={"days": days, **result.metadata},
        )
        return
    days_of_run = list(context.partition_keys)
    _log_run_result(context, key, result, days)
    failing: frozenset[str] | None = judged.failing if isinstance(judged, DayResults) else None
    if failing is not None and not failing <= set(days_of_run):
        failing = None  # a failure it cannot place on a day of the run (a row without a day) fails every day
    # A check that cannot tell days apart (the table's columns, an evaluation error) gives each day its figures.
    figures = judged.figures if isinstance(judged, DayResults) else dict.fromkeys(days_of_run, result.metadata)
    targets = {} if targets is None else targets
    if asset not in targets:
        targets[asset] = _materializations(context, asset, days_of_run)
    # The check's output, as Dagster yields it for an AssetCheckResult: its evaluations come as events.
    yield dg.Output(None, output_name=context.assets_def.get_output_name_for_asset_check_key(key))
    for day in days_of_run:
        failed = (day in failing) if failing is not None else not result.passed
        yield dg.AssetCheckEvaluation(
            asset_key=asset,
            check_name=name,
            passed=not failed,
            severity=result.severity,
            description=result.description if failed else None,
            metadata={"days": day, "run_days": days, **figures.get(day, {})},
            blocking=spec.blocking,
            partition=day,
            target_materialization_data=targets[asset].get(day),
        )


def _log_run_result(context: dg.AssetExecutionContext, key: dg.AssetCheckKey, result: dg.AssetCheckResult, days: str) -> None:
    """The check's figures over the whole run, on the step's log (its results are per day)."""
    figures = ", ".join(
        f"{name}={value.value}" for name, value in result.metadata.items() if isinstance(value.value, int | float | str | list)
    )
    verdict = "passed" if result.passed else "failed" if result.severity == dg.AssetCheckSeverity.ERROR else "warned"
    context.log.info(f"{key.asset_key.to_user_string()} {key.name} {verdict} over {days}: {figures}"[:2000])


def _materializations(
    context: dg.AssetExecutionContext, asset: dg.AssetKey, days: list[str]
) -> dict[str, AssetCheckEvaluationTargetMaterializationData]:
    """Per day, the materialisation of `asset` that day's result judges: the day's latest (this run's when the
    run wrote the asset), so the UI shows the result as current for that day. Pages back until every day has
    one: in a run of checks alone, a day written many times must not hide the others."""
    targets: dict[str, AssetCheckEvaluationTargetMaterializationData] = {}
    records_filter = dg.AssetRecordsFilter(asset_key=asset, asset_partitions=days)
    cursor = None
    while len(targets) < len(days):
        page = context.instance.fetch_materializations(records_filter, limit=max(len(days), 100), cursor=cursor)
        for record in page.records:  # newest first
            if record.partition_key is not None and record.partition_key not in targets:
                targets[record.partition_key] = AssetCheckEvaluationTargetMaterializationData(
                    storage_id=record.storage_id, run_id=record.run_id, timestamp=record.timestamp
                )
        if not page.has_more:
            break
        cursor = page.cursor
    return targets


def _evaluated(
    context: dg.AssetExecutionContext, check: TableCheck, committed: Committed
) -> dg.AssetCheckResult | DayResults:
    """A blocking check that cannot be evaluated fails its step; a warning-only one must not, once the table is
    committed: it warns, with the error."""
    if check.blocking:
        return check.evaluate(committed)
    try:
        return check.evaluate(committed)
    except Exception as error:  # any failure to evaluate: a Spark error, an unexpected table
        context.log.warning(f"{committed.key.to_user_string()}: check {check.name} could not be evaluated: {error}")
        return dg.AssetCheckResult(
            passed=False, severity=dg.AssetCheckSeverity.WARN, metadata={"error": f"{type(error).__name__}: {error}"[:500]}
        )

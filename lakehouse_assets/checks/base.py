"""A check that runs in the step writing its table, on the rows that step just committed.

The step yields its output (the IO manager commits it at once), then each selected check's result: no step,
process or Databricks run of its own. A blocking check that fails fails the step, so nothing downstream runs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import dagster as dg
from pyspark.sql import DataFrame

from ..partitions import DayWindow, window_text
from ..resources.warehouse import Warehouse
from ..tables import cached


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
class TableCheck:
    """An asset check of one table; `evaluate` returns its result without a name (the check adds it)."""

    name: str
    description: str
    evaluate: Callable[[Committed], dg.AssetCheckResult]
    blocking: bool = False

    def spec(self, asset: dg.AssetKey) -> dg.AssetCheckSpec:
        return dg.AssetCheckSpec(self.name, asset=asset, blocking=self.blocking, description=self.description)


def selected(context: dg.AssetExecutionContext, asset: dg.AssetKey, name: str) -> bool:
    """Whether this run evaluates the check (a run may select an asset without its checks)."""
    return dg.AssetCheckKey(asset, name) in context.selected_asset_check_keys


def evaluate(
    context: dg.AssetExecutionContext, checks: Sequence[TableCheck], committed: Committed
) -> Iterator[dg.AssetCheckResult]:
    """The results of the run's selected `checks`, each naming its asset, check and the days it judged (the
    step's, unless the check says otherwise)."""
    try:
        for check in checks:
            if selected(context, committed.key, check.name):
                result = _evaluated(context, check, committed)
                yield dg.AssetCheckResult(
                    asset_key=committed.key,
                    check_name=check.name,
                    passed=result.passed,
                    severity=result.severity,
                    description=result.description,
                    metadata={"days": committed.days(), **result.metadata},
                )
    finally:
        committed.release()


def _evaluated(context: dg.AssetExecutionContext, check: TableCheck, committed: Committed) -> dg.AssetCheckResult:
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

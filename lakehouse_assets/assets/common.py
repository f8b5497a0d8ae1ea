"""What every asset shares: owners, kinds, layer groups, Delta metadata, the step launcher, the run's date window."""

import functools
import inspect
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

import dagster as dg

from ..resources.delta_io_manager import delta_metadata
from ..resources.step_launcher import STEP_LAUNCHER_KEY

OWNERS = ["team:data-platform"]
SPARK_DELTA = {"spark", "delta"}

# Materialise a partition when its upstream partitions update: Dagster's `eager()` without its restriction to
# the latest day, because late files for old days are normal (and the data replays 2013).
def follows_upstream(updates_ignored: Sequence[dg.AssetKey] = ()) -> dg.AutomationCondition:
    """A partition materialises when an upstream partition updates and none is missing or in progress.

    `updates_ignored` are deps whose updates alone do not trigger it (a new model scores the days to come,
    it does not re-score history), though they must still exist.
    """
    updated = dg.AutomationCondition.any_deps_updated()
    if updates_ignored:
        updated = updated.ignore(dg.AssetSelection.assets(*updates_ignored))
    return (
        updated.since_last_handled()
        & ~dg.AutomationCondition.any_deps_missing()
        & ~dg.AutomationCondition.any_deps_in_progress()
        & ~dg.AutomationCondition.in_progress()
    ).with_label("follows upstream partitions")


FOLLOWS_UPSTREAM = follows_upstream()


def spark_asset(
    *,
    key: Sequence[str],
    partitions_def: dg.PartitionsDefinition | None = None,
    partition_column: str | None = None,
    ins: Mapping[str, dg.AssetIn] | None = None,
    deps: Sequence[Any] | None = None,
    allow_schema_change: bool = False,
    metadata: Mapping[str, Any] | None = None,
    **kwargs: Any,
):
    """`dg.asset` for a Spark-computed Delta table `<layer>/<table>`.

    The layer is the group; a partitioned table declares its date column and backfills any range in one run.
    The asset requires the step launcher, so in prod it runs on Databricks (see resources/step_launcher.py).
    """
    if (partitions_def is None) != (partition_column is None):
        raise ValueError(f"{'/'.join(key)}: give partition_column exactly when the asset is partitioned")
    decorate = dg.asset(
        key=list(key),
        group_name=key[0],
        partitions_def=partitions_def,
        backfill_policy=dg.BackfillPolicy.single_run() if partitions_def else None,
        ins=ins,
        deps=deps,
        kinds=SPARK_DELTA,
        owners=OWNERS,
        metadata={**delta_metadata(partition_column, allow_schema_change), **(metadata or {})},
        **kwargs,
    )
    return lambda fn: decorate(requires_step_launcher(fn))


def delta_out(
    key: Sequence[str],
    *,
    partition_column: str | None = None,
    allow_schema_change: bool = False,
    metadata: Mapping[str, Any] | None = None,
    **kwargs: Any,
) -> dg.AssetOut:
    """One Delta table output of a `spark_multi_asset`, with the conventions of `spark_asset`."""
    return dg.AssetOut(
        key=list(key),
        group_name=key[0],
        kinds=SPARK_DELTA,
        owners=OWNERS,
        metadata={**delta_metadata(partition_column, allow_schema_change), **(metadata or {})},
        **kwargs,
    )


def spark_multi_asset(
    *,
    outs: Mapping[str, dg.AssetOut],
    partitions_def: dg.PartitionsDefinition | None = None,
    **kwargs: Any,
):
    """`dg.multi_asset` for several Spark-computed Delta tables (build each output with `delta_out`)."""
    decorate = dg.multi_asset(
        outs=outs,
        partitions_def=partitions_def,
        backfill_policy=dg.BackfillPolicy.single_run() if partitions_def else None,
        **kwargs,
    )
    return lambda fn: decorate(requires_step_launcher(fn))


def report_asset(*, key: Sequence[str], partitions_def: dg.PartitionsDefinition | None = None, **kwargs: Any):
    """`dg.asset` for a report built from tables with Spark and written as an HTML document (no IO manager)."""
    decorate = dg.asset(
        key=list(key),
        group_name="reports",
        partitions_def=partitions_def,
        backfill_policy=dg.BackfillPolicy.single_run() if partitions_def else None,
        kinds={"spark", "html"},
        owners=OWNERS,
        **kwargs,
    )
    return lambda fn: decorate(requires_step_launcher(fn))


def spark_asset_check(**kwargs: Any):
    """`dg.asset_check` for a check that reads tables with Spark; like every Spark step it requires the launcher."""
    decorate = dg.asset_check(**kwargs)
    return lambda fn: decorate(requires_step_launcher(fn))


def requires_step_launcher(fn: Callable[..., Any]) -> Callable[..., Any]:
    """`fn` with one more resource parameter, `step_launcher`, which it never sees.

    Dagster refuses `required_resource_keys` next to typed resource parameters, so the requirement is declared
    the other way: as a resource parameter on a thin wrapper with the same name, signature and kind.
    """
    signature = inspect.signature(fn)
    if STEP_LAUNCHER_KEY in signature.parameters:
        return fn
    if inspect.isgeneratorfunction(fn):

        @functools.wraps(fn)
        def compute(*args: Any, **kwargs: Any) -> Any:
            kwargs.pop(STEP_LAUNCHER_KEY, None)
            yield from fn(*args, **kwargs)

    elif inspect.iscoroutinefunction(fn):

        @functools.wraps(fn)
        async def compute(*args: Any, **kwargs: Any) -> Any:
            kwargs.pop(STEP_LAUNCHER_KEY, None)
            return await fn(*args, **kwargs)

    else:

        @functools.wraps(fn)
        def compute(*args: Any, **kwargs: Any) -> Any:
            kwargs.pop(STEP_LAUNCHER_KEY, None)
            return fn(*args, **kwargs)

    launcher = inspect.Parameter(STEP_LAUNCHER_KEY, inspect.Parameter.KEYWORD_ONLY, annotation=dg.ResourceParam[Any])
    parameters = list(signature.parameters.values())
    at = len(parameters) - int(bool(parameters) and parameters[-1].kind is inspect.Parameter.VAR_KEYWORD)
    compute.__signature__ = signature.replace(parameters=[*parameters[:at], launcher, *parameters[at:]])
    compute.__annotations__ = {**fn.__annotations__, STEP_LAUNCHER_KEY: dg.ResourceParam[Any]}
    del compute.__wrapped__  # Dagster must read the signature above, not the original's
    return compute


def run_window(context: dg.AssetExecutionContext) -> tuple[date, date]:
    """[start, end) of the partitions this run materialises; one day or a whole backfill range."""
    window = context.partition_time_window
    return window.start.date(), window.end.date()


def delta_outs(*outputs: tuple[Sequence[str], str], partition_column: str | None = None) -> dict[str, dg.AssetOut]:
    """`delta_out`s of a `spark_multi_asset` from (key, description) pairs, named by `output_name(key)`.
    Yield each with `dg.Output(frame, output_name=output_name(key))`."""
    return {
        output_name(key): delta_out(key, partition_column=partition_column, description=description)
        for key, description in outputs
    }


def output_name(key: Sequence[str]) -> str:
    return "__".join(key)

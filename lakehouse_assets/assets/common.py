"""What every asset shares: owners, kinds, layer groups, Delta metadata, the step launcher, checks in the step."""

import functools
import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import dagster as dg

from ..checks.base import Committed, TableCheck, evaluate
from ..lineage import ColumnLineage
from ..partitions import day_window
from ..resources.delta_io_manager import delta_metadata
from ..resources.step_launcher import STEP_LAUNCHER_KEY
from ..resources.warehouse import Warehouse

OWNERS = ["team:data-platform"]
SPARK_DELTA = {"spark", "delta"}
# Tables refreshed from the reference database, not day by day: job_config.json selects them by this tag.
REFERENCE_REFRESH = {"lakehouse/refresh": "reference"}

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
    column_lineage: ColumnLineage | None = None,
    checks: Sequence[TableCheck] = (),
    automation_condition: dg.AutomationCondition | None = None,
    tags: Mapping[str, str] | None = None,
):
    """An asset for a Spark-computed Delta table `<layer>/<table>`: the function returns the DataFrame (or a
    `dg.Output` of it, to add metadata).

    The layer is the group; a partitioned table declares its date column and backfills any range in one run.
    `column_lineage` (declared by the transform) goes on the definition and on every materialisation.
    `checks` run in the same step, on the rows just committed; a run may select the table without its checks,
    or its checks without it (they then judge the table as it is). The asset requires the step launcher, so in
    prod it runs on Databricks (see resources/step_launcher.py).
    """
    if (partitions_def is None) != (partition_column is None):
        raise ValueError(f"{'/'.join(key)}: give partition_column exactly when the asset is partitioned")
    asset_key = dg.AssetKey(list(key))

    def decorate(fn: Callable[..., Any]) -> dg.AssetsDefinition:
        out = delta_out(
            key,
            partition_column=partition_column,
            allow_schema_change=allow_schema_change,
            metadata=metadata,
            column_lineage=column_lineage,
            description=inspect.getdoc(fn),
            automation_condition=automation_condition,
            tags=tags,
            is_required=False,  # a run of the checks alone leaves the table as it is
        )
        return dg.multi_asset(
            name=asset_key.to_python_identifier(),
            outs={RESULT: out},
            ins=ins,
            deps=deps,
            partitions_def=partitions_def,
            backfill_policy=dg.BackfillPolicy.single_run() if partitions_def else None,
            check_specs=[check.spec(asset_key, partitions_def) for check in checks] or None,
            can_subset=True,  # only for the checks: the single table is either selected or not
        )(requires_step_launcher(checked(fn, asset_key, checks, partition_column) if checks else fn))

    return decorate


RESULT = "result"


def checked(
    fn: Callable[..., Any], key: dg.AssetKey, checks: Sequence[TableCheck], partition_column: str | None
) -> Callable[..., Any]:
    """`fn` (which returns the asset's DataFrame) as a step that yields it, so the IO manager commits it at once,
    then evaluates the run's selected `checks` on what was committed. When the run selected only checks, the
    table is not computed. It gains the `context` and `warehouse` parameters it may not have asked for."""
    if inspect.isgeneratorfunction(fn) or inspect.iscoroutinefunction(fn):
        raise ValueError(f"{key.to_user_string()}: an asset with checks returns its DataFrame; it cannot yield or await")
    wants = inspect.signature(fn).parameters

    @functools.wraps(fn)
    def compute(context: dg.AssetExecutionContext, *args: Any, warehouse: Warehouse, **kwargs: Any) -> Any:
        if key in context.selected_asset_keys:
            given = {name: value for name, value in (("context", context), ("warehouse", warehouse)) if name in wants}
            table = fn(*args, **given, **kwargs)
            if isinstance(table, dg.Output):
                yield dg.Output(table.value, output_name=RESULT, metadata=table.metadata)
            else:
                yield dg.Output(table, output_name=RESULT)
        yield from evaluate(context, checks, Committed(key, warehouse, day_window(context), partition_column))

    context = inspect.Parameter("context", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=dg.AssetExecutionContext)
    warehouse = inspect.Parameter("warehouse", inspect.Parameter.KEYWORD_ONLY, annotation=Warehouse)
    rest = [parameter for name, parameter in wants.items() if name not in ("context", "warehouse")]
    # A generator of events now, so not typed by `fn`'s return annotation.
    return _with_signature(compute, fn, _with_keyword(context, rest, warehouse), returns=inspect.Signature.empty)


def delta_out(
    key: Sequence[str],
    *,
    partition_column: str | None = None,
    allow_schema_change: bool = False,
    metadata: Mapping[str, Any] | None = None,
    column_lineage: ColumnLineage | None = None,
    **kwargs: Any,
) -> dg.AssetOut:
    """One Delta table output of a `spark_multi_asset`, with the conventions of `spark_asset`."""
    return dg.AssetOut(
        key=list(key),
        group_name=key[0],
        kinds=SPARK_DELTA,
        owners=OWNERS,
        metadata={**delta_metadata(partition_column, allow_schema_change, column_lineage), **(metadata or {})},
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
    return _with_signature(compute, fn, _with_keyword(None, list(signature.parameters.values()), launcher))


def _with_keyword(
    first: inspect.Parameter | None, parameters: list[inspect.Parameter], keyword: inspect.Parameter
) -> list[inspect.Parameter]:
    """`parameters` with `first` in front (if given) and the keyword-only `keyword` before any `**kwargs`."""
    at = len(parameters) - int(bool(parameters) and parameters[-1].kind is inspect.Parameter.VAR_KEYWORD)
    return [*([first] if first else []), *parameters[:at], keyword, *parameters[at:]]


def _with_signature(
    compute: Callable[..., Any], fn: Callable[..., Any], parameters: list[inspect.Parameter], returns: Any = None
):
    """`compute` as Dagster should see it: these parameters (inputs, resources, context), `fn`'s name and doc,
    and `fn`'s return annotation unless `returns` replaces it."""
    signature = inspect.signature(fn)
    returns = signature.return_annotation if returns is None else returns
    compute.__signature__ = signature.replace(parameters=parameters, return_annotation=returns)
    annotations = {parameter.name: parameter.annotation for parameter in parameters if parameter.annotation is not inspect.Parameter.empty}
    if returns is not inspect.Signature.empty:
        annotations["return"] = returns
    compute.__annotations__ = annotations
    del compute.__wrapped__  # Dagster must read the signature above, not the original's
    return compute


def delta_outs(
    *outputs: tuple[Sequence[str], str], partition_column: str | None = None, tags: Mapping[str, str] | None = None
) -> dict[str, dg.AssetOut]:
    """`delta_out`s of a `spark_multi_asset` from (key, description) pairs, named by `output_name(key)`.
    Yield each with `dg.Output(frame, output_name=output_name(key))`."""
    return {
        output_name(key): delta_out(key, partition_column=partition_column, description=description, tags=tags)
        for key, description in outputs
    }


def output_name(key: Sequence[str]) -> str:
    return "__".join(key)

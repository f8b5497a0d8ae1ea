"""Spark DataFrame <-> Delta table, one table per asset key `<layer>/<table>`."""

from datetime import date

import dagster as dg
from pyspark.sql import DataFrame

from ..tables import TableLocator, TableRef, filter_dates, read_table, rows_per_day, write_table
from .spark import SparkResource

PARTITION_COLUMN = "lakehouse/partition_column"
ALLOW_SCHEMA_CHANGE = "lakehouse/allow_schema_change"


def delta_metadata(partition_column: str | None, allow_schema_change: bool = False) -> dict[str, object]:
    """Definition metadata a Delta asset declares for the IO manager."""
    metadata: dict[str, object] = {ALLOW_SCHEMA_CHANGE: allow_schema_change}
    if partition_column:
        metadata[PARTITION_COLUMN] = partition_column
    return metadata


class DeltaIOManager(dg.ConfigurableIOManager):
    """Writes each output as a Delta table and loads inputs back, reading only the partitions asked for.

    Tables live at `<warehouse>/<layer>/<table>` or, with `catalog` set, at `<catalog>.<layer>.<table>`.
    """

    spark: SparkResource
    warehouse: str
    catalog: str | None = None

    def table_for(self, key: dg.AssetKey) -> TableRef:
        if len(key.path) != 2:
            raise dg.Failure(f"asset key {key.to_user_string()} must be <layer>/<table> to be stored as Delta")
        return TableLocator(self.warehouse, self.catalog).locate(*key.path)

    def handle_output(self, context: dg.OutputContext, obj: DataFrame | None) -> None:
        if obj is None:
            return
        if not isinstance(obj, DataFrame):
            raise dg.Failure(f"{context.asset_key.to_user_string()} returned {type(obj).__name__}, not a Spark DataFrame")
        ref = self.table_for(context.asset_key)
        metadata = context.definition_metadata or {}
        partition_column = metadata.get(PARTITION_COLUMN)
        window = _date_window(context) if context.has_asset_partitions else None
        # An asset may also opt in at run time (e.g. a source whose drift policy is `add`), on its Output.
        runtime_opt_in = (context.output_metadata or {}).get(ALLOW_SCHEMA_CHANGE)
        result = write_table(
            self.spark.session,
            obj,
            ref,
            partition_column=partition_column,
            window=window,
            allow_schema_change=bool(metadata.get(ALLOW_SCHEMA_CHANGE, False)) or _flag(runtime_opt_in),
        )
        context.add_output_metadata(
            {
                "rows_written_in_run": result.rows_written,
                "delta_version": result.version,
                "location": ref.display,
                "dagster/column_schema": table_schema(obj),
                **({"dagster/table_name": ref.name} if ref.name else {"dagster/uri": ref.location}),
            }
        )
        if window is None:
            context.add_output_metadata({"dagster/row_count": result.rows_written})
            return
        # A single-run backfill materialises many partitions at once: give each its own count.
        counts = rows_per_day(self.spark.session, ref, partition_column, window)
        for key in context.asset_partition_keys:
            day = context.asset_partitions_def.time_window_for_partition_key(key).start.date()
            context.step_context.add_asset_metadata(
                {"dagster/row_count": counts.get(day, 0)}, asset_key=context.asset_key, partition_key=key
            )

    def load_input(self, context: dg.InputContext) -> DataFrame:
        ref = self.table_for(context.asset_key)
        frame = read_table(self.spark.session, ref)
        upstream = context.upstream_output
        partition_column = (upstream.definition_metadata or {}).get(PARTITION_COLUMN) if upstream else None
        if context.has_asset_partitions and partition_column:
            start, end = _date_window(context)
            frame = filter_dates(frame, partition_column, start, end)
        return frame


def _flag(value: object) -> bool:
    return bool(getattr(value, "value", value))


def _date_window(context: dg.OutputContext | dg.InputContext) -> tuple[date, date]:
    window = context.asset_partitions_time_window
    return window.start.date(), window.end.date()


def table_schema(frame: DataFrame) -> dg.TableSchema:
    return dg.TableSchema(
        columns=[
            dg.TableColumn(name=field.name, type=field.dataType.simpleString(), description=field.metadata.get("comment"))
            for field in frame.schema.fields
        ]
    )

"""Spark DataFrame <-> Delta table, one table per asset key `<layer>/<table>`."""

import dagster as dg
from pydantic import Field
from pyspark.sql import DataFrame

from ..delta_commits import WRITE_ATTEMPTS
from ..lineage import ColumnLineage
from ..partitions import DayWindow, day_window
from ..tables import (
    TableLocator,
    TableRef,
    WriteResult,
    filter_dates,
    merge_table,
    read_table,
    rows_per_day,
    write_table,
)
from .spark import SparkResource

PARTITION_COLUMN = "lakehouse/partition_column"
ALLOW_SCHEMA_CHANGE = "lakehouse/allow_schema_change"
# Output metadata (set at run time on dg.Output) for an unpartitioned table loaded incrementally: upsert the
# output on these comma-separated key columns instead of replacing the table.
MERGE_KEYS = "lakehouse/merge_keys"
# Declared on the asset's definition and repeated on each materialisation, so the event keeps the lineage of the
# code that wrote the table.
COLUMN_LINEAGE = "dagster/column_lineage"


def delta_metadata(
    partition_column: str | None, allow_schema_change: bool = False, column_lineage: ColumnLineage | None = None
) -> dict[str, object]:
    """Definition metadata a Delta asset declares for the IO manager."""
    metadata: dict[str, object] = {ALLOW_SCHEMA_CHANGE: allow_schema_change}
    if partition_column:
        metadata[PARTITION_COLUMN] = partition_column
    if column_lineage is not None:
        metadata[COLUMN_LINEAGE] = table_column_lineage(column_lineage)
    return metadata


def table_column_lineage(declared: ColumnLineage) -> dg.TableColumnLineage:
    """Dagster's form of a lineage declaration: each upstream table `<layer>/<table>` is that asset's key."""
    return dg.TableColumnLineage(
        {
            column: [
                dg.TableColumnDep(asset_key=dg.AssetKey(table.split("/")), column_name=name)
                for table, name in dict.fromkeys(sources)  # Dagster refuses a source listed twice
            ]
            for column, sources in declared.items()
        }
    )


class DeltaIOManager(dg.ConfigurableIOManager):
    """Writes each output as a Delta table and loads inputs back, reading only the partitions asked for.

    Tables live at `<warehouse>/<layer>/<table>` or, with `catalog` set, at `<catalog>.<layer>.<table>`.
    """

    spark: SparkResource
    warehouse: str
    catalog: str | None = None
    write_attempts: int = Field(
        default=WRITE_ATTEMPTS, ge=1, description="Tries of a commit lost to a concurrent writer, the first included."
    )

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
        window = day_window(context)
        # A run may allow a schema change the definition does not (the `add` drift policy, decided by config).
        allow = bool(metadata.get(ALLOW_SCHEMA_CHANGE, False)) or bool(_runtime_value(context, ALLOW_SCHEMA_CHANGE))
        merge_keys = _runtime_value(context, MERGE_KEYS)
        # DESCRIBE HISTORY (and `lakehouse history`) then shows which run and step wrote each version.
        common = {"allow_schema_change": allow, "commit_note": f"dagster run {context.run_id} step {context.step_key}"}
        common["attempts"] = self.write_attempts
        if merge_keys and window is None:
            keys = [key.strip() for key in str(merge_keys).split(",")]
            result = merge_table(self.spark.session, obj, ref, keys, **common)
        else:
            # A single-run backfill gives each day its own row count: the write counts them on what it wrote.
            many_days = window is not None and (window[1] - window[0]).days > 1
            result = write_table(
                self.spark.session, obj, ref, partition_column=partition_column, window=window, count_days=many_days, **common
            )
        if result.attempts > 1:
            context.log.warning(f"{ref.layer}/{ref.table}: committed on try {result.attempts}, after losing to concurrent writers")
        context.add_output_metadata(
            {
                "rows_written_in_run": result.rows_written,
                "delta_version": result.version,
                "write_attempts": result.attempts,
                "location": ref.display,
                "dagster/column_schema": table_schema(obj),
                **({COLUMN_LINEAGE: metadata[COLUMN_LINEAGE]} if COLUMN_LINEAGE in metadata else {}),
                **({"dagster/table_name": ref.name} if ref.name else {"dagster/uri": ref.location}),
            }
        )
        if window is None:
            # A merge touches part of the table; Delta answers a whole-table count from its log, not a scan.
            rows = read_table(self.spark.session, ref).count() if merge_keys else result.rows_written
            context.add_output_metadata({"dagster/row_count": rows})
            return
        counts = self._rows_per_day(ref, partition_column, window, result)
        for key in context.asset_partition_keys:
            day = context.asset_partitions_def.time_window_for_partition_key(key).start.date()
            context.step_context.add_asset_metadata(
                {"dagster/row_count": counts.get(day, 0)}, asset_key=context.asset_key, partition_key=key
            )

    def _rows_per_day(self, ref: TableRef, column: str, window: DayWindow, result: WriteResult) -> dict:
        """A one-day window's count is what the commit wrote; a longer one's are the write's own per-day counts,
        or, where the write could not cache its frame to count them, counted on the committed rows."""
        if (window[1] - window[0]).days == 1:
            return {window[0]: result.rows_written}
        if result.rows_by_day is not None:
            return result.rows_by_day
        return rows_per_day(self.spark.session, ref, column, window)

    def load_input(self, context: dg.InputContext) -> DataFrame:
        ref = self.table_for(context.asset_key)
        frame = read_table(self.spark.session, ref)
        upstream = context.upstream_output
        partition_column = (upstream.definition_metadata or {}).get(PARTITION_COLUMN) if upstream else None
        window = day_window(context)
        if window is not None and partition_column:
            frame = filter_dates(frame, partition_column, *window)
        return frame


def _runtime_value(context: dg.OutputContext, key: str) -> object:
    entry = (context.output_metadata or {}).get(key)
    return getattr(entry, "value", entry)


def table_schema(frame: DataFrame) -> dg.TableSchema:
    return dg.TableSchema(
        columns=[
            dg.TableColumn(name=field.name, type=field.dataType.simpleString(), description=field.metadata.get("comment"))
            for field in frame.schema.fields
        ]
    )

"""Where a layer's Delta table lives and how it is read and (atomically) replaced. No Dagster here."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from pyspark import StorageLevel
from pyspark.errors import AnalysisException, PySparkException
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import ArrayType, DataType, MapType, StringType, StructType

from .delta_commits import WRITE_ATTEMPTS, CommitConflictError, commit_token, with_conflict_retries

LAYERS = ("bronze", "silver", "gold", "features", "ml", "scores", "reports")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_COMMIT_FILE = re.compile(r"^\d{20}\.json$")
USER_METADATA_CONF = "spark.databricks.delta.commitInfo.userMetadata"
# Concurrent writers may commit in between; a write looks this far back in the history for its own commit.
HISTORY_SEARCHED = 100
# A window is written ordered by day, as one file per this many days: a day's run writes one file, a year's
# backfill twelve. Reading a day then opens only the file whose min/max date statistics hold it, without the
# directory per day that physical partitioning would make (far too many small files at ~1k rows a day).
DAYS_PER_FILE = 31


class TableError(Exception):
    """A table cannot be read or written as asked; the message says which table and what to do."""


def check_identifier(name: str, what: str) -> str:
    """Names reach SQL text, so only plain identifiers pass."""
    if not _IDENTIFIER.match(name):
        raise TableError(f"{what} {name!r} is not a plain identifier (letters, digits, underscore)")
    return name


@dataclass(frozen=True)
class TableRef:
    """A Delta table addressed by path (`location`) or by metastore name (`name`), never both."""

    layer: str
    table: str
    location: str | None = None
    name: str | None = None

    @property
    def display(self) -> str:
        return self.name or self.location or ""

    @property
    def sql_ref(self) -> str:
        if self.name:
            return self.name
        if "`" in (self.location or ""):
            raise TableError(f"table location {self.location!r} contains a backtick")
        return f"delta.`{self.location}`"


@dataclass(frozen=True)
class TableLocator:
    """Maps `layer/table` to a path under the warehouse root, or to `catalog.layer.table` when a catalog is set."""

    warehouse: str
    catalog: str | None = None

    def locate(self, layer: str, table: str) -> TableRef:
        if layer not in LAYERS:
            raise TableError(f"unknown layer {layer!r}; expected one of {', '.join(LAYERS)}")
        check_identifier(table, "table name")
        if self.catalog:
            return TableRef(layer, table, name=f"{check_identifier(self.catalog, 'catalog')}.{layer}.{table}")
        return TableRef(layer, table, location=f"{self.warehouse.rstrip('/')}/{layer}/{table}")


def table_exists(spark: SparkSession, ref: TableRef) -> bool:
    if ref.name:
        return spark.catalog.tableExists(ref.name)
    try:
        spark.read.format("delta").load(ref.location).schema  # noqa: B018 - reads the log only
    except AnalysisException:
        return False
    return True


def read_table(spark: SparkSession, ref: TableRef) -> DataFrame:
    if not table_exists(spark, ref):
        raise TableError(f"table {ref.layer}/{ref.table} does not exist at {ref.display}; materialise it first")
    return spark.read.table(ref.name) if ref.name else spark.read.format("delta").load(ref.location)


def date_range_predicate(column: str, start: date, end_exclusive: date) -> str:
    """SQL text of a day window; only an identifier and two real dates ever reach it."""
    check_identifier(column, "partition column")
    for bound in (start, end_exclusive):
        if not isinstance(bound, date) or isinstance(bound, datetime):
            raise TableError(f"partition window bounds must be dates, got {bound!r}")
    return f"{column} >= DATE'{start.isoformat()}' AND {column} < DATE'{end_exclusive.isoformat()}'"


def filter_dates(frame: DataFrame, column: str, start: date, end_exclusive: date) -> DataFrame:
    return frame.where((F.col(column) >= F.lit(start)) & (F.col(column) < F.lit(end_exclusive)))


def schema_differences(current: DataFrame | None, incoming: DataFrame) -> list[str]:
    """Column-level differences that a write would impose on an existing table (nullability ignored)."""
    if current is None:
        return []
    old = {field.name: field.dataType.simpleString() for field in current.schema.fields}
    new = {field.name: field.dataType.simpleString() for field in incoming.schema.fields}
    changes = [f"+{name} {kind}" for name, kind in new.items() if name not in old]
    changes += [f"-{name} {kind}" for name, kind in old.items() if name not in new]
    changes += [f"~{name} {old[name]}->{new[name]}" for name in new if name in old and old[name] != new[name]]
    return changes


def with_plain_strings(frame: DataFrame) -> DataFrame:
    """`frame` with every column that holds text cast to its type by name, so its strings are plain `string`.

    A Spark Connect client sends a `StringType` object (as in `col.cast(StringType())`) with its collation
    spelled out, and the server keeps it: such a column is `string collate UTF8_BINARY`, Delta writes that into
    the table's schema, and readers without collation support (delta-rs, older Spark) refuse the table. The
    client cannot tell (its schema says `string` either way), so every text column is cast to the type's name,
    which the server parses to the default. A cast to the type a column already has is no work (classic Spark
    drops it from the plan); column comments and nullability are kept.
    """
    fields = frame.schema.fields
    if not any(_holds_text(field.dataType) for field in fields):
        return frame
    columns = []
    for field in fields:
        column = F.col("`" + field.name.replace("`", "``") + "`")
        if _holds_text(field.dataType):
            column = column.cast(_type_name(field.dataType)).alias(field.name, metadata=field.metadata or None)
        columns.append(column)
    return frame.select(*columns)


def _holds_text(data_type: DataType) -> bool:
    if isinstance(data_type, StringType):
        return True
    if isinstance(data_type, ArrayType):
        return _holds_text(data_type.elementType)
    if isinstance(data_type, MapType):
        return _holds_text(data_type.keyType) or _holds_text(data_type.valueType)
    if isinstance(data_type, StructType):
        return any(_holds_text(field.dataType) for field in data_type.fields)
    return False


def _type_name(data_type: DataType) -> str:
    """DDL of `data_type` with the default collation, nested fields quoted (their NOT NULL and comments kept)."""
    if isinstance(data_type, StringType):
        return "string"
    if isinstance(data_type, ArrayType):
        return f"array<{_type_name(data_type.elementType)}>"
    if isinstance(data_type, MapType):
        return f"map<{_type_name(data_type.keyType)}, {_type_name(data_type.valueType)}>"
    if isinstance(data_type, StructType):
        fields = []
        for field in data_type.fields:
            comment = (field.metadata or {}).get("comment")
            fields.append(
                "`" + field.name.replace("`", "``") + "`: " + _type_name(field.dataType)
                + ("" if field.nullable else " NOT NULL")
                + (" COMMENT '" + str(comment).replace("\\", "\\\\").replace("'", "\\'") + "'" if comment else "")
            )  # fmt: skip
        return f"struct<{', '.join(fields)}>"
    return data_type.simpleString()


@dataclass(frozen=True)
class WriteResult:
    version: int
    rows_written: int
    attempts: int = 1  # more than 1 when a commit was lost to a concurrent writer and tried again
    # Asked for with `count_days`: the window's rows per day; None where the frame could not be cached to count.
    rows_by_day: dict[date, int] | None = None


def write_table(
    spark: SparkSession,
    frame: DataFrame,
    ref: TableRef,
    *,
    partition_column: str | None = None,
    window: tuple[date, date] | None = None,
    allow_schema_change: bool = False,
    commit_note: str | None = None,
    attempts: int = WRITE_ATTEMPTS,
    count_days: bool = False,
) -> WriteResult:
    """Replace the window's days (or the whole table) in one Delta commit.

    With a window, `replaceWhere` on the date column swaps exactly those days, so re-running a day is idempotent
    and a multi-day range is one atomic commit; Delta refuses rows outside the window. The table is not
    partitioned on disk: the window's rows are written ordered by day (see `DAYS_PER_FILE`), which keeps a day's
    read to its own file. A schema change is refused unless allowed. A commit lost to a concurrent writer is
    tried again against the new table state (up to `attempts` tries), so two runs writing the same days leave
    one copy. `commit_note` goes into the commit's userMetadata (shown by DESCRIBE HISTORY and `lakehouse
    history`), e.g. the Dagster run that wrote it. With `count_days`, a windowed write also returns the rows it
    wrote per day, counted on the frame it wrote, which it keeps cached for the write (so the range sampling that
    orders the days does not compute the frame a second time) and releases after.
    """
    token = commit_token()
    note = f"{commit_note or 'lakehouse'} [{token}]"
    if window is not None and partition_column is None:
        raise TableError(f"{ref.layer}/{ref.table} is written by day window but declares no date column")
    counted, cached_here = cached(frame) if window is not None and count_days else (None, False)
    try:
        # Counted and written are one and the same frame; its text columns go out as plain `string`.
        frame = with_plain_strings(counted if counted is not None else frame)
        if window is not None:
            frame = ordered_by_day(frame, partition_column, window)
        else:  # a whole table: files of Spark's advisory size (one for a dimension table), however it was computed
            frame = frame.hint("rebalance")

        def attempt() -> None:
            changes = schema_differences(_current(spark, ref), frame)
            if changes and not allow_schema_change:
                raise TableError(
                    f"refusing to change the schema of {ref.layer}/{ref.table} ({', '.join(changes)}); "
                    "if intended, opt the asset in with metadata {'lakehouse/allow_schema_change': True}"
                )
            writer = frame.write.format("delta").mode("overwrite").option("userMetadata", note)
            if window is not None:
                writer = writer.option("replaceWhere", date_range_predicate(partition_column, *window))
                if changes:
                    writer = writer.option("mergeSchema", "true")
            elif changes:
                writer = writer.option("overwriteSchema", "true")
            try:
                writer.saveAsTable(ref.name) if ref.name else writer.save(ref.location)
            except AnalysisException as error:
                if "DELTA_REPLACE_WHERE_MISMATCH" in str(error) or "does not conform to partial table overwrite" in str(error):
                    raise TableError(
                        f"{ref.layer}/{ref.table}: some rows fall outside the day window {window[0]}..{window[1]} "
                        f"(column {partition_column}); nothing was written"
                    ) from error
                raise

        tries = _committed(attempt, ref, window, attempts)
        version, metrics = _commit_of(spark, ref, token, frame)
        by_day = None
        if counted is not None:
            by_day = {row[partition_column]: int(row["count"]) for row in counted.groupBy(partition_column).count().collect()}
        # A replaceWhere that rewrites a file holding other days too copies those rows: they are not this write's.
        written = int(metrics.get("numOutputRows", 0)) - int(metrics.get("numCopiedRows", 0))
        return WriteResult(version=version, rows_written=written, attempts=tries, rows_by_day=by_day)
    finally:
        if cached_here:
            counted.unpersist()


def cached(frame: DataFrame) -> tuple[DataFrame | None, bool]:
    """`frame` cached (in memory, spilling to disk) and whether this call cached it: a frame the caller cached
    stays the caller's to release. None where the cluster allows no caching (serverless)."""
    if frame.is_cached:
        return frame, False
    try:
        return frame.persist(StorageLevel.MEMORY_AND_DISK), True
    except PySparkException:
        return None, False


def read_once(frame: DataFrame) -> DataFrame:
    """`frame` computed now, its lineage cut: every later use sees these rows, never a second read of the
    source. The rows go to local disk, not memory: a classic session keeps a local checkpoint until it ends (a
    test session, an all-purpose cluster, run after run), and memory is what the queries after it need."""
    return frame.localCheckpoint(eager=True, storageLevel=StorageLevel.DISK_ONLY)


def ordered_by_day(frame: DataFrame, column: str, window: tuple[date, date]) -> DataFrame:
    """`frame` as one task (so one file) per `DAYS_PER_FILE` days of the window, each sorted by day."""
    files = max(1, -(-(window[1] - window[0]).days // DAYS_PER_FILE))
    return frame.repartitionByRange(files, column).sortWithinPartitions(column)


def _current(spark: SparkSession, ref: TableRef) -> DataFrame | None:
    return read_table(spark, ref) if table_exists(spark, ref) else None


def merge_table(
    spark: SparkSession,
    frame: DataFrame,
    ref: TableRef,
    keys: Sequence[str],
    *,
    allow_schema_change: bool = False,
    commit_note: str | None = None,
    attempts: int = WRITE_ATTEMPTS,
) -> WriteResult:
    """Upsert `frame` into the table on `keys` in one Delta commit: matching rows are replaced, new rows added.

    For incremental loads: re-merging the same rows changes nothing but ingestion metadata. The batch must
    hold each key once. A table that does not exist yet is created from the batch. A commit lost to a
    concurrent writer is tried again, as in `write_table`.
    """
    for key in keys:
        check_identifier(key, "merge key")
    if not table_exists(spark, ref):
        return write_table(
            spark, frame, ref, allow_schema_change=allow_schema_change, commit_note=commit_note, attempts=attempts
        )
    from delta.tables import DeltaTable

    frame = with_plain_strings(frame)  # (write_table does it for a new table)
    token = commit_token()

    def attempt() -> None:
        changes = schema_differences(read_table(spark, ref), frame)
        if changes and not allow_schema_change:
            raise TableError(
                f"refusing to change the schema of {ref.layer}/{ref.table} ({', '.join(changes)}) in a merge; "
                "if intended, allow the schema change for this write"
            )
        target = DeltaTable.forName(spark, ref.name) if ref.name else DeltaTable.forPath(spark, ref.location)
        condition = " AND ".join(f"t.`{key}` <=> s.`{key}`" for key in keys)
        merge = target.alias("t").merge(frame.alias("s"), condition).whenMatchedUpdateAll().whenNotMatchedInsertAll()
        if changes:
            merge = merge.withSchemaEvolution()
        # A merge takes no writer options; the commit's userMetadata comes from the session for this one commit.
        spark.conf.set(USER_METADATA_CONF, f"{commit_note or 'lakehouse'} [{token}]")
        try:
            merge.execute()
        finally:
            spark.conf.unset(USER_METADATA_CONF)

    tries = _committed(attempt, ref, None, attempts)
    version, metrics = _commit_of(spark, ref, token, frame)
    touched = int(metrics.get("numTargetRowsInserted", 0)) + int(metrics.get("numTargetRowsUpdated", 0))
    return WriteResult(version=version, rows_written=touched, attempts=tries)


def _committed(attempt, ref: TableRef, window: tuple[date, date] | None, attempts: int) -> int:
    days = f" days {window[0]}..{window[1]} (end exclusive)" if window else ""
    try:
        return with_conflict_retries(attempt, f"{ref.layer}/{ref.table}{days}", attempts)[1]
    except CommitConflictError as error:
        raise TableError(str(error)) from error


def _commit_of(spark: SparkSession, ref: TableRef, token: str, frame: DataFrame) -> tuple[int, dict]:
    """Version and metrics of the commit carrying `token`: the newest commit, unless another writer committed
    since (then the history is searched further back).

    Where this process can read the table's `_delta_log` (a local path, a mounted volume), the commit files are
    read directly: what DESCRIBE HISTORY reports, without a Spark query (a few hundred milliseconds) per output
    of every run. Only a file holding this write's own token is trusted; anything else (a catalog table, cloud
    storage, a Spark Connect session, a folder of the same name that is not the table's) asks Delta. Delta makes
    no commit for a write that changes nothing (no rows in, none of the window's files removed): then the table
    stays at its newest version, which the local log gives too where Spark writes to this machine's disk.
    """
    newest, found = _local_commits(spark, ref, token) or (None, None)
    if found is not None:
        return found
    if newest is not None and _spark_writes_this_disk(spark) and frame.isEmpty():
        return newest, {}
    rows = []
    for limit in (1, HISTORY_SEARCHED):
        rows = spark.sql(f"DESCRIBE HISTORY {ref.sql_ref} LIMIT {limit}").collect()
        for row in rows:
            if token in (row["userMetadata"] or ""):
                return int(row["version"]), dict(row["operationMetrics"] or {})
    if rows and frame.isEmpty():
        return int(rows[0]["version"]), {}
    raise TableError(f"{ref.layer}/{ref.table}: the commit just made is not among the last {HISTORY_SEARCHED} versions")


def _spark_writes_this_disk(spark: SparkSession) -> bool:
    """A local-mode session on the local file system: the log listed here is the one Delta just committed to
    (on a cluster's driver or a mounted volume a listing may be another folder's, or lag)."""
    master = spark.conf.get("spark.master", "")
    file_system = spark.conf.get("spark.hadoop.fs.defaultFS", "file:///")
    return master.startswith("local") and file_system.startswith("file:")


def _local_commits(spark: SparkSession, ref: TableRef, token: str) -> tuple[int, tuple[int, dict] | None] | None:
    """From the table's local `_delta_log`: its newest version and the (version, metrics) of the commit carrying
    `token` among the last `HISTORY_SEARCHED` (None if none does). None where there is no local log to read."""
    log = _local_log(spark, ref)
    if log is None or not os.path.isdir(log):
        return None
    try:
        versions = sorted((int(name[:-5]) for name in os.listdir(log) if _COMMIT_FILE.match(name)), reverse=True)
        for version in versions[:HISTORY_SEARCHED]:
            metrics = _commit_metrics(os.path.join(log, f"{version:020d}.json"), token)
            if metrics is not None:
                return versions[0], (version, metrics)
    except (OSError, ValueError):  # a log being cleaned up or not Delta's: Delta itself answers
        return None
    return (versions[0], None) if versions else None


def is_spark_connect(spark: SparkSession) -> bool:
    """A Spark Connect session: the JVM (its classpath, its file system) is the server's, not this process's."""
    return type(spark).__module__.startswith("pyspark.sql.connect")


def _local_log(spark: SparkSession, ref: TableRef) -> str | None:
    """Where the `_delta_log` of a table addressed by an absolute path or `file:` URI would be on this machine;
    None for a catalog name, cloud storage, or a remote (Spark Connect) session, whose paths are the server's."""
    if is_spark_connect(spark):
        return None
    location = ref.location or ""
    if location.startswith("file:"):
        location = "/" + location[len("file:") :].lstrip("/")
    return os.path.join(location, "_delta_log") if location.startswith("/") else None


def _commit_metrics(commit_file: str, token: str) -> dict | None:
    """The operation metrics of this commit file's commitInfo if `token` is in its userMetadata, else None."""
    with open(commit_file, encoding="utf-8") as actions:
        for line in actions:
            info = json.loads(line).get("commitInfo")
            if info is not None:
                return dict(info.get("operationMetrics") or {}) if token in (info.get("userMetadata") or "") else None
    return None


def rows_per_day(spark: SparkSession, ref: TableRef, column: str, window: tuple[date, date]) -> dict[date, int]:
    """Row count of each day in the window, as committed (days with no rows are absent)."""
    frame = filter_dates(read_table(spark, ref).select(column), column, *window)
    return {row[column]: int(row["count"]) for row in frame.groupBy(column).count().collect()}

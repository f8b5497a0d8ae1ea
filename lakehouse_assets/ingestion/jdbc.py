"""Read one table of an operational database through Spark JDBC, every column as the driver renders it as text.

Reading text (JDBC `customSchema` STRING) rather than typed values matters: a typed read lets a driver turn a
misfit into a plausible value (SQLite's driver reads 'abc' in a REAL column as 0.0). The contract types the text
afterwards and rescues what does not fit. The partition and watermark columns are also selected a second time,
typed, under internal names, so Spark can split the read into ranges and filter incrementally in the database.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pyspark.errors import PySparkException
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import DateType, NumericType, StringType, StructType, TimestampType

from ..settings.models import DriftPolicy, JdbcTableSettings
from ..tables import is_spark_connect
from .conformance import RAW
from .contracts import Contract, column_named

PARTITION_KEY = "_lakehouse_partition_key"
WATERMARK = "_source_watermark"
SOURCE_TABLE = "_source_table"
INGESTED_AT = "_ingested_at"
_ORDERABLE = (NumericType, DateType, TimestampType, StringType)


class SourceTableError(Exception):
    """A source table cannot be read as configured; the message names the table, the column and the fix."""


@dataclass(frozen=True)
class JdbcSource:
    url: str
    driver: str
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    # Maven coordinates that provide JDBC drivers (spark.packages), named when the driver is missing.
    packages: tuple[str, ...] = ()

    @property
    def display(self) -> str:
        """The URL without its query string, for messages (options there may be sensitive)."""
        return re.split(r"[?;]", self.url, maxsplit=1)[0]

    def options(self) -> dict[str, str]:
        options = {"url": self.url, "driver": self.driver}
        if self.user is not None:
            options["user"] = self.user
        if self.password is not None:
            options["password"] = self.password
        return options


@dataclass(frozen=True)
class SourceRead:
    """The table's rows as text plus typed watermark and ingestion metadata, and what was found on the way."""

    frame: DataFrame
    unexpected: list[str]
    watermark_from: Any = None
    partitions: int = 1


def read_source_table(
    spark: SparkSession,
    source: JdbcSource,
    name: str,
    table: JdbcTableSettings,
    contract: Contract,
    drift_policy: DriftPolicy = "rescue",
    watermark_from: Any = None,
) -> SourceRead:
    """Rows of `table` (all of them, or those with watermark >= `watermark_from`) with contract columns as text."""
    qualified = table.source or name
    where = f"table {qualified} in {source.display}"
    columns = _probe(spark, source, qualified, where)
    by_name = {column.lower(): column for column in columns.fieldNames()}
    missing = [column for column in contract.columns if column.lower() not in by_name]
    if missing:
        raise SourceTableError(
            f"{where} has no column {', '.join(missing)} required by schemas/{contract.name}.json "
            f"(it has: {', '.join(columns.fieldNames())}); add the column to the table or change the schema file"
        )
    for role, column in (("partition_column", table.partition_column), ("watermark_column", table.watermark_column)):
        if column and column.lower() not in by_name:
            raise SourceTableError(f"{where}: {role} {column!r} is not a column (it has: {', '.join(columns.fieldNames())})")
        if column and not isinstance(columns[by_name[column.lower()]].dataType, _ORDERABLE):
            kind = columns[by_name[column.lower()]].dataType.simpleString()
            raise SourceTableError(f"{where}: {role} {column!r} has type {kind}; use a numeric, date or timestamp column")
    known = {column.lower() for column in contract.columns}
    unexpected = [column for column in columns.fieldNames() if column.lower() not in known]
    exempt = {(table.watermark_column or "").lower()}
    drifted = [column for column in unexpected if column.lower() not in exempt]
    if drifted and drift_policy == "fail":
        raise SourceTableError(
            f"{where} has column(s) {', '.join(drifted)} not in schemas/{contract.name}.json and the drift policy is "
            "'fail'; nothing was read. Add them to the schema file, or set drift_policy to rescue or add"
        )

    options = {"fetchsize": str(table.fetch_size), "dbtable": _relation(qualified, table, by_name)}
    # Column names come from the database: quoted, with any backtick doubled, they cannot break out of the list.
    options["customSchema"] = ", ".join(f"`{column.replace('`', '``')}` STRING" for column in columns.fieldNames())
    partitions = 1
    if table.partition_column:
        bounds = _bounds(spark, source, qualified, table, by_name, where)
        if bounds is not None:
            partitions = table.num_partitions or 1
            options.update(partitionColumn=PARTITION_KEY, lowerBound=bounds[0], upperBound=bounds[1], numPartitions=str(partitions))
    frame = _load(spark, source, options, where)
    if table.watermark_column and watermark_from is not None:
        frame = frame.where(F.col(WATERMARK) >= F.lit(watermark_from))  # pushed down into the database's WHERE

    text_columns = [column_named(by_name[column.lower()]).alias(column) for column in contract.columns]
    extra = [column_named(column) for column in unexpected]
    selected = frame.select(
        *text_columns,
        *extra,
        *([F.col(WATERMARK)] if table.watermark_column else []),
        F.to_json(F.struct(*[column_named(column) for column in columns.fieldNames()])).alias(RAW),
        F.lit(qualified).alias(SOURCE_TABLE),
        F.current_timestamp().alias(INGESTED_AT),
    )
    return SourceRead(frame=selected, unexpected=unexpected, watermark_from=watermark_from, partitions=partitions)


def _relation(qualified: str, table: JdbcTableSettings, by_name: Mapping[str, str]) -> str:
    """The table, or a derived table adding the typed partition/watermark copies (plain SQL every database reads)."""
    copies = []
    if table.partition_column:
        copies.append(f"t.{by_name[table.partition_column.lower()]} AS {PARTITION_KEY}")
    if table.watermark_column:
        copies.append(f"t.{by_name[table.watermark_column.lower()]} AS {WATERMARK}")
    if not copies:
        return qualified
    return f"(SELECT t.*, {', '.join(copies)} FROM {qualified} t) src"


def _probe(spark: SparkSession, source: JdbcSource, qualified: str, where: str) -> StructType:
    try:
        return spark.read.format("jdbc").options(**source.options(), dbtable=qualified).load().schema
    except PySparkException as error:
        raise _read_error(spark, error, source, where) from None


def _load(spark: SparkSession, source: JdbcSource, options: dict[str, str], where: str) -> DataFrame:
    try:
        return spark.read.format("jdbc").options(**source.options(), **options).load()
    except PySparkException as error:
        raise _read_error(spark, error, source, where) from None


def _read_error(spark: SparkSession, error: PySparkException, source: JdbcSource, where: str) -> SourceTableError:
    if driver_missing(error, source.driver):
        return SourceTableError(missing_driver_message(spark, source, where))
    return SourceTableError(f"cannot read {where}: {_reason(error, source)}")


def driver_missing(error: Exception, driver: str) -> bool:
    """Whether `error` (or a JVM cause of it) says the driver class cannot be loaded where Spark runs."""
    texts, cause = [str(error)], getattr(error, "_cause", None)
    while cause is not None:
        texts.append(str(getattr(cause, "_desc", None) or cause))
        cause = getattr(cause, "_cause", None)
    text = "\n".join(texts)
    return bool(driver) and driver in text and ("ClassNotFoundException" in text or "No suitable driver" in text)


def missing_driver_message(spark: SparkSession, source: JdbcSource, where: str) -> str:
    packages = source.packages
    coordinates = ",".join(packages) if packages else "<group:artifact:version of the driver>"
    named = f" (spark.packages: {', '.join(packages)})" if packages else " (none listed in spark.packages)"
    if is_spark_connect(spark):
        return (
            f"cannot read {where}: the JDBC driver class {source.driver} is not on the Spark Connect server's "
            f"classpath. With Spark Connect the JDBC read runs in the server, so the driver jar must be there, not "
            f"in this process: start the server with `--packages {coordinates}` (next to Delta's), or put the jar "
            f"in its jars folder / spark.jars{named}. See docs/user_guide.md, Spark Connect"
        )
    return (
        f"cannot read {where}: the JDBC driver class {source.driver} is not on Spark's classpath; add its Maven "
        f"coordinates to spark.packages in the env config{named}, or its jar to the folder of "
        "LAKEHOUSE_DELTA_JARS_DIR (`lakehouse fetch-jars` fetches spark.packages too)"
    )


def _bounds(
    spark: SparkSession, source: JdbcSource, qualified: str, table: JdbcTableSettings, by_name: Mapping[str, str], where: str
) -> tuple[str, str] | None:
    """Configured bounds, else MIN/MAX of the column; None for an empty table (read in one piece)."""
    if table.lower_bound is not None:
        return str(table.lower_bound), str(table.upper_bound)
    column = by_name[table.partition_column.lower()]
    query = f"(SELECT MIN({column}) AS lo, MAX({column}) AS hi FROM {qualified}) b"
    row = _load(spark, source, {"dbtable": query}, where).first()
    if row is None or row.lo is None:
        return None
    low, high = row.lo, row.hi
    if isinstance(low, int | float | Decimal) and isinstance(high, int | float | Decimal):
        low, high = int(low // 1), int(-(-high // 1))
        return str(low), str(max(high, low + 1))
    if type(low) is type(high) and isinstance(low, date):  # dates and timestamps
        return low.isoformat(sep=" ") if isinstance(low, datetime) else low.isoformat(), (
            high.isoformat(sep=" ") if isinstance(high, datetime) else high.isoformat()
        )
    raise SourceTableError(
        f"{where}: cannot derive partition bounds from MIN/MAX of {column} ({low!r}, {high!r}); "
        "set lower_bound and upper_bound for this table"
    )


def _reason(error: Exception, source: JdbcSource) -> str:
    """Spark's one-line summary plus the root cause from the driver (e.g. 'password authentication failed')."""
    lines = [line.strip() for line in str(error).strip().splitlines() if line.strip()]
    head = lines[0] if lines else type(error).__name__
    root, cause = error, getattr(error, "_cause", None)  # PySpark keeps the JVM cause chain here
    while cause is not None:
        root, cause = cause, getattr(cause, "_cause", None)
    detail = (getattr(root, "_desc", None) or "").strip().splitlines()[:1] if root is not error else []
    text = f"{head} (cause: {detail[0]})" if detail else head
    return text.replace(source.password, "***") if source.password else text

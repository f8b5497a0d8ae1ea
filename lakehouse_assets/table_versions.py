"""A table's committed versions, and putting a table back to one of them (Delta time travel). No Dagster here.

A restore is itself a commit: the versions after the one restored stay in the history, so a restore can be
undone by restoring the version it replaced. Tables built from the restored one are not touched; re-materialise
them to follow.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from pyspark.errors import PySparkException
from pyspark.sql import SparkSession

from .tables import TableError, TableLocator, TableRef, table_exists

_TABLE_NAME = re.compile(r"^(?P<layer>[A-Za-z_][A-Za-z0-9_]*)/(?P<table>[A-Za-z_][A-Za-z0-9_]*)$")


@dataclass(frozen=True)
class Commit:
    version: int
    timestamp: datetime
    operation: str
    note: str  # the writer's userMetadata: which Dagster run and step wrote it
    rows: str  # what the operation's metrics say it wrote or restored


@dataclass(frozen=True)
class Restored:
    table: str
    restored_version: int
    replaced_version: int
    new_version: int


def parse_table_name(text: str, locator: TableLocator) -> TableRef:
    """`layer/table` (e.g. bronze/flights) to its table; anything else is a TableError saying what is expected."""
    match = _TABLE_NAME.match(text.strip())
    if not match:
        raise TableError(f"{text!r} is not a table name; expected <layer>/<table>, e.g. bronze/flights")
    return locator.locate(match["layer"], match["table"])


def table_history(spark: SparkSession, ref: TableRef) -> list[Commit]:
    """Every version Delta still has a log entry for, newest first."""
    if not table_exists(spark, ref):
        raise TableError(
            f"no Delta table {ref.layer}/{ref.table} at {ref.display}; check the name, or materialise it first"
        )
    rows = spark.sql(f"DESCRIBE HISTORY {ref.sql_ref}").orderBy("version", ascending=False).collect()
    return [
        Commit(
            version=int(row["version"]),
            timestamp=row["timestamp"],
            operation=row["operation"],
            note=row["userMetadata"] or "",
            rows=_rows_metric(row["operationMetrics"] or {}),
        )
        for row in rows
    ]


def restore_table(spark: SparkSession, ref: TableRef, version: int) -> Restored:
    """Make `version` the table's content again, as a new commit."""
    history = table_history(spark, ref)
    versions = sorted(commit.version for commit in history)
    current = versions[-1]
    name = f"{ref.layer}/{ref.table}"
    if version not in versions:
        raise TableError(
            f"{name} has no version {version}; it has versions {versions[0]}..{current} "
            f"(see `lakehouse history {name}`)"
        )
    if version == current:
        raise TableError(f"{name} is at version {version} already; nothing to restore")
    try:
        spark.sql(f"RESTORE TABLE {ref.sql_ref} TO VERSION AS OF {int(version)}")
    except PySparkException as error:
        text = str(error)
        if "FileNotFound" in text or "DELTA_FILE_NOT_FOUND" in text or "VACUUM" in text.upper():
            raise TableError(
                f"{name}: the data files of version {version} are gone (removed by VACUUM); it cannot be restored"
            ) from error
        raise
    new_version = table_history(spark, ref)[0].version
    return Restored(table=name, restored_version=version, replaced_version=current, new_version=new_version)


def _rows_metric(metrics: dict) -> str:
    for key in ("numOutputRows", "numTargetRowsInserted", "numRestoredFiles"):
        if key in metrics:
            label = {"numOutputRows": "rows", "numTargetRowsInserted": "rows inserted", "numRestoredFiles": "files restored"}
            return f"{metrics[key]} {label[key]}"
    return ""

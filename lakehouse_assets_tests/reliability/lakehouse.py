"""What the reliability tests share: definitions writing to their own warehouse, and table fingerprints."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import dagster as dg
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from lakehouse_assets.definitions import build_definitions
from lakehouse_assets.settings import Settings
from lakehouse_assets.tables import TableLocator, TableRef, read_table

# Full runs set this (e.g. 20); CI runs a few trials of each randomised property.
TRIALS_ENV = "LAKEHOUSE_RELIABILITY_TRIALS"
INGESTION_TIMES = {"_ingested_at", "ingested_at"}
# silver/flights and what it stands on: bronze/flights (+ quarantine, file ledger) and the airports dimension.
FLIGHTS_SLICE = dg.AssetSelection.assets(["silver", "flights"]).upstream().required_multi_asset_neighbors()


def trials(default: int) -> int:
    return int(os.environ.get(TRIALS_ENV) or default)


def with_warehouse(settings: Settings, warehouse: Path) -> Settings:
    """`settings` writing tables (and reports) under `warehouse`, reading the same landing zone."""
    storage = settings.environment.storage.model_copy(update={"warehouse": str(warehouse), "reports": str(warehouse / "reports")})
    return dataclasses.replace(settings, environment=settings.environment.model_copy(update={"storage": storage}))


def defs_for(settings: Settings, warehouse: Path) -> dg.Definitions:
    return build_definitions(with_warehouse(settings, warehouse))


def delta_tables(warehouse: Path) -> dict[str, TableRef]:
    """Every Delta table under the warehouse, as `layer/table` -> ref (found by its _delta_log folder)."""
    locator = TableLocator(str(warehouse))
    found = {}
    for log in sorted(warehouse.glob("*/*/_delta_log")):
        layer, table = log.parent.parent.name, log.parent.name
        found[f"{layer}/{table}"] = locator.locate(layer, table)
    return found


def content_hash(spark: SparkSession, ref: TableRef) -> tuple[int, int]:
    """(row count, order-independent hash of every row), ingestion timestamps left out."""
    frame = read_table(spark, ref)
    columns = sorted(column for column in frame.columns if column not in INGESTION_TIMES)
    row_hash = F.xxhash64(*[F.col(f"`{column}`").cast("string") for column in columns])
    row = frame.select(F.count("*").alias("n"), F.sum(row_hash.cast("decimal(38,0)")).alias("h")).first()
    return int(row["n"]), int(row["h"] or 0)


def hashes(spark: SparkSession, warehouse: Path) -> dict[str, tuple[int, int]]:
    return {name: content_hash(spark, ref) for name, ref in delta_tables(warehouse).items()}


def newest_log_version(ref: TableRef) -> int:
    """The highest committed version as the files say: N.json is written whole (put-if-absent) or not at all."""
    return max(int(path.stem) for path in Path(ref.location, "_delta_log").glob("*.json"))

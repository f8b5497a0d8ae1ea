"""Database tables (the jdbc feeds of config/feeds.json: airlines, airports, planes, ...) typed by their contracts.

A full load reads the whole table and replaces bronze. An incremental load (a watermark column is configured
and bronze already holds watermarks) reads rows whose watermark is at or above the highest one loaded so far
and upserts them on the natural key; the bound is inclusive so rows committed late with the same watermark are
not missed, and re-reading a row changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from ..settings.models import DriftPolicy, JdbcTableSettings
from ..tables import read_once
from .conformance import Tally, flag_duplicate_keys, loaded_rows, quarantined_rows, tally
from .contracts import Contract, apply_contract, load_contract
from .jdbc import INGESTED_AT, SOURCE_TABLE, WATERMARK, JdbcSource, read_source_table


@dataclass(frozen=True)
class TableFeed:
    """A jdbc feed of config/feeds.json: the table's name in bronze, its contract, the asset's description."""

    name: str
    contract: Contract
    description: str = ""


@dataclass(frozen=True)
class ReferenceLoad:
    loaded: DataFrame
    quarantined: DataFrame
    tally: Tally
    natural_key: tuple[str, ...]
    incremental: bool
    watermark_from: Any
    watermark_to: Any
    added_columns: list[str]
    partitions: int


def load_reference_table(
    spark: SparkSession,
    source: JdbcSource,
    name: str,
    table: JdbcTableSettings,
    drift_policy: DriftPolicy = "rescue",
    watermark_from: Any = None,
    contract: Contract | None = None,
) -> ReferenceLoad:
    """Read, type and split one table (contract: the feed's; default the shipped schemas/<name>.json); the read
    is materialised once so every count agrees."""
    contract = contract or load_contract(name)
    incremental = table.watermark_column is not None and watermark_from is not None
    read = read_source_table(spark, source, name, table, contract, drift_policy, watermark_from if incremental else None)
    watermark = (table.watermark_column or "").lower()
    drifted = [column for column in read.unexpected if column.lower() != watermark]
    frame = read.frame.drop(*[column for column in read.unexpected if column.lower() == watermark])
    typed = apply_contract(frame, contract, unexpected=drifted if drift_policy == "rescue" else ())
    # One database read for everything below: counts, loaded rows and quarantine come from the same rows.
    typed = read_once(flag_duplicate_keys(typed, contract.natural_key))
    counts = tally(typed)
    keep = [SOURCE_TABLE, *([WATERMARK] if table.watermark_column else []), INGESTED_AT]
    watermark_to = typed.agg(F.max(WATERMARK)).first()[0] if table.watermark_column else None
    return ReferenceLoad(
        loaded=loaded_rows(typed),
        quarantined=quarantined_rows(typed, keep),
        tally=counts,
        natural_key=contract.natural_key,
        incremental=incremental,
        watermark_from=watermark_from if incremental else None,
        watermark_to=watermark_to,
        added_columns=drifted if drift_policy == "add" else [],
        partitions=read.partitions,
    )


def high_watermark(*frames: DataFrame | None) -> Any:
    """The highest `_source_watermark` across bronze and its quarantine; None when neither has one yet."""
    values = [
        frame.agg(F.max(WATERMARK)).first()[0] for frame in frames if frame is not None and WATERMARK in frame.columns
    ]
    values = [value for value in values if value is not None]
    return max(values) if values else None

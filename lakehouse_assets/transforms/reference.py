"""Silver reference dimensions: airlines, airports, planes, one row per natural key."""

from __future__ import annotations

from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

from ..lineage import ColumnLineage, renamed, same_name


def _one_per_key(frame: DataFrame, key: str) -> DataFrame:
    """Deterministically keep one row per key (the most complete: fewest nulls, then lowest values)."""
    completeness = sum(F.col(column).isNull().cast("int") for column in frame.columns)
    ordered = Window.partitionBy(key).orderBy(completeness.asc(), *[F.col(c).asc_nulls_last() for c in frame.columns])
    return frame.withColumn("_rank", F.row_number().over(ordered)).where("_rank = 1").drop("_rank")


def _text(name: str, alias: str | None = None):
    return F.nullif(F.trim(F.col(name)), F.lit("")).alias(alias or name)


def clean_airlines(bronze: DataFrame) -> DataFrame:
    return _one_per_key(bronze.select(F.upper(F.trim("carrier")).alias("carrier"), _text("name")), "carrier")


def clean_airports(bronze: DataFrame) -> DataFrame:
    """Airports with coordinates, altitude (feet) and IANA time zone (`tzone`), used to place flights in time."""
    return _one_per_key(
        bronze.select(
            F.upper(F.trim("faa")).alias("faa"),
            _text("name"),
            F.col("lat").cast("double"),
            F.col("lon").cast("double"),
            F.col("alt").cast("int").alias("altitude_ft"),
            F.col("tz").cast("int").alias("utc_offset_hours"),
            _text("dst"),
            _text("tzone"),
        ),
        "faa",
    )


def clean_planes(bronze: DataFrame) -> DataFrame:
    """Planes by tail number. Impossible build years (0, next year) are already null: the contract bounds them."""
    return _one_per_key(
        bronze.select(
            F.upper(F.trim("tailnum")).alias("tailnum"),
            F.col("year").cast("int").alias("year_built"),
            _text("type"),
            _text("manufacturer"),
            _text("model"),
            F.col("engines").cast("int"),
            F.col("seats").cast("int"),
            F.col("speed").cast("double").alias("speed_mph"),
            _text("engine"),
        ),
        "tailnum",
    )


# Column lineage of each dimension (`_one_per_key` picks rows, it computes no column).
AIRLINES_LINEAGE: ColumnLineage = same_name("bronze/airlines", ("carrier", "name"))
AIRPORTS_LINEAGE: ColumnLineage = renamed(
    "bronze/airports",
    {
        "faa": "faa", "name": "name", "lat": "lat", "lon": "lon", "altitude_ft": "alt", "utc_offset_hours": "tz",
        "dst": "dst", "tzone": "tzone",
    },
)  # fmt: skip
PLANES_LINEAGE: ColumnLineage = renamed(
    "bronze/planes",
    {
        "tailnum": "tailnum", "year_built": "year", "type": "type", "manufacturer": "manufacturer", "model": "model",
        "engines": "engines", "seats": "seats", "speed_mph": "speed", "engine": "engine",
    },
)  # fmt: skip

"""Read the airline ops feed's daily CSV files as delivered, tagged with where and when each row came from."""

from __future__ import annotations

from collections.abc import Sequence

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import StringType, StructField, StructType

from ..landing.layout import LandedFile
from ..landing.seed import FLIGHT_COLUMNS

DAY_IN_PATH = r"/(\d{4}-\d{2}-\d{2})/[^/]+$"


def read_flight_files(spark: SparkSession, files: Sequence[LandedFile]) -> DataFrame:
    """Every source column as text, plus the partition day (from the day folder) and ingestion metadata."""
    schema = StructType([StructField(column, StringType()) for column in FLIGHT_COLUMNS])
    raw = spark.read.csv([landed.path for landed in files], header=True, schema=schema)
    return raw.select(
        F.to_date(F.regexp_extract(F.col("_metadata.file_path"), DAY_IN_PATH, 1)).alias("flight_date"),
        *FLIGHT_COLUMNS,
        F.col("_metadata.file_path").alias("_source_file"),
        F.col("_metadata.file_modification_time").alias("_source_modified_at"),
        F.current_timestamp().alias("_ingested_at"),
    )

"""Weather payload pages -> rows typed by the weather contract, each tagged with the day it was delivered for.

`observation_date` is the local day asked for (the partition). An observation whose own year/month/day is not
that day, is not a calendar date, or is not a JSON object at all, is quarantined with the reason; misfit
non-key values are rescued. Fields the contract does not know follow the drift policy.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import DateType, LongType, StringType, StructField, StructType, TimestampType

from ..settings.models import DriftPolicy
from .conformance import RAW
from .contracts import VIOLATION, Contract, apply_contract
from .weather_payload import PayloadError, WeatherPage

OBSERVATION_DATE = "observation_date"
SOURCE = "_source_file"  # the page URL (api) or the landing file
MODIFIED = "_source_modified_at"  # the page's Last-Modified, or the file's modification time
PAGE = "_page"
RECORD = "_record"
INGESTED_AT = "_ingested_at"
_NOT_OBJECT = "_not_an_object"
PROVENANCE = [OBSERVATION_DATE, SOURCE, MODIFIED, PAGE, RECORD, INGESTED_AT]


def weather_rows(
    spark: SparkSession, pages: Sequence[WeatherPage], contract: Contract, drift_policy: DriftPolicy = "rescue"
) -> DataFrame:
    """Typed observations of `pages` (by the feed's `contract`) with `_rescued_data`, `_contract_violation`, `_raw`
    and provenance."""
    unexpected = _unexpected_fields(pages, contract.columns)
    if unexpected and drift_policy == "fail":
        where = next(iter(unexpected.values()))
        raise PayloadError(
            f"{where}: field(s) {', '.join(unexpected)} not in {contract.origin} and the drift policy is 'fail'; "
            f"nothing was written. Add them to the schema file, or set sources.{contract.name}.drift_policy to rescue or add"
        )
    extra = sorted(unexpected)
    text_columns = [*contract.columns, *extra]
    schema = StructType(
        [
            StructField(OBSERVATION_DATE, DateType()),
            *[StructField(column, StringType()) for column in text_columns],
            StructField(RAW, StringType()),
            StructField(_NOT_OBJECT, StringType()),
            StructField(SOURCE, StringType()),
            StructField(MODIFIED, TimestampType()),
            StructField(PAGE, LongType()),
            StructField(RECORD, LongType()),
        ]
    )
    rows = [
        (page.day, *_texts(item, text_columns), _json(item), _shape_problem(item), page.source, page.modified, page.page, index)
        for page in pages
        for index, item in enumerate(page.observations)
    ]
    raw = spark.createDataFrame(rows, schema).withColumn(INGESTED_AT, F.current_timestamp())
    typed = apply_contract(raw, contract, unexpected=extra if drift_policy == "rescue" else ())
    own_day = F.try_to_date(F.format_string("%04d-%02d-%02d", F.col("year"), F.col("month"), F.col("day")), "yyyy-MM-dd")
    not_a_date = F.format_string("year/month/day %s-%s-%s is not a calendar date", "year", "month", "day")
    other_day = F.format_string("observation for %s delivered for %s", own_day.cast("string"), F.col(OBSERVATION_DATE).cast("string"))
    date_problem = F.when(own_day.isNull(), not_a_date).when(own_day != F.col(OBSERVATION_DATE), other_day)
    reason = F.coalesce(F.col(_NOT_OBJECT), F.col(VIOLATION), date_problem)
    return typed.withColumn(VIOLATION, reason).drop(_NOT_OBJECT)


def added_fields(pages: Sequence[WeatherPage], contract: Contract) -> list[str]:
    return sorted(_unexpected_fields(pages, contract.columns))


def _unexpected_fields(pages: Sequence[WeatherPage], known: Sequence[str]) -> dict[str, str]:
    """Unknown field -> where it was first seen."""
    found: dict[str, str] = {}
    known_set = set(known)
    for page in pages:
        for index, observation in enumerate(page.observations):
            if isinstance(observation, dict):
                for key in observation:
                    if key not in known_set and key not in found:
                        found[key] = f"{page.source} (page {page.page}, observation {index})"
    return found


def _texts(observation: Any, columns: Sequence[str]) -> list[str | None]:
    if not isinstance(observation, dict):
        return [None] * len(columns)
    return [_text(observation.get(column)) for column in columns]


def _text(value: Any) -> str | None:
    """A JSON value as delivered: strings as they are, everything else as its JSON text."""
    if value is None or isinstance(value, str):
        return value
    return _json(value)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=True)


def _shape_problem(observation: Any) -> str | None:
    if isinstance(observation, dict):
        return None
    return f"observation is a JSON {type(observation).__name__}, not an object"

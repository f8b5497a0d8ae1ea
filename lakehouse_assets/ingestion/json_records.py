"""JSON records (one object per line, or the elements of a file's array) split into the contract's text columns.

The same shape `csv_lines.parse_lines` gives, so `type_lines` types both. A value arrives as its JSON text
(strings as they are, numbers and nested values as JSON), and the contract decides whether it fits. A record
that is not one JSON object (broken JSON, an array, a number) is malformed and quarantined with its raw text.
"""

from __future__ import annotations

from collections.abc import Mapping

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql.types import StringType, StructField, StructType

from .contracts import Contract
from .csv_header import HeaderPlan
from .csv_lines import MAX_LINE_BYTES, line_problem, line_text
from .landed_text import JSON_OPTIONS, is_one_json_value

# Where the parser puts a record it cannot read whole (a name no producer uses).
_UNPARSED = "_lakehouse_unparsed_record"


def record_text(raw: Column) -> Column:
    """A record's JSON text: the line without a CRLF's carriage return or a byte-order mark (a file's first line)."""
    return F.regexp_replace(line_text(raw), "^\ufeff", "")


def field_names(records: DataFrame, max_line_bytes: int = MAX_LINE_BYTES) -> dict[str, tuple[str, ...]]:
    """Per file (`_path`), the field names its records use, sorted; records that are not objects add none."""
    text = record_text(F.col("_raw"))
    keys = F.json_object_keys(text)
    readable = line_problem(F.col("_raw"), max_line_bytes).isNull() & is_one_json_value(text)
    used = records.where(readable).select("_path", F.explode(keys).alias("_name")).distinct()
    names: dict[str, list[str]] = {}
    for row in used.collect():
        names.setdefault(row._path, []).append(row._name)
    return {path: tuple(sorted(found)) for path, found in names.items()}


def parse_records(
    records: DataFrame, plan: HeaderPlan, contract: Contract, extras: Mapping[str, str], max_line_bytes: int = MAX_LINE_BYTES
) -> DataFrame:
    """Split `records` (a `_raw` binary column plus any others) of files sharing `plan` into text columns:
    the contract's (null where a record lacks one), one per extra field named by `extras`, `_line_problem`
    and `_malformed`."""
    problem = line_problem(F.col("_raw"), max_line_bytes)
    text = record_text(F.col("_raw"))
    # Fields are matched by the exact name the file uses; the plan maps them to contract columns case-blind.
    schema = StructType([StructField(name, StringType()) for name in (*plan.names, _UNPARSED)])
    options = {**JSON_OPTIONS, "columnNameOfCorruptRecord": _UNPARSED}
    staged = records.select(
        "*",
        problem.alias("_line_problem"),
        F.when(problem.isNull(), F.from_json(text, schema, options)).alias("_fields"),
    )
    fields = F.col("_fields")
    not_one_object = (
        F.col("_raw").isNull()
        | F.json_object_keys(text).isNull()
        | ~is_one_json_value(text)
        | fields[_UNPARSED].isNotNull()
    )
    malformed = F.when(not_one_object, F.lit("malformed JSON: the record is not one JSON object"))
    return staged.select(
        *records.columns,
        "_line_problem",
        F.when(F.col("_line_problem").isNull(), malformed).alias("_malformed"),
        *[
            (fields[plan.names[plan.positions[column]]] if column in plan.positions else F.lit(None).cast("string")).alias(column)
            for column in contract.columns
        ],
        *[fields[plan.names[position]].alias(extras[name]) for position, name in plan.rescued_names().items()],
    )

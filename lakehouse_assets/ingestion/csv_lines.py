"""CSV lines parsed against their file's header and typed by the contract; a reason marks each line that cannot load.

The feed is line-oriented: one record per line. Quoted fields may hold the delimiter and doubled quotes, not
line breaks. A line fails, in this order, on: its bytes (too long, not UTF-8, NUL), its CSV shape (field
count, quotes), then the contract (key fields missing or misfit). Values of non-key fields that do not fit
are rescued, not failed.
"""

from __future__ import annotations

from collections.abc import Mapping

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from .contracts import VIOLATION, Contract, apply_contract
from .csv_header import HeaderPlan

REASON = "_reason"
# One record of this feed is ~150 bytes; a line this long is garbage or a broken export, never a record.
MAX_LINE_BYTES = 65_536
CSV_OPTIONS = {"mode": "PERMISSIVE", "columnNameOfCorruptRecord": "_corrupt", "escape": '"'}


def line_text(raw: Column) -> Column:
    """The line as text, without the carriage return of a CRLF line end."""
    return F.regexp_replace(raw.cast("string"), "\r$", "")


def line_problem(raw: Column, max_bytes: int = MAX_LINE_BYTES) -> Column:
    text = raw.cast("string")
    size = F.octet_length(raw)
    return (
        F.when(size > max_bytes, F.format_string("line is %,d bytes, over the %,d-byte limit of one record", size, F.lit(max_bytes)))
        .when(~F.is_valid_utf8(text), F.lit("line is not valid UTF-8 text"))
        .when(F.instr(text, "\u0000") > 0, F.lit("line holds NUL bytes"))
    )


def _malformed(fields: Column, text: Column, width: int) -> Column:
    quotes = F.length(text) - F.length(F.regexp_replace(text, '"', ""))
    count = F.size(F.split(F.regexp_replace(text, r'"(?:[^"]|"")*"', ""), ",", -1))
    return F.when(
        fields["_corrupt"].isNotNull(),
        F.when(quotes % 2 == 1, F.lit("malformed CSV: unbalanced quotes"))
        .when(count != width, F.format_string("malformed CSV: %d field(s) where the header has %d", count, F.lit(width)))
        .otherwise(F.lit("malformed CSV: misplaced quotes")),
    )


def parse_lines(
    lines: DataFrame, plan: HeaderPlan, contract: Contract, extras: Mapping[str, str], max_line_bytes: int = MAX_LINE_BYTES
) -> DataFrame:
    """Split `lines` (a `_raw` binary column plus any others) of files sharing `plan` into text columns.

    Gives the contract's columns (null where the file lacks one), one column per extra field named by
    `extras` (the extra's name in the file -> column name), `_line_problem` and `_malformed`.
    """
    problem = line_problem(F.col("_raw"), max_line_bytes)
    schema = ", ".join([f"_c{position} string" for position in range(plan.width)] + ["_corrupt string"])
    staged = lines.select(
        "*",
        problem.alias("_line_problem"),
        F.when(problem.isNull(), F.from_csv(line_text(F.col("_raw")), schema, CSV_OPTIONS)).alias("_fields"),
    )
    fields = F.col("_fields")
    text_columns = [
        (fields[f"_c{plan.positions[column]}"] if column in plan.positions else F.lit(None).cast("string")).alias(column)
        for column in contract.columns
    ]
    return staged.select(
        *lines.columns,
        "_line_problem",
        _malformed(fields, line_text(F.col("_raw")), plan.width).alias("_malformed"),
        *text_columns,
        *[fields[f"_c{position}"].alias(extras[name]) for position, name in plan.rescued_names().items()],
    )


def type_lines(parsed: DataFrame, contract: Contract, extras: Mapping[str, str], policy: str) -> DataFrame:
    """Type parsed lines (of any number of headers) by the contract at once; adds `_rescued_data` and `_reason`.

    `extras` maps each extra field's name in the files to its column. With policy `add` the extra columns
    stay, renamed to the field's name in lower case; otherwise their values go to `_rescued_data`.
    """
    if policy == "add":
        typed = apply_contract(parsed, contract).withColumnsRenamed({column: name.lower() for name, column in extras.items()})
    else:
        typed = apply_contract(parsed, contract, unexpected={column: name for name, column in extras.items()})
    reason = F.coalesce(F.col("_line_problem"), F.col("_malformed"), F.col(VIOLATION))
    return typed.withColumn(REASON, reason).drop("_line_problem", "_malformed", VIOLATION)

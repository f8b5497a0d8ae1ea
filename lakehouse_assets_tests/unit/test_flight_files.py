"""Every kind of bad flights file gives bronze rows, quarantined lines or a rejected file; no line is ever lost."""

import json
from datetime import UTC, date, datetime

import pytest
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from lakehouse_assets.ingestion.csv_header import DriftError
from lakehouse_assets.ingestion.file_feed import FeedIngestion, ingest_feed_files
from lakehouse_assets.ingestion.file_ledger import partition_figures
from lakehouse_assets.landing.layout import list_landed
from lakehouse_assets_tests.feeds import FLIGHTS_FEED, FLIGHTS_GLOB
from lakehouse_assets_tests.flight_corpus import CASES, TAILNUM, TEN_MB, data_lines, real_rows, set_field, write_cases

DAY = date(2013, 1, 1)
HUGE_LINE_BYTES = len(set_field(real_rows(DAY, 1)[1][0], TAILNUM, b"N" * TEN_MB))
INGESTED_AT = datetime(2024, 5, 1, 12, tzinfo=UTC)
QUARANTINE_REASONS = {
    "truncated_last_line.csv": ["malformed CSV: 8 field(s) where the header has 19"],
    "wrong_types.csv": ["key field flight does not fit the contract: abc"],
    "latin1.csv": ["line is not valid UTF-8 text"],
    "dates_outside.csv": ["flight date 2013-01-02 is outside partition 2013-01-01", "year/month/day 2013-2-30 is not a calendar date"],
    "huge_field.csv": [f"line is {HUGE_LINE_BYTES:,} bytes, over the 65,536-byte limit of one record"],
    "nul_bytes.csv": ["line holds NUL bytes"],
    "unbalanced_quote.csv": ["malformed CSV: unbalanced quotes"],
}


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> str:
    root = tmp_path_factory.mktemp("landing")
    write_cases(root / "flights" / DAY.isoformat(), DAY)
    return str(root)


@pytest.fixture(scope="module")
def ingestion(spark: SparkSession, landing: str) -> FeedIngestion:
    return ingest_feed_files(spark, FLIGHTS_FEED, list_landed(landing, "flights", DAY, FLIGHTS_GLOB), ingested_at=INGESTED_AT)


@pytest.fixture(scope="module")
def outcome(ingestion: FeedIngestion) -> dict:
    """Per file name: ledger entry, bronze rows and quarantined rows."""
    bronze = ingestion.bronze.withColumn("name", F.element_at(F.split("_source_file", "/"), -1)).collect()
    quarantine = ingestion.quarantine.withColumn("name", F.element_at(F.split("_source_file", "/"), -1)).collect()
    return {
        entry.path.rsplit("/", 1)[-1]: (entry, [r for r in bronze if r.name == entry.path.rsplit("/", 1)[-1]], [r for r in quarantine if r.name == entry.path.rsplit("/", 1)[-1]])
        for entry in ingestion.entries
    }


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_each_bad_file_has_its_outcome_and_keeps_every_line(case, outcome, landing: str) -> None:
    entry, loaded, quarantined = outcome[case.name]
    if case.expect[0] == "rejected":
        assert (entry.status, loaded, quarantined) == ("rejected", [], [])
        assert case.expect[1] in entry.reason
        return
    assert entry.status == "loaded" and entry.reason is None
    assert (len(loaded), len(quarantined)) == case.expect[1:]
    assert (entry.rows_loaded, entry.rows_quarantined) == case.expect[1:]
    content = (list_landed(landing, "flights", DAY, FLIGHTS_GLOB)[0].path.rsplit("/", 1)[0] + "/" + case.name)
    with open(content, "rb") as handle:
        expected_lines = data_lines(handle.read())
    assert entry.rows_read == len(expected_lines)
    assert sorted(row._source_line for row in [*loaded, *quarantined]) == expected_lines  # no line lost or doubled
    assert sorted(row.reason for row in quarantined) == sorted(QUARANTINE_REASONS.get(case.name, []))


def test_partition_conservation_holds_over_the_whole_corpus(ingestion: FeedIngestion) -> None:
    figures = partition_figures(ingestion.entries)[DAY]
    assert figures["rows_read"] == ingestion.bronze.count() + ingestion.quarantine.count()
    assert figures["rows_read"] == figures["rows_loaded"] + figures["rows_quarantined"]
    assert figures["files_rejected"] == sum(1 for case in CASES if case.expect[0] == "rejected")


def test_good_rows_are_typed_by_the_contract(outcome) -> None:
    _, [first, *_], _ = outcome["good.csv"]
    assert (first.flight_date, first.year, first.carrier, first.flight, first.dep_delay) == (DAY, 2013, "UA", 1545, 2)
    assert first.time_hour == datetime(2013, 1, 1, 10) and first._rescued_data is None
    assert first._source_modified_at is not None and first._source_line == 2


def test_bom_crlf_quotes_and_odd_names_load_the_same_values_as_a_plain_file(outcome) -> None:
    def values(name):
        return [(r.carrier, r.flight, r.tailnum, r.dest, r.time_hour) for r in sorted(outcome[name][1], key=lambda r: r._source_line)]

    plain = values("good.csv")
    assert values("bom.csv") == values("crlf.csv") == plain[:3]
    assert values("name with spaces ü.csv") == plain[:2]
    quoted = values("quoted.csv")
    assert quoted[0][2] == 'N1,"4"' and quoted[1] == plain[1]
    assert outcome["name with spaces ü.csv"][0].path.endswith("/name with spaces ü.csv")


def test_misfit_values_and_extra_columns_are_rescued_verbatim(outcome) -> None:
    _, [late], _ = outcome["wrong_types.csv"]
    assert (late.dep_delay, json.loads(late._rescued_data)) == (None, {"dep_delay": "late"})
    entry, extra_rows, _ = outcome["extra_column.csv"]
    assert [json.loads(row._rescued_data) for row in extra_rows] == [{"gate": "B12"}] * 2
    assert entry.extra_columns == ("gate",)
    entry, missing_rows, _ = outcome["missing_column.csv"]
    assert entry.missing_columns == ("air_time",) and [row.air_time for row in missing_rows] == [None, None]


def test_quarantine_keeps_the_raw_line_and_exact_bytes(outcome) -> None:
    _, _, [latin1] = outcome["latin1.csv"]
    assert b"N\xe9428" in latin1.raw_bytes and "N\ufffd428" in latin1.raw_line
    _, _, [huge] = outcome["huge_field.csv"]
    assert len(huge.raw_line) == HUGE_LINE_BYTES and huge.raw_bytes is None
    _, _, [nul] = outcome["nul_bytes.csv"]
    assert "N1\x0042" in nul.raw_line


def test_duplicate_rows_are_both_kept_in_bronze(outcome) -> None:
    _, rows, _ = outcome["duplicate_rows.csv"]
    assert [row._source_line for row in rows] == [2, 3] and rows[0].flight == rows[1].flight


def test_drift_policy_fail_names_the_file_and_column_before_anything_is_parsed(spark: SparkSession, tmp_path) -> None:
    header, rows = real_rows(DAY, 2)
    folder = tmp_path / "flights" / DAY.isoformat()
    folder.mkdir(parents=True)
    (folder / "a.csv").write_bytes(b"\n".join([header, rows[0]]))
    (folder / "b.csv").write_bytes(b"\n".join([header + b",Gate", rows[1] + b",B12"]))
    with pytest.raises(DriftError, match=r"b\.csv: column 'Gate' is not in the flights contract") as error:
        ingest_feed_files(spark, FLIGHTS_FEED, list_landed(str(tmp_path), "flights", DAY, FLIGHTS_GLOB), ingested_at=INGESTED_AT, drift_policy="fail")
    assert "a.csv" not in str(error.value) and "nothing was written" in str(error.value)

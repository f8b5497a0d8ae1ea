"""JSON lines and JSON array feeds, declared in feeds.json: every record is loaded or quarantined with its reason,
files that are no JSON of the format are rejected whole, and the records read add up."""

import gzip
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from pyspark.sql import SparkSession

from lakehouse_assets.ingestion.csv_header import DriftError
from lakehouse_assets.ingestion.file_feed import FeedIngestion, file_feed, ingest_feed_files
from lakehouse_assets.landing.layout import list_landed
from lakehouse_assets.settings.feeds import Feed

DAY = date(2013, 3, 1)
AT = datetime(2024, 5, 1, 12, tzinfo=UTC)
CONTRACT = {
    "type": "object",
    "required": ["sold_on", "store", "receipt"],
    "x-natural-key": ["store", "receipt"],
    "properties": {
        "sold_on": {"type": "string", "format": "date"},
        "store": {"type": "string", "pattern": "^S[0-9]{3}$"},
        "receipt": {"type": "integer", "minimum": 1},
        "amount": {"type": "number", "minimum": 0},
    },
}
GOOD = {"sold_on": "2013-03-01", "store": "S001", "receipt": 1, "amount": 9.5}


def record(**changes) -> dict:
    return {**GOOD, **changes}


def ingest(spark: SparkSession, tmp_path: Path, fmt: str, files: dict[str, bytes], policy: str = "rescue") -> FeedIngestion:
    (tmp_path / "contracts").mkdir(parents=True, exist_ok=True)
    (tmp_path / "contracts" / "sales.json").write_text(json.dumps(CONTRACT))
    glob = "*.jsonl" if fmt == "json_lines" else "*.json"
    feed = file_feed(
        Feed(name="sales", format=fmt, contract="contracts/sales.json", partition_column="sale_day", row_day=("sold_on",)),
        tmp_path,
    )
    day_dir = tmp_path / "landing" / "sales" / DAY.isoformat()
    day_dir.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (day_dir / name).write_bytes(content)
    landed = list_landed(str(tmp_path / "landing"), "sales", DAY, glob)
    return ingest_feed_files(spark, feed, landed, ingested_at=AT, drift_policy=policy)


def lines(*records) -> bytes:
    return b"\n".join(item if isinstance(item, bytes) else json.dumps(item).encode() for item in records) + b"\n"


def outcome(ingestion: FeedIngestion) -> tuple[dict, list, list]:
    entries = {entry.path.rsplit("/", 1)[-1]: entry for entry in ingestion.entries}
    bronze = sorted(ingestion.bronze.collect(), key=lambda row: (row._source_file, row._source_line))
    quarantine = sorted(ingestion.quarantine.collect(), key=lambda row: (row._source_file, row._source_line))
    return entries, bronze, quarantine


def test_json_lines_records_are_typed_rescued_or_quarantined_with_their_reason(spark, tmp_path) -> None:
    content = lines(
        GOOD,
        record(receipt="2", amount="-1", Till="T9"),  # a number as text fits; a negative amount is rescued; Till is extra
        b'{"sold_on": "2013-03-01", "store": "S001", ',  # broken JSON
        b"[1, 2]",  # not an object
        record(receipt=0),  # key field out of range
        {"store": "S002", "receipt": 3},  # no sold_on: a key field is missing
        record(sold_on="2013-03-02"),  # another day
        b"   ",  # blank: no record
        record(amount={"value": 1}),  # a nested value is not a number: rescued as its JSON
    )
    entries, bronze, quarantine = outcome(ingest(spark, tmp_path, "json_lines", {"a.jsonl": content}))
    entry = entries["a.jsonl"]
    assert (entry.status, entry.rows_read, entry.rows_loaded, entry.rows_quarantined) == ("loaded", 8, 3, 5)
    assert entry.extra_columns == ("Till",)
    assert [(row.receipt, row.amount, row._rescued_data) for row in bronze] == [
        (1, 9.5, None),
        (2, None, json.dumps({"amount": "-1", "Till": "T9"}, separators=(",", ":"))),
        (1, None, json.dumps({"amount": '{"value":1}'}, separators=(",", ":"))),
    ]
    assert [row.sale_day for row in bronze] == [DAY] * 3
    assert [(row._source_line, row.reason) for row in quarantine] == [
        (3, "malformed JSON: the record is not one JSON object"),
        (4, "malformed JSON: the record is not one JSON object"),
        (5, "key field receipt does not fit the contract: 0"),
        (6, "missing key field sold_on"),
        (7, "sale day 2013-03-02 is outside partition 2013-03-01"),
    ]
    assert quarantine[0].raw_line == '{"sold_on": "2013-03-01", "store": "S001", '


def test_json_array_elements_are_records_and_a_file_that_is_no_array_is_rejected(spark, tmp_path) -> None:
    array = json.dumps([GOOD, record(receipt=2), "not a record", None, record(store="X")]).encode()
    files = {
        "a.json": array,
        "object.json": json.dumps(GOOD).encode(),  # one object, not an array of them
        "broken.json": b'[{"sold_on": "2013-03-01"',
        "packed.json": gzip.compress(array),
    }
    entries, bronze, quarantine = outcome(ingest(spark, tmp_path, "json_array", files))
    assert (entries["a.json"].status, entries["a.json"].rows_read, entries["a.json"].rows_loaded) == ("loaded", 5, 2)
    assert [row.receipt for row in bronze] == [1, 2]
    assert [(row._source_line, row.reason) for row in quarantine] == [
        (3, "malformed JSON: the record is not one JSON object"),
        (4, "malformed JSON: the record is not one JSON object"),
        (5, "key field store does not fit the contract: X"),
    ]
    assert quarantine[0].raw_line == "not a record"
    for name in ("object.json", "broken.json"):
        assert (entries[name].status, entries[name].reason) == ("rejected", "not one JSON array of UTF-8 text; deliver one JSON array of objects per file")
    assert entries["packed.json"].reason == "not a text file: the content is gzip-compressed; deliver plain UTF-8 JSON"


def test_json_fields_the_contract_lacks_follow_the_drift_policy(spark, tmp_path) -> None:
    with pytest.raises(DriftError, match=r"a.jsonl: column 'till' is not in the sales contract"):
        ingest(spark, tmp_path, "json_lines", {"a.jsonl": lines(record(till="T1"))}, policy="fail")
    added = ingest(spark, tmp_path, "json_lines", {"a.jsonl": lines(record(till="T1"), GOOD)}, policy="add")
    assert added.added_columns == ("till",)
    assert sorted(((row.receipt, row.till) for row in added.bronze.collect()), key=str) == [(1, "T1"), (1, None)]


def test_a_byte_order_mark_and_crlf_line_ends_are_no_part_of_a_record(spark, tmp_path) -> None:
    crlf = b"\xef\xbb\xbf" + lines(GOOD, record(receipt=2)).replace(b"\n", b"\r\n")
    entries, bronze, quarantine = outcome(ingest(spark, tmp_path, "json_lines", {"a.jsonl": crlf}))
    assert (entries["a.jsonl"].rows_read, [row.receipt for row in bronze], quarantine) == (2, [1, 2], [])
    array = b"\xef\xbb\xbf" + json.dumps([GOOD]).encode()
    entries, bronze, quarantine = outcome(ingest(spark, tmp_path / "array", "json_array", {"a.json": array}))
    assert (entries["a.json"].status, [row.receipt for row in bronze], quarantine) == ("loaded", [1], [])


def test_what_json_producers_write_is_read_and_what_hides_records_is_not(spark, tmp_path) -> None:
    tab = b'{"sold_on": "2013-03-01", "store": "S001", "receipt": 1, "note": "a\tb"}'  # a raw tab inside a string
    two = json.dumps(record(receipt=2)).encode() + json.dumps(record(receipt=3)).encode()  # two objects, one line
    no_amount = {"sold_on": "2013-03-01", "store": "S001", "receipt": 4}  # a null left out
    files = {
        "a.jsonl": lines(tab, two, no_amount),
        "empty.jsonl": b"",
        "utf16.jsonl": json.dumps(GOOD).encode("utf-16"),
        "cases.jsonl": lines(GOOD, {**GOOD, "Store": "S002"}),
    }
    entries, bronze, quarantine = outcome(ingest(spark, tmp_path, "json_lines", files))
    assert [(row.receipt, row._rescued_data) for row in bronze] == [(1, '{"note":"a\\tb"}'), (4, None)]
    assert [(row._source_line, row.reason) for row in quarantine] == [(2, "malformed JSON: the record is not one JSON object")]
    assert (entries["empty.jsonl"].status, entries["empty.jsonl"].rows_read) == ("loaded", 0)
    assert entries["utf16.jsonl"].status == "rejected" and "NUL bytes" in entries["utf16.jsonl"].reason
    assert entries["cases.jsonl"].reason == "the records name one field in different case: 'Store' and 'store'; use one spelling"
    # Under `fail`, a field no record uses (amount) is no drift for JSON; an unknown one (note) is.
    ingest(spark, tmp_path / "fail", "json_lines", {"a.jsonl": lines(no_amount)}, policy="fail")
    with pytest.raises(DriftError, match="column 'note' is not in the sales contract"):
        ingest(spark, tmp_path / "fail", "json_lines", {"a.jsonl": lines(tab)}, policy="fail")


def test_a_json_array_with_raw_control_characters_loads_and_two_arrays_in_one_file_are_rejected(spark, tmp_path) -> None:
    tab = b'[{"sold_on": "2013-03-01", "store": "S001", "receipt": 1, "amount": 1, "note": "a\tb"}]'
    files = {"a.json": tab, "two.json": tab + b"\n" + tab, "empty.json": b"[]"}
    entries, bronze, quarantine = outcome(ingest(spark, tmp_path, "json_array", files))
    assert ([row.receipt for row in bronze], quarantine) == ([1], [])
    assert entries["two.json"].reason == "not one JSON array of UTF-8 text; deliver one JSON array of objects per file"
    assert (entries["empty.json"].status, entries["empty.json"].rows_read) == ("loaded", 0)

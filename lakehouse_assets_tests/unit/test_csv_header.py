import gzip

import pytest

from lakehouse_assets.ingestion.contracts import load_contract
from lakehouse_assets.ingestion.csv_header import DriftError, HeaderRejected, check_drift, decode_header, plan_header

FLIGHTS = load_contract("flights")
HEADER = ",".join(FLIGHTS.columns)


def decode(content: bytes, limit: int = 65_536) -> str:
    first = content.split(b"\n", 1)[0]
    return decode_header(first[:limit], content[:8].hex(), len(first), limit)


def test_bom_and_crlf_are_not_part_of_the_header() -> None:
    assert decode(b"\xef\xbb\xbf" + HEADER.encode() + b"\r\n2013,...") == HEADER


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (gzip.compress(HEADER.encode()), "not a text file: the content is gzip-compressed"),
        (b"PK\x03\x04rest", "the content is a zip archive"),
        (b"year\x00,month\n", "the first line holds NUL bytes"),
        (b"year,m\xe9nth\n", "not UTF-8 text: byte 0xe9 at 6 of the header"),
        (b"\xef\xbb\xbf \r\n2013", "no header: the first line is empty"),
        (b"year,month\rday\r", "bare carriage return"),
    ],
)
def test_first_lines_that_cannot_be_a_header_reject_the_file(content: bytes, reason: str) -> None:
    with pytest.raises(HeaderRejected, match=reason):
        decode(content)


def test_an_overlong_first_line_is_no_header() -> None:
    with pytest.raises(HeaderRejected, match="over 16 bytes"):
        decode(b"x" * 40 + b"\n", limit=16)


def test_columns_match_by_name_whatever_their_order_case_or_spacing() -> None:
    names = [" Carrier ", *[c for c in FLIGHTS.columns if c != "carrier"]]
    plan = plan_header(",".join(names), FLIGHTS)
    assert plan.positions["carrier"] == 0 and plan.positions["year"] == 1
    assert (plan.extra, plan.missing, plan.width) == ({}, (), len(FLIGHTS.columns))


def test_extra_and_missing_non_key_columns_are_drift_not_rejection() -> None:
    names = [c for c in FLIGHTS.columns if c != "air_time"] + ["Gate", '"wind, gust"', ""]
    plan = plan_header(",".join(names), FLIGHTS)
    assert plan.missing == ("air_time",)
    assert list(plan.rescued_names().values()) == ["Gate", "wind, gust", "_c20"]
    assert list(plan.added_names().values()) == ["gate", "wind, gust", ""]


def test_missing_key_columns_reject_the_file_with_a_delimiter_hint() -> None:
    with pytest.raises(HeaderRejected, match=r"lacks key column\(s\) year, month, .*looks delimited by ';'"):
        plan_header(HEADER.replace(",", ";"), FLIGHTS)
    with pytest.raises(HeaderRejected, match=r"lacks key column\(s\) carrier; found year, month"):
        plan_header(HEADER.replace("carrier", "airline"), FLIGHTS)


def test_a_repeated_column_rejects_the_file() -> None:
    with pytest.raises(HeaderRejected, match="repeats column.s. dest"):
        plan_header(HEADER + ",DEST", FLIGHTS)


def plans(*headers: str) -> dict:
    return {f"/landing/flights/2013-01-01/{index}.csv": plan_header(header, FLIGHTS) for index, header in enumerate(headers)}


def test_rescue_accepts_any_drift() -> None:
    check_drift(plans(HEADER + ",gate", HEADER.replace(",air_time", "")), "rescue", "flights")


def test_fail_names_every_file_and_column() -> None:
    with pytest.raises(DriftError) as error:
        check_drift(plans(HEADER, HEADER + ",gate", HEADER.replace(",air_time", "")), "fail", "flights")
    message = str(error.value)
    assert "/1.csv: column 'gate' is not in the flights contract" in message
    assert "/2.csv: contract column 'air_time' is missing" in message
    assert "/0.csv" not in message and "drift_policy: fail" in message


@pytest.mark.parametrize("name", ["wind gust", "", "_source_file"])
def test_add_refuses_names_a_table_cannot_take(name: str) -> None:
    check_drift(plans(HEADER + ",gate"), "add", "flights", reserved=["_source_file"])
    with pytest.raises(DriftError, match="cannot be added"):
        check_drift(plans(HEADER + f",{name}"), "add", "flights", reserved=["_source_file"])


def test_an_unknown_policy_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown drift policy 'merge'"):
        check_drift({}, "merge", "flights")

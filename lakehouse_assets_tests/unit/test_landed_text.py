from datetime import date

import fsspec
import pytest

from lakehouse_assets.ingestion.landed_text import comparable, hadoop_path
from lakehouse_assets.landing.layout import list_landed
from lakehouse_assets_tests.feeds import FLIGHTS_GLOB


@pytest.mark.parametrize(
    ("listed", "spark_reports"),
    [
        ("/l/flights/2013-01-01/a b ü.csv", "file:/l/flights/2013-01-01/a%20b%20ü.csv"),
        ("/l/flights/2013-01-01/p%20q.csv", "file:///l/flights/2013-01-01/p%2520q.csv"),
        ("/l/flights/2013-01-01/x{1}[2]?.csv", "file:/l/flights/2013-01-01/x%7B1%7D%5B2%5D%3F.csv"),
        ("/Volumes/ops/landing/a.csv", "dbfs:/Volumes/ops/landing/a.csv"),
        ("s3a://bucket/landing/a b.csv", "s3a://bucket/landing/a%20b.csv"),
        ("s3a://bucket/landing/a%20b.csv", "s3a://bucket/landing/a%2520b.csv"),
    ],
)
def test_spark_spelling_of_a_path_matches_the_listed_path(listed: str, spark_reports: str) -> None:
    assert comparable(spark_reports, from_spark=True) == comparable(listed) == listed


def test_glob_characters_in_file_names_are_escaped_for_hadoop() -> None:
    assert hadoop_path("/l/x{1}[2]?*\\.csv") == "/l/x\\{1\\}\\[2\\]\\?\\*\\\\.csv"
    assert hadoop_path("/l/plain name.csv") == "/l/plain name.csv"


def test_remote_landing_paths_keep_the_configured_scheme() -> None:
    fs = fsspec.filesystem("memory")
    fs.pipe("/lakehouse-test/flights/2013-01-01/a.csv", b"year\n")
    fs.pipe("/lakehouse-test/flights/2013-01-01/notes.txt", b"ignored")
    try:
        [landed] = list_landed("memory://lakehouse-test", "flights", date(2013, 1, 1), FLIGHTS_GLOB)
        assert (landed.path, landed.size, landed.day) == ("memory:///lakehouse-test/flights/2013-01-01/a.csv", 5, date(2013, 1, 1))
    finally:
        fs.rm("/lakehouse-test", recursive=True)

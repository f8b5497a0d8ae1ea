import hashlib
import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from pyspark.sql import SparkSession

from lakehouse_assets.ingestion.file_feed import ingest_feed_files
from lakehouse_assets.ingestion.file_ledger import (
    LOADED,
    REJECTED,
    LedgerEntry,
    compare_with_ledger,
    ledger_frame,
    read_ledger,
    sha256_of,
)
from lakehouse_assets.landing.layout import LandedFile, list_landed
from lakehouse_assets.tables import TableLocator, write_table
from lakehouse_assets_tests.feeds import FLIGHTS_FEED, FLIGHTS_GLOB
from lakehouse_assets_tests.flight_corpus import real_rows

DAY = date(2013, 1, 1)
T0 = datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)


def landed(name: str, size: int = 100, modified: datetime = T0, day: date = DAY) -> LandedFile:
    return LandedFile(path=f"/landing/flights/{day}/{name}", size=size, modified=modified, day=day)


def entry(name: str, size: int = 100, modified: datetime = T0, sha: str = "aa", status: str = LOADED, ingested: datetime = T0) -> LedgerEntry:
    return LedgerEntry("flights", DAY, f"/landing/flights/{DAY}/{name}", size, modified, sha, status, ingested_at=ingested)


def names(files) -> list[str]:
    return [item.path.rsplit("/", 1)[-1] for item in files]


def test_listing_against_ledger_sorts_new_changed_unchanged_and_removed() -> None:
    listed = [
        landed("same.csv", modified=T0 + timedelta(microseconds=400)),  # same millisecond
        landed("new.csv", day=DAY + timedelta(days=1)),
        landed("grown.csv", size=101),
        landed("rewritten.csv", modified=T0 + timedelta(seconds=5)),
        landed("rejected.csv"),
    ]
    ledger = [entry("same.csv"), entry("grown.csv"), entry("rewritten.csv"), entry("rejected.csv", status=REJECTED), entry("gone.csv")]
    changes = compare_with_ledger(listed, ledger)
    assert names(changes.new) == ["new.csv"]
    assert names(changes.changed) == ["grown.csv", "rewritten.csv"]
    assert names(changes.unchanged) == ["same.csv", "rejected.csv"]
    assert names(changes.removed) == ["gone.csv"]
    assert changes.days_to_ingest == [DAY, DAY + timedelta(days=1)]


def test_a_checksum_tells_a_touched_file_from_a_changed_one() -> None:
    listed = [landed("touched.csv", modified=T0 + timedelta(hours=1)), landed("edited.csv", modified=T0 + timedelta(hours=1))]
    ledger = [entry("touched.csv", sha="same"), entry("edited.csv", sha="before")]
    checksums = {listed[0].path: "same", listed[1].path: "after"}
    changes = compare_with_ledger(listed, ledger, checksum=checksums.__getitem__)
    assert (names(changes.unchanged), names(changes.changed)) == (["touched.csv"], ["edited.csv"])
    assert names(compare_with_ledger(listed, ledger).changed) == ["touched.csv", "edited.csv"]


def test_the_latest_ingestion_of_a_file_is_the_one_compared() -> None:
    ledger = [entry("a.csv", size=5, ingested=T0 + timedelta(days=1)), entry("a.csv", size=9, ingested=T0)]
    assert names(compare_with_ledger([landed("a.csv", size=5)], ledger).unchanged) == ["a.csv"]


def test_sha256_of_streams_any_file(tmp_path: Path) -> None:
    path = tmp_path / "big.bin"
    content = os.urandom(3 * 1024 * 1024 + 7)
    path.write_bytes(content)
    assert sha256_of(str(path), chunk_bytes=1 << 16) == hashlib.sha256(content).hexdigest()


def test_ledger_round_trips_through_delta(spark: SparkSession, tmp_path: Path) -> None:
    entries = [
        LedgerEntry("flights", DAY, "/l/a.csv", 10, T0, "ab", LOADED, None, ("air_time",), ("gate",), 3, 2, 1, T0),
        LedgerEntry("flights", DAY, "/l/b.csv", 0, T0, None, REJECTED, "empty file (0 bytes)", ingested_at=T0),
    ]
    ref = TableLocator(str(tmp_path)).locate("bronze", "flights_file_ledger")
    assert read_ledger(spark, ref) == []
    write_table(spark, ledger_frame(spark, entries), ref, partition_column="partition_date", window=(DAY, DAY + timedelta(days=1)))
    assert sorted(read_ledger(spark, ref), key=lambda e: e.path) == entries
    assert read_ledger(spark, ref, DAY + timedelta(days=1), DAY + timedelta(days=2)) == []


def test_after_ingestion_a_fresh_listing_sees_only_what_changed_since(spark: SparkSession, tmp_path: Path) -> None:
    """The watcher's question, answered with real mtimes from the file system and from Spark."""
    header, rows = real_rows(DAY, 3)
    folder = tmp_path / "flights" / DAY.isoformat()
    folder.mkdir(parents=True)
    (folder / "kept.csv").write_bytes(b"\n".join([header, rows[0]]))
    (folder / "untouched.csv").write_bytes(b"\n".join([header, rows[0]]))
    (folder / "edited.csv").write_bytes(b"\n".join([header, rows[1]]))
    (folder / "empty.csv").write_bytes(b"")
    ingestion = ingest_feed_files(spark, FLIGHTS_FEED, list_landed(str(tmp_path), "flights", DAY, FLIGHTS_GLOB), ingested_at=T0)

    (folder / "edited.csv").write_bytes(b"\n".join([header, rows[1], rows[2]]))
    (folder / "late.csv").write_bytes(b"\n".join([header, rows[2]]))
    os.utime(folder / "kept.csv")  # touched, not changed
    changes = compare_with_ledger(list_landed(str(tmp_path), "flights", DAY, FLIGHTS_GLOB), ingestion.entries, checksum=sha256_of)
    assert (names(changes.new), names(changes.changed)) == (["late.csv"], ["edited.csv"])
    assert sorted(names(changes.unchanged)) == ["empty.csv", "kept.csv", "untouched.csv"]
    # Without checksums, size and mtime (as Spark read it vs as fsspec lists it) decide.
    unchanged = compare_with_ledger(list_landed(str(tmp_path), "flights", DAY, FLIGHTS_GLOB), ingestion.entries).unchanged
    assert sorted(names(unchanged)) == ["empty.csv", "untouched.csv"]

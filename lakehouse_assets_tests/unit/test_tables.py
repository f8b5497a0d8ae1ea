from datetime import date
from pathlib import Path

import pytest
from pyspark.sql import SparkSession

from lakehouse_assets.delta_commits import commit_token
from lakehouse_assets.tables import (
    TableError,
    TableLocator,
    TableRef,
    _commit_of,
    read_table,
    rows_per_day,
    write_table,
)

JAN_1_TO_3 = (date(2013, 1, 1), date(2013, 1, 4))


def days_frame(spark: SparkSession, rows):
    return spark.createDataFrame(rows, "flight_date date, value int")


@pytest.fixture
def table(tmp_path: Path):
    return TableLocator(str(tmp_path)).locate("silver", "numbers")


def test_locator_uses_paths_or_catalog_names() -> None:
    assert TableLocator("/w").locate("bronze", "flights").location == "/w/bronze/flights"
    assert TableLocator("/w", catalog="main").locate("gold", "x").name == "main.gold.x"
    with pytest.raises(TableError, match="unknown layer"):
        TableLocator("/w").locate("platinum", "x")
    with pytest.raises(TableError, match="plain identifier"):
        TableLocator("/w").locate("bronze", "x; DROP TABLE y")


def test_replacing_a_window_leaves_other_days_and_is_idempotent(spark: SparkSession, table) -> None:
    three_days = [(date(2013, 1, day), day * 10 + n) for day in (1, 2, 3) for n in range(day)]
    write_table(spark, days_frame(spark, three_days), table, partition_column="flight_date", window=JAN_1_TO_3)
    new_jan_2 = [(date(2013, 1, 2), 99)]
    window = (date(2013, 1, 2), date(2013, 1, 3))
    first = write_table(spark, days_frame(spark, new_jan_2), table, partition_column="flight_date", window=window)
    again = write_table(spark, days_frame(spark, new_jan_2), table, partition_column="flight_date", window=window)
    assert again.version == first.version + 1
    assert sorted(read_table(spark, table).collect()) == sorted(
        [(date(2013, 1, 1), 10), (date(2013, 1, 2), 99), (date(2013, 1, 3), 30), (date(2013, 1, 3), 31), (date(2013, 1, 3), 32)]
    )
    assert rows_per_day(spark, table, "flight_date", JAN_1_TO_3) == {date(2013, 1, 1): 1, date(2013, 1, 2): 1, date(2013, 1, 3): 3}


def test_rows_outside_the_window_are_refused_and_nothing_is_written(spark: SparkSession, table) -> None:
    write_table(spark, days_frame(spark, [(date(2013, 1, 1), 1)]), table, partition_column="flight_date", window=JAN_1_TO_3)
    stray = days_frame(spark, [(date(2013, 1, 1), 2), (date(2013, 2, 1), 3)])
    with pytest.raises(TableError, match="outside the day window"):
        write_table(spark, stray, table, partition_column="flight_date", window=(date(2013, 1, 1), date(2013, 1, 2)))
    assert read_table(spark, table).collect() == [(date(2013, 1, 1), 1)]


def test_schema_change_is_refused_unless_allowed(spark: SparkSession, table) -> None:
    write_table(spark, days_frame(spark, [(date(2013, 1, 1), 1)]), table)
    wider = spark.createDataFrame([(date(2013, 1, 1), 1, "x")], "flight_date date, value int, note string")
    with pytest.raises(TableError, match=r"\+note string"):
        write_table(spark, wider, table)
    assert read_table(spark, table).columns == ["flight_date", "value"]
    write_table(spark, wider, table, allow_schema_change=True)
    assert read_table(spark, table).columns == ["flight_date", "value", "note"]


def test_reading_a_table_never_written_says_so(spark: SparkSession, table) -> None:
    with pytest.raises(TableError, match="does not exist.*materialise it first"):
        read_table(spark, table)


def data_files(table) -> dict[str, tuple[str, str]]:
    """The table's live data files, each with the first and last day it holds (from Delta's statistics)."""
    import json

    live: dict[str, tuple[str, str]] = {}
    for commit in sorted(Path(table.location, "_delta_log").glob("*.json")):
        for line in commit.read_text().splitlines():
            action = json.loads(line)
            if "add" in action:
                stats = json.loads(action["add"]["stats"])
                live[action["add"]["path"]] = (stats["minValues"]["flight_date"], stats["maxValues"]["flight_date"])
            elif "remove" in action:
                live.pop(action["remove"]["path"], None)
    return live


def test_a_day_is_one_file_and_a_backfill_one_file_per_month_each_holding_its_own_days(spark, table) -> None:
    year = [(date.fromordinal(date(2013, 1, 1).toordinal() + n % 365), n) for n in range(3650)]
    write_table(spark, days_frame(spark, year), table, partition_column="flight_date", window=(date(2013, 1, 1), date(2014, 1, 1)))
    files = data_files(table)
    assert len(files) == 12  # 365 days at 31 days a file
    spans = sorted(files.values())
    assert spans[0][0] == "2013-01-01" and spans[-1][1] == "2013-12-31"
    assert all(earlier[1] < later[0] for earlier, later in zip(spans, spans[1:], strict=False))  # no file overlaps another
    # The next day's run adds one file and leaves the others alone.
    write_table(spark, days_frame(spark, [(date(2014, 1, 1), 1)]), table, partition_column="flight_date", window=(date(2014, 1, 1), date(2014, 1, 2)))
    assert len(data_files(table)) == 13 and set(files) < set(data_files(table))


def test_reading_a_day_opens_only_the_file_that_holds_it(spark, table) -> None:
    quarter = [(date.fromordinal(date(2013, 1, 1).toordinal() + n % 90), n) for n in range(900)]
    write_table(spark, days_frame(spark, quarter), table, partition_column="flight_date", window=(date(2013, 1, 1), date(2013, 4, 1)))
    march_15 = "2013-03-15"
    for path, (first, last) in data_files(table).items():
        if not first <= march_15 <= last:
            Path(table.location, path).unlink()  # if a read of March 15 opened this file, it would fail
    frame = read_table(spark, table).where(f"flight_date = DATE'{march_15}'")
    assert sorted(row.value for row in frame.collect()) == [n for n in range(900) if n % 90 == 73]
    with pytest.raises(Exception, match="(?i)not exist|FileNotFound|FAILED_READ_FILE"):  # the check can fail
        read_table(spark, table).where("flight_date = DATE'2013-01-15'").collect()


def test_rewriting_a_day_inside_a_longer_file_counts_only_that_days_rows(spark, table) -> None:
    three_days = [(date(2013, 1, day), n) for day in (1, 2, 3) for n in range(10 * day)]
    write_table(spark, days_frame(spark, three_days), table, partition_column="flight_date", window=JAN_1_TO_3)
    assert len(data_files(table)) == 1  # the three days share a file, so rewriting one copies the other two
    jan_2 = [(date(2013, 1, 2), n) for n in range(7)]
    written = write_table(spark, days_frame(spark, jan_2), table, partition_column="flight_date", window=(date(2013, 1, 2), date(2013, 1, 3)))
    assert written.rows_written == 7
    assert rows_per_day(spark, table, "flight_date", JAN_1_TO_3) == {date(2013, 1, 1): 10, date(2013, 1, 2): 7, date(2013, 1, 3): 30}


def test_each_write_reports_the_version_and_rows_its_own_commit_has_in_the_history(spark, table) -> None:
    """The version and counts a write reports come from its own commit file: the same as DESCRIBE HISTORY."""
    for note, days in (("first", 3), ("second", 1), ("third", 2)):
        rows = [(date(2013, 1, day), n) for day in range(1, days + 1) for n in range(day)]
        result = write_table(spark, days_frame(spark, rows), table, partition_column="flight_date", window=JAN_1_TO_3, commit_note=note)
        newest = spark.sql(f"DESCRIBE HISTORY {table.sql_ref} LIMIT 1").first()
        assert newest.userMetadata.startswith(f"{note} [")
        assert (result.version, result.rows_written) == (newest.version, len(rows))


def test_a_write_finds_its_commit_behind_later_writers_on_disk_and_in_a_catalog(spark, tmp_path, monkeypatch) -> None:
    """On disk the commit files are read directly (no Spark query), also to find that a write of no rows made
    none; a catalog table is asked through DESCRIBE HISTORY."""
    refs = (
        TableRef("silver", "numbers", location=str(tmp_path / "plain")),
        TableRef("silver", "numbers", location=f"file:{tmp_path / 'with_scheme'}"),
        TableRef("silver", "numbers", name="default.commit_lookup_numbers"),
    )
    ask_delta = spark.sql

    def sql_for_catalog_tables_only(text: str, *args, **kwargs):
        assert "DESCRIBE HISTORY default." in text, f"a table on disk was looked up with Spark: {text}"
        return ask_delta(text, *args, **kwargs)

    try:
        for ref in refs:
            token = commit_token()
            frame = days_frame(spark, [(date(2013, 1, 1), 1), (date(2013, 1, 1), 2)])
            writer = frame.write.format("delta").mode("overwrite").option("userMetadata", f"mine [{token}]")
            writer.saveAsTable(ref.name) if ref.name else writer.save(ref.location)
            for later in range(2):  # other writers commit after this one
                more = days_frame(spark, [(date(2013, 1, 2), later)]).write.format("delta").mode("append")
                more.saveAsTable(ref.name) if ref.name else more.save(ref.location)
            with monkeypatch.context() as patch:
                patch.setattr(spark, "sql", sql_for_catalog_tables_only)
                version, metrics = _commit_of(spark, ref, token, frame)
            assert (version, metrics["numOutputRows"]) == (0, "2"), ref
            with pytest.raises(TableError, match="not among the last"):
                _commit_of(spark, ref, commit_token(), frame)
            # A write of no rows that Delta made no commit for: the table's newest version, also from the log.
            with monkeypatch.context() as patch:
                patch.setattr(spark, "sql", sql_for_catalog_tables_only)
                assert _commit_of(spark, ref, commit_token(), frame.limit(0)) == (2, {}), ref
    finally:
        spark.sql("DROP TABLE IF EXISTS default.commit_lookup_numbers")


def test_a_catalog_table_reports_each_writes_version_from_the_history(spark) -> None:
    """A table addressed by name has no local commit files to read: DESCRIBE HISTORY answers."""
    ref = TableRef("silver", "numbers", name="default.created_by_write_numbers")
    try:
        rows = [(date(2013, 1, 1), 1)]
        created = write_table(spark, days_frame(spark, rows), ref, partition_column="flight_date", window=JAN_1_TO_3, commit_note="create")
        replaced = write_table(spark, days_frame(spark, rows * 2), ref, partition_column="flight_date", window=JAN_1_TO_3)
        assert (created.version, created.rows_written, replaced.version, replaced.rows_written) == (0, 1, 1, 2)
        assert spark.sql(f"DESCRIBE HISTORY {ref.sql_ref}").orderBy("version").first().userMetadata.startswith("create [")
    finally:
        spark.sql(f"DROP TABLE IF EXISTS {ref.name}")


def test_a_multi_day_write_counts_its_rows_per_day_and_releases_the_frame_it_cached(spark, table) -> None:
    rows = [(date(2013, 1, day), n) for day in (1, 3) for n in range(day * 4)]
    frame = days_frame(spark, rows)
    result = write_table(spark, frame, table, partition_column="flight_date", window=JAN_1_TO_3, count_days=True)
    assert result.rows_by_day == {date(2013, 1, 1): 4, date(2013, 1, 3): 12} == rows_per_day(spark, table, "flight_date", JAN_1_TO_3)
    assert not frame.is_cached
    outside = days_frame(spark, [(date(2013, 1, 9), 1)])
    with pytest.raises(TableError, match="outside the day window"):
        write_table(spark, outside, table, partition_column="flight_date", window=JAN_1_TO_3, count_days=True)
    assert not outside.is_cached
    assert write_table(spark, frame, table, partition_column="flight_date", window=JAN_1_TO_3).rows_by_day is None
    callers = days_frame(spark, rows).cache()
    try:
        write_table(spark, callers, table, partition_column="flight_date", window=JAN_1_TO_3, count_days=True)
        assert callers.is_cached  # a frame the caller cached stays cached
    finally:
        callers.unpersist()

"""Re-writing a window with no rows into a table whose window is already empty makes no Delta commit; the write
must still succeed and report the version the table is at (the next run after a crash does exactly this)."""

from datetime import date

from lakehouse_assets.tables import TableLocator, read_table, write_table

WINDOW = (date(2013, 1, 30), date(2013, 2, 1))


def test_an_empty_window_rewritten_reports_the_current_version(spark, tmp_path) -> None:
    ref = TableLocator(str(tmp_path)).locate("bronze", "flights_quarantine")
    empty = spark.createDataFrame([], "flight_date date, reason string")
    first = write_table(spark, empty, ref, partition_column="flight_date", window=WINDOW)
    again = write_table(spark, empty, ref, partition_column="flight_date", window=WINDOW)
    assert (again.version, again.rows_written) == (first.version, 0) or again.version == first.version + 1
    assert read_table(spark, ref).count() == 0
    one_day = spark.createDataFrame([(date(2013, 1, 30), "no carrier")], "flight_date date, reason string")
    written = write_table(spark, one_day, ref, partition_column="flight_date", window=WINDOW)
    assert (written.version, written.rows_written) == (again.version + 1, 1)

"""Two writers committing to the same Delta table at once, through the shared write path (`write_table`).

Disjoint days: both commit (the table is not partitioned on disk, so Delta sees any two replaceWhere commits
as conflicting, and the later one tries again). The same day: the writer that loses the race re-runs its
write against the new table state, so the day ends with one copy; with retries off it fails with a clear
message and the winner's copy stands alone. The race is forced, not hoped for: one writer's rows wait
(inside Spark) until the other has committed.
"""

import threading
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from pyspark.sql import functions as F

from lakehouse_assets.tables import TableError, TableLocator, read_table, write_table

DAY = date(2013, 1, 30)
WAIT_LIMIT_SECONDS = 300  # only a safety net: the waiting writer proceeds anyway if the signal never comes


def rows(spark, day: date, writer: str, count: int):
    # One partition: a held-back write occupies one of local[2]'s task slots, the other writer gets the second.
    frame = spark.range(0, count, numPartitions=1).select(F.lit(day).alias("flight_date"), F.col("id").cast("int").alias("flight"))
    return frame.withColumn("writer", F.lit(writer))


def held_back_until(frame, started: Path, signal: Path):
    """`frame`, whose rows are produced only once `signal` exists; `started` appears when its write is under way
    (its Delta transaction has read the table state it will commit against)."""

    def wait(value: int) -> int:
        import os
        import time as clock

        open(str(started), "a").close()
        deadline = clock.monotonic() + WAIT_LIMIT_SECONDS
        while not os.path.exists(str(signal)) and clock.monotonic() < deadline:
            clock.sleep(0.05)
        return value

    return frame.withColumn("flight", F.udf(wait, "int", useArrow=False)("flight"))  # pyarrow is not a dependency


def wait_for(path: Path) -> None:
    deadline = time.monotonic() + WAIT_LIMIT_SECONDS
    while not path.exists():
        assert time.monotonic() < deadline, f"{path.name} never appeared"
        time.sleep(0.05)


def in_thread(target) -> tuple[threading.Thread, dict]:
    outcome: dict = {}

    def run() -> None:
        try:
            outcome["result"] = target()
        except Exception as error:  # the test inspects it
            outcome["error"] = error

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def written_by(spark, ref) -> dict[tuple[date, str], int]:
    frame = read_table(spark, ref).groupBy("flight_date", "writer").count()
    return {(row.flight_date, row.writer): row["count"] for row in frame.collect()}


@pytest.fixture
def table(spark, tmp_path):
    ref = TableLocator(str(tmp_path)).locate("bronze", "flights")
    write_table(spark, rows(spark, DAY, "setup", 3), ref, partition_column="flight_date", window=(DAY, DAY + timedelta(days=1)))
    return ref


def window(day: date) -> tuple[date, date]:
    return day, day + timedelta(days=1)


def test_writers_of_disjoint_days_both_commit(spark, table) -> None:
    days = [DAY + timedelta(days=1), DAY + timedelta(days=2)]
    barrier = threading.Barrier(2)

    def writer(day: date, name: str):
        barrier.wait()
        return write_table(spark, rows(spark, day, name, 50), table, partition_column="flight_date", window=window(day))

    started = [in_thread(lambda d=day, n=f"w{i}": writer(d, n)) for i, day in enumerate(days)]
    for thread, _ in started:
        thread.join()
    assert [outcome.get("error") for _, outcome in started] == [None, None]
    assert written_by(spark, table) == {(DAY, "setup"): 3, (days[0], "w0"): 50, (days[1], "w1"): 50}


def test_a_writer_of_another_day_that_loses_the_race_commits_on_its_next_try(spark, table, tmp_path) -> None:
    started, signal = tmp_path / "other-day-started", tmp_path / "other-day-committed"
    held_day, other_day = DAY + timedelta(days=1), DAY + timedelta(days=2)
    slow = held_back_until(rows(spark, held_day, "slow", 40), started, signal)
    thread, outcome = in_thread(lambda: write_table(spark, slow, table, partition_column="flight_date", window=window(held_day)))
    wait_for(started)
    fast = write_table(spark, rows(spark, other_day, "fast", 30), table, partition_column="flight_date", window=window(other_day))
    signal.touch()
    thread.join()
    assert outcome.get("error") is None and fast.attempts == 1
    assert outcome["result"].attempts == 2 and outcome["result"].version > fast.version
    assert written_by(spark, table) == {(DAY, "setup"): 3, (held_day, "slow"): 40, (other_day, "fast"): 30}


@pytest.mark.parametrize("attempts", [5, 1])
def test_writers_of_the_same_day_leave_one_copy(spark, table, tmp_path, attempts) -> None:
    started, signal = tmp_path / f"loser-started-{attempts}", tmp_path / f"winner-committed-{attempts}"
    slow = held_back_until(rows(spark, DAY, "loser", 40), started, signal)
    thread, outcome = in_thread(
        lambda: write_table(spark, slow, table, partition_column="flight_date", window=window(DAY), attempts=attempts)
    )
    wait_for(started)
    winner = write_table(spark, rows(spark, DAY, "winner", 30), table, partition_column="flight_date", window=window(DAY))
    signal.touch()
    thread.join()

    if attempts > 1:
        assert outcome.get("error") is None
        assert outcome["result"].attempts == 2 and outcome["result"].version > winner.version
        assert written_by(spark, table) == {(DAY, "loser"): 40}
    else:
        assert isinstance(outcome.get("error"), TableError)
        assert "lost the commit to concurrent writers 1 time(s)" in str(outcome["error"])
        assert "nothing of this write was committed" in str(outcome["error"])
        assert written_by(spark, table) == {(DAY, "winner"): 30}

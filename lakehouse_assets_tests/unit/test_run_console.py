"""The demo's summary lines and failure reasons, from a real (Spark-free) Dagster run's events."""

import io
import os
import sys

import dagster as dg
import pytest
from rich.console import Console

from lakehouse_assets.run_console import (
    RunProgress,
    failed_steps,
    model_line,
    output_to_log,
    phase_seconds,
    report_lines,
    table_lines,
)


@dg.asset(key=["silver", "flights"])
def silver_flights() -> dg.MaterializeResult:
    return dg.MaterializeResult(metadata={"dagster/row_count": 1785})


@dg.asset(key=["ml", "delay_model"], deps=[silver_flights])
def delay_model() -> dg.MaterializeResult:
    return dg.MaterializeResult(
        metadata={
            "model_version": 3, "holdout_roc_auc": 0.7351, "baseline_roc_auc": 0.6512,
            "promoted_to_champion": False, "gate_decision": "champion v2 is as good",
        }
    )  # fmt: skip


@dg.asset(key=["reports", "data_quality"], deps=[silver_flights])
def broken_report() -> None:
    raise dg.Failure("the reports folder is not writable: /nowhere")


def test_the_summary_reads_rows_model_and_times_from_the_run(tmp_path) -> None:
    result = dg.materialize([silver_flights, delay_model])
    assert table_lines(result) == ["  silver   flights 1,785"]
    assert model_line(result) == (
        "  model    v3: holdout ROC AUC 0.735 (baseline 0.651); gate: not promoted (champion v2 is as good)"
    )
    assert set(phase_seconds(result.all_events)) == {"data", "training"}
    (tmp_path / "data_quality").mkdir()
    (tmp_path / "data_quality" / "2013-01-01.html").write_text("<html></html>")
    assert report_lines(str(tmp_path)) == [f"  reports  {tmp_path}/: data_quality/ (1)"]


def test_a_failed_step_is_named_with_its_reason_on_one_line() -> None:
    result = dg.materialize([silver_flights, broken_report], raise_on_error=False)
    assert failed_steps(result) == [("reports/data_quality", "the reports folder is not writable: /nowhere")]


def test_the_progress_view_leaves_stderr_to_the_log_even_on_a_terminal() -> None:
    """Dagster's logger writes to sys.stderr: on a terminal rich would take it over and print the event stream."""
    before = sys.stderr
    console = Console(file=io.StringIO(), force_terminal=True)
    with dg.instance_for_test() as instance, RunProgress(instance, "no-run-yet", 3, "2013-01-01..2013-01-01", console):
        assert sys.stderr is before


def test_the_descriptors_come_back_when_the_block_fails(tmp_path) -> None:
    log = tmp_path / "run.log"
    before = os.fstat(1).st_ino, os.fstat(2).st_ino
    with pytest.raises(RuntimeError), output_to_log(log) as terminal:
        os.write(1, b"out to the log\n")
        os.write(2, b"err to the log\n")
        terminal.write("")
        raise RuntimeError("the run broke")
    assert (os.fstat(1).st_ino, os.fstat(2).st_ino) == before
    assert log.read_text() == "out to the log\nerr to the log\n"


def test_the_reason_is_the_projects_message_not_the_library_error_beneath_it() -> None:
    @dg.asset(key=["silver", "flights"])
    def failing() -> None:
        try:
            raise KeyError("column flight_date")
        except KeyError as error:
            raise ValueError("silver/flights: rows fall outside the day window 2013-01-01..2013-01-01") from error

    result = dg.materialize([failing], raise_on_error=False)
    assert failed_steps(result) == [("silver/flights", "ValueError: silver/flights: rows fall outside the day window 2013-01-01..2013-01-01")]

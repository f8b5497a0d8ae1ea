"""The demo's summary lines and failure reasons, from a real (Spark-free) Dagster run's events."""

import dagster as dg

from lakehouse_assets.run_console import failed_steps, model_line, phase_seconds, report_lines, table_lines


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

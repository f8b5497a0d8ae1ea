import logging

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from lakehouse_assets.ml.evaluation import calibration_table, score
from lakehouse_assets.ml.plots import draw_calibration, draw_precision_recall, draw_roc
from lakehouse_assets.reporting.plots import line_chart
from lakehouse_assets_tests.report_samples import holdout_predictions


@pytest.mark.parametrize("days", [1, 2, 200])
def test_a_date_axis_gets_a_readable_number_of_ticks_for_any_span(days: int, caplog: pytest.LogCaptureFixture) -> None:
    """A single day used to widen the axis by years (matplotlib's default for one point) under a daily locator."""
    index = pd.date_range("2013-06-01", periods=days, freq="D")
    frame = pd.DataFrame({"rows": range(days)}, index=index)
    with caplog.at_level(logging.WARNING, logger="matplotlib"):
        png = line_chart(frame, title="rows", xlabel="day", ylabel="rows", highlight=index[-1])

    assert png.startswith(b"\x89PNG")
    assert [record.getMessage() for record in caplog.records if "ticks" in record.getMessage()] == []


def test_the_curves_carry_the_metrics_and_the_calibration_table_of_the_same_predictions() -> None:
    frame = holdout_predictions(rows=500)
    label = frame.label_delayed.to_numpy(dtype=int)
    probabilities = {"model": frame.probability.to_numpy(), "baseline": frame.baseline_probability.to_numpy()}
    metrics = {name: score(label, probability) for name, probability in probabilities.items()}
    figure, (roc, precision_recall, calibration) = plt.subplots(1, 3)
    draw_roc(roc, label, probabilities)
    draw_precision_recall(precision_recall, label, probabilities)
    draw_calibration(calibration, label, probabilities)
    plt.close(figure)

    assert roc.get_legend_handles_labels()[1] == [
        f"model (AUC {metrics['model']['roc_auc']:.3f})", f"baseline (AUC {metrics['baseline']['roc_auc']:.3f})", "chance",
    ]  # fmt: skip
    assert precision_recall.get_legend_handles_labels()[1] == [
        f"model (PR AUC {metrics['model']['pr_auc']:.3f})", f"baseline (PR AUC {metrics['baseline']['pr_auc']:.3f})",
        "share delayed",
    ]  # fmt: skip
    share_line = precision_recall.get_lines()[-1]
    assert list(share_line.get_ydata()) == [label.mean()] * 2
    lines = {line.get_label(): line for line in calibration.get_lines()}
    assert list(lines) == ["Perfectly calibrated", "model", "baseline"]
    for name, probability in probabilities.items():
        table = calibration_table(label, probability)
        assert np.array_equal(lines[name].get_xdata(), table.mean_probability)
        assert np.array_equal(lines[name].get_ydata(), table.observed_share)

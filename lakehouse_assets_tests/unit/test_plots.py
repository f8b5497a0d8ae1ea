import logging

import pandas as pd
import pytest

from lakehouse_assets.reporting.plots import line_chart


@pytest.mark.parametrize("days", [1, 2, 200])
def test_a_date_axis_gets_a_readable_number_of_ticks_for_any_span(days: int, caplog: pytest.LogCaptureFixture) -> None:
    """A single day used to widen the axis by years (matplotlib's default for one point) under a daily locator."""
    index = pd.date_range("2013-06-01", periods=days, freq="D")
    frame = pd.DataFrame({"rows": range(days)}, index=index)
    with caplog.at_level(logging.WARNING, logger="matplotlib"):
        png = line_chart(frame, title="rows", xlabel="day", ylabel="rows", highlight=index[-1])

    assert png.startswith(b"\x89PNG")
    assert [record.getMessage() for record in caplog.records if "ticks" in record.getMessage()] == []
